-- complete: record a task's success, post the successors whose needs are all met.
--
-- KEYS[1] task hash            {ns}:{p}:task:{task_id}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] task id
-- ARGV[5] fencing token        the token the claim was granted with
-- ARGV[6] peer id
-- ARGV[7] result JSON
-- Derived keys: the capability stream, successor task hashes and streams, run hash, events.
-- Returns {1, 'ok' | 'duplicate'} when accepted, {0, reason} when fenced off.

local tk, id, token, peer = KEYS[1], ARGV[4], ARGV[5], ARGV[6]
local f = redis.call('HMGET', tk, 'state', 'token', 'run', 'capability', 'entry', 'succ', 'attempt')
if f[2] == token and already_settled(tk, token) then return { 1, 'duplicate' } end
if f[1] ~= 'running' or f[2] ~= token then
  local reason = 'no task'
  if f[1] then reason = 'token ' .. token .. ' is stale: the task is ' .. f[1] .. ' under token ' .. f[2] end
  if f[3] then emit('task.fenced', f[3], id, { peer = peer, token = tonumber(token), reason = reason }) end
  return { 0, reason }
end
local run_id = f[3]
redis.call('HSET', tk, 'state', 'succeeded', 'result', ARGV[7], 'finished', NOW,
  'lease_until', 0, 'settled_token', token)
drop_entry(tk, f[4], f[5])
for _, sid in ipairs(decode_list(f[6])) do need_done(sid) end
emit('task.succeeded', run_id, id, { peer = peer, attempt = tonumber(f[7]) })
settle(run_id, 'succeeded')
return { 1, 'ok' }
