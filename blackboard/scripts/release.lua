-- release: give back tasks this peer will not finish (shutdown) so another peer claims them
-- at once instead of after the lease; a release does not count as an attempt.
--
-- KEYS[1] events stream        {ns}:{p}:events (routes the call to the partition's slot)
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] peer id
-- ARGV[5..] pairs              task id, fencing token
-- Derived keys: task hashes, capability streams.
-- Returns how many tasks were released.

local peer = ARGV[4]
local n = 0
for i = 5, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local tk = tkey(id)
  local f = redis.call('HMGET', tk, 'state', 'owner', 'token', 'entry', 'capability', 'attempt', 'run')
  if f[1] == 'running' and f[2] == peer and f[3] == token then
    drop_entry(tk, f[5], f[4])
    local entry = redis.call('XADD', skey(f[5]), '*', 'task', id)
    redis.call('HSET', tk, 'state', 'pending', 'owner', '', 'entry', entry, 'posted', NOW,
      'lease_until', 0, 'attempt', tonumber(f[6]) - 1)
    emit('task.released', f[7], id, { peer = peer })
    n = n + 1
  end
end
return n
