-- fail: record a task's failure; re-post it after a backoff when retryable and attempts remain,
-- otherwise fail it for good and skip what depends on it.
--
-- KEYS[1] task hash            {ns}:{p}:task:{task_id}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] task id
-- ARGV[5] fencing token
-- ARGV[6] peer id
-- ARGV[7] error text           (a traceback for unexpected exceptions)
-- ARGV[8] retryable            '1' or '0'
-- ARGV[9] backoff base ms      used when the task has no backoff_ms of its own
-- ARGV[10] backoff cap ms
-- ARGV[11] summary             one line for the event
-- Derived keys: the capability stream, {p}:delayed, successor task hashes, run hash, events.
-- A task that handed its dependents over (add_tasks' takeover) is not retried: it is superseded.
-- Returns {1, 'retrying', delay_ms} | {1, 'failed'} | {1, 'duplicate'} | {0, reason}.

local tk, id, token, peer = KEYS[1], ARGV[4], ARGV[5], ARGV[6]
local f = redis.call('HMGET', tk, 'state', 'token', 'run', 'capability', 'entry', 'attempt',
  'max_attempts', 'backoff_ms', 'superseded_by')
if f[2] == token and already_settled(tk, token) then return { 1, 'duplicate' } end
if f[1] ~= 'running' or f[2] ~= token then
  local reason = 'no task'
  if f[1] then reason = 'token ' .. token .. ' is stale: the task is ' .. f[1] .. ' under token ' .. f[2] end
  if f[3] then emit('task.fenced', f[3], id, { peer = peer, token = tonumber(token), reason = reason }) end
  return { 0, reason }
end
local run_id = f[3]
local attempt, max_attempts = tonumber(f[6]), tonumber(f[7])
drop_entry(tk, f[4], f[5])
redis.call('HSET', tk, 'settled_token', token)
if ARGV[8] == '1' and attempt < max_attempts and (not f[9] or f[9] == '') then
  local base = tonumber(f[8] or '0')
  if base <= 0 then base = tonumber(ARGV[9]) end
  local delay = math.min(base * math.pow(2, attempt - 1), tonumber(ARGV[10]))
  redis.call('HSET', tk, 'state', 'pending', 'error', ARGV[7], 'owner', '', 'lease_until', 0,
    'not_before', NOW + delay)
  redis.call('ZADD', PREFIX .. ':delayed', NOW + delay, id)
  emit('task.retrying', run_id, id, { peer = peer, attempt = attempt, delay_ms = delay, error = ARGV[11] })
  return { 1, 'retrying', delay }
end
fail_task(id, run_id, ARGV[7], { peer = peer, attempt = attempt, error = ARGV[11] })
return { 1, 'failed' }
