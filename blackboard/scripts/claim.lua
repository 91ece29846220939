-- claim: grant the entries the XREADGROUP just before it (in the same pipeline) delivered to
-- this peer; each task gets a new fencing token. Sent right behind a blocking XREADGROUP, it runs
-- on the server as soon as the read unblocks: post -> grant costs the peer one round trip.
--
-- KEYS[1] events stream        {ns}:{p}:events (routes the call to the partition's slot)
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] peer id
-- ARGV[5] lease ms
-- ARGV[6] limit                grant at most this many (XREADGROUP's COUNT is per stream)
-- ARGV[7] scan                 how many pending entries to look at per stream
-- ARGV[8..] pairs              capability, first entry id to look at: just after the newest
--                              entry an earlier XREADGROUP delivered to this peer on that stream
-- Derived keys: task hashes, capability streams.
-- XREADGROUP '>' only delivers ids above the group's last delivered id, so this peer's new
-- deliveries are its pending entries from that id on, delivered once (a reaped entry counts more);
-- entries it was delivered but never granted (a crash between the two) are granted too.
-- Returns 9 values per granted task (see grant in _lib.lua). Entries whose task is no longer pending (cancelled, re-posted) are dropped;
-- pending ones past the limit are posted again at the end of their stream.

local peer, lease_ms, limit, scan = ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7]
local out = {}
local granted = 0
for i = 8, #ARGV, 2 do
  local cap = ARGV[i]
  local stream = skey(cap)
  for _, p in ipairs(redis.call('XPENDING', stream, GROUP, ARGV[i + 1], '+', scan, peer)) do
    local entry = p[1]
    if tonumber(p[4]) == 1 then
      local e = redis.call('XRANGE', stream, entry, entry)
      local id = e[1] and e[1][2][2]
      local tk = id and tkey(id)
      local s = tk and redis.call('HMGET', tk, 'state', 'entry')
      if s and s[1] == 'pending' and s[2] == entry and granted >= limit then
        drop_entry(tk, cap, entry)
        post(id)
      elseif s and s[1] == 'pending' and s[2] == entry then
        granted = granted + 1
        local f = redis.call('HMGET', tk, unpack(GRANT_FIELDS))
        local attempt = grant(out, id, peer, lease_ms, f)
        emit('task.started', f[4] or '', id, { peer = peer, attempt = attempt })
      elseif s and s[1] == 'running' and s[2] == entry then
        -- granted by an earlier call (whose reply may have been lost: then its lease expires
        -- and the reaper gives it out again); leave it alone
      else
        redis.call('XACK', stream, GROUP, entry)
        redis.call('XDEL', stream, entry)
      end
    end
  end
end
return out
