-- promote: post the tasks whose retry backoff has elapsed.
--
-- KEYS[1] delayed zset         {ns}:{p}:delayed
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] limit                at most this many per call
-- Derived keys: task hashes, capability streams.
-- Returns how many tasks were posted.

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', NOW, 'LIMIT', 0, ARGV[4])
local n = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  if redis.call('HGET', tkey(id), 'state') == 'pending' then
    post(id)
    n = n + 1
  end
end
return n
