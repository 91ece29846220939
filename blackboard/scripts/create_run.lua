-- create_run: write a run and all its tasks, post the roots, optionally dedupe.
--
-- KEYS[1] run hash             {ns}:{p}:run:{run_id}
-- KEYS[2] dedupe key           {ns}:{p}:dedupe:{key} (untouched when ARGV[9] is '')
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] run id
-- ARGV[5] meta JSON            RunMeta
-- ARGV[6] traceparent
-- ARGV[7] budget               tasks the run may add to itself
-- ARGV[8] tasks JSON           [[id, spec, capability, inputs, needs, succ, deps,
--                                approval, max_attempts, backoff_ms, traceparent, always], ...]
-- ARGV[9] dedupe ttl ms        '' for no dedupe
-- Derived keys: task hashes, {p}:run:{id}:tasks, {p}:runs, {p}:runseq, {p}:capabilities,
--               capability streams, events.
-- Returns {1, run_id} when created, {0, existing_run_id} for a duplicate delivery.

local run_id = ARGV[4]
if ARGV[9] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return { 0, existing } end
  redis.call('SET', KEYS[2], run_id, 'PX', ARGV[9])
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.error_reply('BOARD run ' .. run_id .. ' exists')
end

local tasks = cjson.decode(ARGV[8])
local n = #tasks
local seq = redis.call('INCR', PREFIX .. ':runseq')
redis.call('HSET', KEYS[1], 'id', run_id, 'status', 'running', 'created', NOW, 'seq', seq,
  'meta', ARGV[5], 'traceparent', ARGV[6], 'budget', ARGV[7], 'added', 0,
  'total', n, 'remaining', n, 'succeeded', 0, 'failed', 0, 'skipped', 0, 'cancelled', 0)
redis.call('ZADD', PREFIX .. ':runs', seq, run_id)

local list_key = rkey(run_id) .. ':tasks'
local caps = {}
local ids = {}
for _, t in ipairs(tasks) do
  redis.call('HSET', tkey(t[1]), 'id', t[1], 'run', run_id, 'spec', t[2], 'capability', t[3],
    'inputs', t[4], 'needs', t[5], 'succ', t[6], 'deps', t[7], 'approval', t[8],
    'max_attempts', t[9], 'backoff_ms', t[10], 'traceparent', t[11], 'always', t[12],
    'state', 'blocked', 'attempt', 0, 'token', 0, 'created', NOW)
  caps[t[3]] = true
  ids[#ids + 1] = t[1]
  if #ids == 1000 then
    redis.call('RPUSH', list_key, unpack(ids))
    ids = {}
  end
end
if #ids > 0 then redis.call('RPUSH', list_key, unpack(ids)) end
for cap, _ in pairs(caps) do redis.call('SADD', PREFIX .. ':capabilities', cap) end

emit('run.created', run_id, '', { total = n })
for _, t in ipairs(tasks) do
  if t[7] == '0' then post(t[1]) end
end
if n == 0 then finish_run(run_id) end
return { 1, run_id }
