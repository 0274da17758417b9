"""The router's event log: one Redis stream per UTC day (`ev:<YYYY-MM-DD>`), each entry an event with its
time by the router's clock, kept `KEPT_DAYS` days and one more. `call_store.events` logs the calls' events
(and keeps the wallboard's counters); this module logs agents' state changes, which happen in
`workforce.presence`, below it."""
from __future__ import annotations

from datetime import datetime, timezone

from redis.client import Pipeline

KEPT_DAYS = 30
KEEP_SECONDS = (KEPT_DAYS + 1) * 24 * 3600
STREAM = "ev:"

# A Lua function for every script that logs: the entry's id takes the router's time (ms) where the server
# lets a client give the time and keep the sequence its own (Redis 7 and later; not once the stream holds a
# later entry), else the server's.
ADD_ENTRY = """
local function add_entry(stream, ms, ...)
  local entry = false
  if redis.REDIS_VERSION_NUM then entry = redis.pcall('XADD', stream, ms .. '-*', ...) end
  if type(entry) ~= 'string' then redis.call('XADD', stream, '*', ...) end
end
"""

# KEYS: the agent's presence hash, the day's stream. ARGV: agent id, now (epoch seconds), now in ms, keep seconds.
# Logs the agent's state if it differs from the last one logged (kept in the hash as `logged`): run after any
# change to presence, it records each real change once, whatever the change's script decided.
_AGENT_STATE = ADD_ENTRY + """
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == redis.call('HGET', KEYS[1], 'logged') then return 0 end
redis.call('HSET', KEYS[1], 'logged', state)
add_entry(KEYS[2], ARGV[3], 'at', ARGV[2], 'kind', 'agent-state', 'agent', ARGV[1], 'state', state)
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""


def stream_key(at: datetime) -> str:
    return STREAM + at.astimezone(timezone.utc).date().isoformat()


def stage_agent_state(pipe: Pipeline, presence_key: str, agent_id: str, at: datetime) -> None:
    """On `pipe`, after the presence change: log the agent's state if it changed."""
    pipe.eval(_AGENT_STATE, 2, presence_key, stream_key(at), agent_id, at.timestamp(), int(at.timestamp() * 1000),
              KEEP_SECONDS)
