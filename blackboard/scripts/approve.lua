-- approve: a human's decision on a task waiting for approval.
--
-- KEYS[1] task hash            {ns}:{p}:task:{task_id}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] task id
-- ARGV[5] decision             'approve' or 'reject'
-- ARGV[6] who                  the approver, as the chat or API names them
-- ARGV[7] reason               free text, may be ''
-- Derived keys: capability stream, successor task hashes, run hash, events.
-- Returns {1, decision} or {0, current_state}.

local tk, id, who = KEYS[1], ARGV[4], ARGV[6]
local f = redis.call('HMGET', tk, 'state', 'run')
if not f[1] then return { 0, 'missing' } end
if f[1] ~= 'waiting' then return { 0, f[1] } end
if ARGV[5] == 'approve' then
  redis.call('HSET', tk, 'approved_by', who)
  emit('approval.granted', f[2], id, { by = who, reason = ARGV[7] })
  post(id)
  return { 1, 'approve' }
end
local err = 'rejected by ' .. who
if ARGV[7] ~= '' then err = err .. ': ' .. ARGV[7] end
emit('approval.rejected', f[2], id, { by = who, reason = ARGV[7] })
fail_task(id, f[2], err, { error = err })
return { 1, 'reject' }
