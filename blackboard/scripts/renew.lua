-- renew: extend the leases this peer still holds; report the ones it lost.
--
-- KEYS[1] events stream        {ns}:{p}:events (routes the call to the partition's slot)
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] peer id
-- ARGV[5] lease ms
-- ARGV[6..] pairs              task id, fencing token
-- Derived keys: task hashes, capability streams.
-- A lease is renewed with XCLAIM ... JUSTID (resets the entry's idle time without counting a
-- delivery) only after checking that this peer still owns this attempt: a bare XCLAIM would
-- take back a task the reaper already gave to another peer.
-- Returns the ids of the tasks whose lease is lost (reassigned, cancelled or finished).

local peer, lease_ms = ARGV[4], tonumber(ARGV[5])
local lost = {}
for i = 6, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local tk = tkey(id)
  local f = redis.call('HMGET', tk, 'state', 'owner', 'token', 'entry', 'capability', 'attempt')
  if f[1] == 'running' and f[2] == peer and f[3] == token then
    local claimed = redis.call('XCLAIM', skey(f[5]), GROUP, peer, 0, f[4], 'JUSTID')
    if #claimed == 1 then
      redis.call('HSET', tk, 'lease_until', NOW + lease_ms)
    else
      -- the entry vanished from the stream (never in normal operation): re-post the task so
      -- the lease machinery covers it again, and let this peer drop it
      local entry = redis.call('XADD', skey(f[5]), '*', 'task', id)
      redis.call('HSET', tk, 'state', 'pending', 'owner', '', 'entry', entry, 'posted', NOW,
        'lease_until', 0, 'attempt', tonumber(f[6]) - 1)
      lost[#lost + 1] = id
    end
  else
    lost[#lost + 1] = id
  end
end
return lost
