-- Shared library, prepended to every script of this folder when it is loaded.
--
-- Every script takes the same first three ARGV:
--   ARGV[1] prefix        "{ns}:{p}" - the partition's key prefix, hash tag included
--   ARGV[2] group         the consumer group on every capability stream
--   ARGV[3] events_maxlen approximate length the events stream is trimmed to
-- Keys other than KEYS[*] are derived from the prefix; they carry the same hash tag,
-- so they live in the same cluster slot as KEYS[1].

local PREFIX = ARGV[1]
local GROUP = ARGV[2]
local MAXLEN = ARGV[3]
local _t = redis.call('TIME')
local NOW = tonumber(_t[1]) * 1000 + math.floor(tonumber(_t[2]) / 1000)

local TERMINAL = { succeeded = true, failed = true, skipped = true, cancelled = true, superseded = true }

local function tkey(id) return PREFIX .. ':task:' .. id end
local function rkey(id) return PREFIX .. ':run:' .. id end
local function skey(cap) return PREFIX .. ':tasks:' .. cap end

local function emit(kind, run, task, data)
  if data then
    redis.call('XADD', PREFIX .. ':events', 'MAXLEN', '~', MAXLEN, '*',
      'kind', kind, 'run', run, 'task', task, 'data', cjson.encode(data))
  else
    redis.call('XADD', PREFIX .. ':events', 'MAXLEN', '~', MAXLEN, '*',
      'kind', kind, 'run', run, 'task', task)
  end
end

local function decode_list(raw)
  if not raw or raw == '' then return {} end
  return cjson.decode(raw)
end

-- Put a task whose needs are met on its capability stream (or hold it for approval).
local function post(id)
  local tk = tkey(id)
  local f = redis.call('HMGET', tk, 'capability', 'approval', 'approved_by', 'run')
  if f[2] == '1' and (not f[3] or f[3] == '') then
    redis.call('HSET', tk, 'state', 'waiting')
    emit('approval.requested', f[4], id, nil)
    return
  end
  local entry = redis.call('XADD', skey(f[1]), '*', 'task', id)
  redis.call('HSET', tk, 'state', 'pending', 'entry', entry, 'posted', NOW)
end

-- Remove a task's current entry from its stream (acknowledged first, so no PEL keeps it).
local function drop_entry(tk, cap, entry)
  if entry and entry ~= '' then
    redis.call('XACK', skey(cap), GROUP, entry)
    redis.call('XDEL', skey(cap), entry)
    redis.call('HSET', tk, 'entry', '')
  end
end

local function finish_run(run_id)
  local rk = rkey(run_id)
  local f = redis.call('HMGET', rk, 'status', 'succeeded', 'failed', 'skipped', 'cancelled', 'total',
    'superseded')
  if f[1] ~= 'running' then return end
  local final = 'succeeded'
  if tonumber(f[5] or '0') > 0 then
    final = 'cancelled'
  elseif tonumber(f[3] or '0') > 0 then
    final = 'failed'
  end
  redis.call('HSET', rk, 'status', final, 'finished', NOW)
  emit('run.' .. final, run_id, '', {
    total = tonumber(f[6] or '0'), succeeded = tonumber(f[2] or '0'),
    failed = tonumber(f[3] or '0'), skipped = tonumber(f[4] or '0'),
    cancelled = tonumber(f[5] or '0'), superseded = tonumber(f[7] or '0') })
end

-- Count one task of the run as finished in `state`; the last one finishes the run.
local function settle(run_id, state)
  local rk = rkey(run_id)
  redis.call('HINCRBY', rk, state, 1)
  if redis.call('HINCRBY', rk, 'remaining', -1) <= 0 then
    finish_run(run_id)
  end
end

-- A need of `sid` finished (any outcome): one need fewer; post it when none is left.
local function need_done(sid)
  local sk = tkey(sid)
  if redis.call('HINCRBY', sk, 'deps', -1) <= 0 and redis.call('HGET', sk, 'state') == 'blocked' then
    post(sid)
  end
end

-- Skip every task downstream of `id` that has not started (a task it needs did not succeed);
-- an `always` task is not skipped: it counts the need as done.
local function skip_descendants(id, run_id)
  local queue = decode_list(redis.call('HGET', tkey(id), 'succ'))
  local reason = 'skipped: ' .. id .. ' did not succeed'
  local i = 1
  while i <= #queue do
    local sid = queue[i]
    i = i + 1
    local sk = tkey(sid)
    local f = redis.call('HMGET', sk, 'state', 'succ', 'always')
    if f[3] == '1' then
      need_done(sid)
    elseif f[1] == 'blocked' or f[1] == 'waiting' then
      redis.call('HSET', sk, 'state', 'skipped', 'error', reason, 'finished', NOW)
      emit('task.skipped', run_id, sid, nil)
      settle(run_id, 'skipped')
      for _, next_id in ipairs(decode_list(f[2])) do queue[#queue + 1] = next_id end
    end
  end
end

-- Mark a task failed for good: settle it, then skip what depends on it. A task that handed its
-- dependents to a corrected task (add_tasks' takeover) is superseded instead: nothing is skipped
-- and the run's outcome is the corrected task's.
local function fail_task(id, run_id, err, data)
  local by = redis.call('HGET', tkey(id), 'superseded_by')
  if by and by ~= '' then
    redis.call('HSET', tkey(id), 'state', 'superseded', 'error', err, 'finished', NOW, 'lease_until', 0)
    data = data or {}
    data.by = by
    emit('task.superseded', run_id, id, data)
    settle(run_id, 'superseded')
    return
  end
  redis.call('HSET', tkey(id), 'state', 'failed', 'error', err, 'finished', NOW, 'lease_until', 0)
  emit('task.failed', run_id, id, data)
  settle(run_id, 'failed')
  skip_descendants(id, run_id)
end

-- Give a pending (or reclaimed) task to `peer` under a new fencing token; appends 9 values to
-- `out`: id, token, attempt, max_attempts, run, spec, inputs, traceparent, capability.
-- f = HMGET(tk, unpack(GRANT_FIELDS))
local function grant(out, id, peer, lease_ms, f)
  local attempt = tonumber(f[1] or '0') + 1
  local token = tonumber(f[2] or '0') + 1
  redis.call('HSET', tkey(id), 'state', 'running', 'owner', peer, 'attempt', attempt,
    'token', token, 'started', NOW, 'lease_until', NOW + lease_ms)
  local n = #out
  out[n + 1] = id
  out[n + 2] = token
  out[n + 3] = attempt
  out[n + 4] = f[3] or '1'
  out[n + 5] = f[4] or ''
  out[n + 6] = f[5] or ''
  out[n + 7] = f[6] or '{}'
  out[n + 8] = f[7] or ''
  out[n + 9] = f[8] or ''
  return attempt
end

local GRANT_FIELDS = { 'attempt', 'token', 'max_attempts', 'run', 'spec', 'inputs', 'traceparent',
  'capability' }

-- The write of a settled claim is recorded under its token, so a retried call is idempotent.
local function already_settled(tk, token)
  return redis.call('HGET', tk, 'settled_token') == token
end

-- End of library --
