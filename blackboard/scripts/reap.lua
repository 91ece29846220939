-- reap: take over the entries of one capability stream whose lease expired (XAUTOCLAIM);
-- a task that used up its attempts goes to the dead-letter stream instead.
--
-- KEYS[1] capability stream    {ns}:{p}:tasks:{capability}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] peer id              the reaper, which becomes the new owner
-- ARGV[5] lease ms             min-idle-time: an entry idle this long has an expired lease
-- ARGV[6] cursor               XAUTOCLAIM start id ('0-0' for a full pass)
-- ARGV[7] count                at most this many entries (the reaper's free slots)
-- ARGV[8] capability
-- Derived keys: task hashes, run hashes, {p}:dead, events.
-- Returns {next_cursor, dead_count, 9 values per granted task (see grant in _lib.lua)}.

local peer, lease_ms, cap = ARGV[4], tonumber(ARGV[5]), ARGV[8]
local res = redis.call('XAUTOCLAIM', KEYS[1], GROUP, peer, lease_ms, ARGV[6], 'COUNT', ARGV[7])
local out = { res[1], 0 }
local dead = 0
for _, e in ipairs(res[2]) do
  local entry, fields = e[1], e[2]
  local id = fields and fields[2]
  local tk = id and tkey(id)
  local s = tk and redis.call('HMGET', tk, 'state', 'entry', 'owner', 'attempt', 'max_attempts', 'run')
  if s and (s[1] == 'running' or s[1] == 'pending') and s[2] == entry then
    if tonumber(s[4] or '0') >= tonumber(s[5] or '1') then
      dead = dead + 1
      local err = 'lease expired on attempt ' .. s[4] .. ' of ' .. s[5] ..
        ' (owner ' .. (s[3] or '?') .. ' stopped renewing); no attempts left'
      drop_entry(tk, cap, entry)
      redis.call('XADD', PREFIX .. ':dead', 'MAXLEN', '~', 10000, '*', 'task', id, 'run', s[6],
        'capability', cap, 'attempts', s[4], 'error', err)
      emit('task.dead', s[6], id, { attempts = tonumber(s[4]), owner = s[3] })
      fail_task(id, s[6], err, { attempt = tonumber(s[4]), error = err })
    else
      local f = redis.call('HMGET', tk, unpack(GRANT_FIELDS))
      local attempt = grant(out, id, peer, lease_ms, f)
      emit('task.reassigned', s[6], id, { from = s[3] or '', to = peer, attempt = attempt })
    end
  else
    redis.call('XACK', KEYS[1], GROUP, entry)
    redis.call('XDEL', KEYS[1], entry)
  end
end
out[2] = dead
return out
