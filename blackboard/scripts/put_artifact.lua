-- put_artifact: store an artifact's bytes and metadata for a run.
--
-- KEYS[1] artifacts hash       {ns}:{p}:artifacts:{run_id}
-- KEYS[2] blob                 {ns}:{p}:blob:{run_id}:{name}
-- ARGV[1..3]                   prefix, group, events_maxlen (see _lib.lua)
-- ARGV[4] run id
-- ARGV[5] name
-- ARGV[6] metadata JSON        models.Artifact without the bytes
-- ARGV[7] bytes
-- ARGV[8] task id              the writing task, '' for writes from outside a task
-- ARGV[9] token                the writing task's fencing token
-- ARGV[10] summary JSON        what the event carries (name, size, sha256)
-- Derived keys: run hash, task hash, events.
-- Returns 1, or an error reply (no run; fenced writer).

local run_id = ARGV[4]
if redis.call('EXISTS', rkey(run_id)) == 0 then
  return redis.error_reply('BOARD no run ' .. run_id)
end
if ARGV[8] ~= '' then
  local f = redis.call('HMGET', tkey(ARGV[8]), 'state', 'token')
  if f[1] ~= 'running' or f[2] ~= ARGV[9] then
    return redis.error_reply('FENCED task ' .. ARGV[8] .. ' no longer holds token ' .. ARGV[9])
  end
end
redis.call('SET', KEYS[2], ARGV[7])
redis.call('HSET', KEYS[1], ARGV[5], ARGV[6])
emit('artifact.stored', run_id, ARGV[8], cjson.decode(ARGV[10]))
return 1
