-- cancel: stop a run; every task not finished is cancelled. Owners of running tasks learn it at
-- their next lease renewal and stop their handler; their late completions are refused.
--
-- KEYS[1] run hash             {ns}:{p}:run:{run_id}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] run id
-- ARGV[5] reason
-- Derived keys: {p}:run:{id}:tasks, task hashes, capability streams, {p}:delayed, events.
-- Returns {1, cancelled_count} or {0, current_status}.

local rk, run_id = KEYS[1], ARGV[4]
local status = redis.call('HGET', rk, 'status')
if not status then return { 0, 'missing' } end
if status ~= 'running' then return { 0, status } end
redis.call('HSET', rk, 'reason', ARGV[5])
local ids = redis.call('LRANGE', rk .. ':tasks', 0, -1)
local n = 0
for _, id in ipairs(ids) do
  local tk = tkey(id)
  local f = redis.call('HMGET', tk, 'state', 'capability', 'entry')
  if f[1] and not TERMINAL[f[1]] then
    drop_entry(tk, f[2], f[3])
    redis.call('ZREM', PREFIX .. ':delayed', id)
    redis.call('HSET', tk, 'state', 'cancelled', 'finished', NOW, 'lease_until', 0, 'error', ARGV[5])
    n = n + 1
  end
end
emit('run.cancelling', run_id, '', { reason = ARGV[5], tasks = n })
for _ = 1, n do settle(run_id, 'cancelled') end
return { 1, n }
