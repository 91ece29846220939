-- add_tasks: grow a running run by new tasks, within its budget (self-correction terminates).
--
-- KEYS[1] run hash             {ns}:{p}:run:{run_id}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] run id
-- ARGV[5] parent task id       '' when added from outside a task
-- ARGV[6] parent token         the adding task's fencing token
-- ARGV[7] tasks JSON           as create_run; deps and succ count only the new tasks
-- ARGV[8] existing needs JSON  [[new_id, existing_id], ...]
-- ARGV[9] before JSON          [[new_id, existing_id], ...]: existing tasks (still blocked)
--                              that must now also wait for the new task
-- ARGV[10] takeover            '' or the id of a new task that takes over the parent's dependents:
--                              they now wait for it instead, and the parent, if it then fails,
--                              ends superseded (healing: diagnose, then a corrected attempt)
-- Derived keys: task hashes, {p}:run:{id}:tasks, {p}:capabilities, streams, events.
-- Validates everything before writing anything (a Lua error does not roll back).
-- Returns {1, n} or an error reply starting with BOARD.

local rk, run_id = KEYS[1], ARGV[4]
local r = redis.call('HMGET', rk, 'status', 'budget', 'added')
if not r[1] then return redis.error_reply('BOARD no run ' .. run_id) end
if r[1] ~= 'running' then return redis.error_reply('BOARD run ' .. run_id .. ' is ' .. r[1]) end
local parent = ARGV[5]
if parent ~= '' then
  local p = redis.call('HMGET', tkey(parent), 'state', 'token')
  if p[1] ~= 'running' or p[2] ~= ARGV[6] then
    return redis.error_reply('FENCED task ' .. parent .. ' no longer holds token ' .. ARGV[6])
  end
end
local tasks = cjson.decode(ARGV[7])
local needs = cjson.decode(ARGV[8])
local before = cjson.decode(ARGV[9])
local n = #tasks
if tonumber(r[3]) + n > tonumber(r[2]) then
  return redis.error_reply('BUDGET run ' .. run_id .. ' may add ' .. (tonumber(r[2]) - tonumber(r[3])) ..
    ' more task(s), not ' .. n)
end
for _, t in ipairs(tasks) do
  if redis.call('EXISTS', tkey(t[1])) == 1 then
    return redis.error_reply('BOARD task ' .. t[1] .. ' exists')
  end
end
local need_set = {}
for _, pair in ipairs(needs) do
  if redis.call('EXISTS', tkey(pair[2])) == 0 then
    return redis.error_reply('BOARD no task ' .. pair[2] .. ' in run ' .. run_id)
  end
  need_set[pair[2]] = true
end
for _, pair in ipairs(before) do
  local st = redis.call('HGET', tkey(pair[2]), 'state')
  if st ~= 'blocked' then
    return redis.error_reply('BOARD task ' .. pair[2] .. ' is ' .. tostring(st) ..
      '; only a task still waiting for its needs can wait for a new one')
  end
  -- a cycle would close if the target reaches (downstream) one of the new tasks' needs
  local queue, seen, i = { pair[2] }, {}, 1
  while i <= #queue do
    local cur = queue[i]
    i = i + 1
    if need_set[cur] then
      return redis.error_reply('BOARD adding these tasks before ' .. pair[2] .. ' would make a cycle')
    end
    if not seen[cur] then
      seen[cur] = true
      for _, s in ipairs(decode_list(redis.call('HGET', tkey(cur), 'succ'))) do queue[#queue + 1] = s end
    end
  end
end

local takeover = ARGV[10]
if takeover ~= '' then
  if parent == '' then return redis.error_reply('BOARD a takeover needs the parent task') end
  local known = false
  for _, t in ipairs(tasks) do if t[1] == takeover then known = true end end
  if not known then return redis.error_reply('BOARD takeover ' .. takeover .. ' is not a new task') end
end

-- write
local list_key = rkey(run_id) .. ':tasks'
for _, t in ipairs(tasks) do
  redis.call('HSET', tkey(t[1]), 'id', t[1], 'run', run_id, 'spec', t[2], 'capability', t[3],
    'inputs', t[4], 'needs', t[5], 'succ', t[6], 'deps', t[7], 'approval', t[8],
    'max_attempts', t[9], 'backoff_ms', t[10], 'traceparent', t[11], 'always', t[12],
    'state', 'blocked', 'attempt', 0, 'token', 0, 'created', NOW, 'added_by', parent)
  redis.call('RPUSH', list_key, t[1])
  redis.call('SADD', PREFIX .. ':capabilities', t[3])
end
redis.call('HINCRBY', rk, 'total', n)
redis.call('HINCRBY', rk, 'remaining', n)
redis.call('HINCRBY', rk, 'added', n)

local doomed = {}
for _, pair in ipairs(needs) do
  local ek = tkey(pair[2])
  local st = redis.call('HGET', ek, 'state')
  if st == 'failed' or st == 'skipped' or st == 'cancelled' then
    if redis.call('HGET', tkey(pair[1]), 'always') ~= '1' then doomed[#doomed + 1] = pair[1] end
  elseif st ~= 'succeeded' then
    redis.call('HINCRBY', tkey(pair[1]), 'deps', 1)
    local succ = decode_list(redis.call('HGET', ek, 'succ'))
    succ[#succ + 1] = pair[1]
    redis.call('HSET', ek, 'succ', cjson.encode(succ))
  end
end
for _, pair in ipairs(before) do
  redis.call('HINCRBY', tkey(pair[2]), 'deps', 1)
  local nk = tkey(pair[1])
  local succ = decode_list(redis.call('HGET', nk, 'succ'))
  succ[#succ + 1] = pair[2]
  redis.call('HSET', nk, 'succ', cjson.encode(succ))
end
if takeover ~= '' then
  local pk = tkey(parent)
  local moved = decode_list(redis.call('HGET', pk, 'succ'))
  local nk = tkey(takeover)
  local succ = decode_list(redis.call('HGET', nk, 'succ'))
  for _, sid in ipairs(moved) do succ[#succ + 1] = sid end
  if #succ > 0 then redis.call('HSET', nk, 'succ', cjson.encode(succ)) end
  redis.call('HSET', pk, 'succ', '[]', 'superseded_by', takeover)
end
emit('run.grown', run_id, parent, { added = n })
for _, id in ipairs(doomed) do
  if redis.call('HGET', tkey(id), 'state') == 'blocked' then
    redis.call('HSET', tkey(id), 'state', 'skipped', 'error', 'skipped: a task it needs did not succeed',
      'finished', NOW)
    emit('task.skipped', run_id, id, nil)
    settle(run_id, 'skipped')
    skip_descendants(id, run_id)
  end
end
for _, t in ipairs(tasks) do
  local f = redis.call('HMGET', tkey(t[1]), 'state', 'deps')
  if f[1] == 'blocked' and f[2] == '0' then post(t[1]) end
end
return { 1, n }
