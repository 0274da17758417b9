"""Throttling agents' sign-in tries, so a stranger can slow a guesser down but cannot sign a real agent out.

A hard lock on the account (five wrong tries and the agent is out for 15
minutes) hands that lock to anyone who knows an agent id. Instead, as the
well-run sign-in services do, the tries are counted where they come from:

- per (agent, source): a source (an address for the API and console, the calling
  number for the agent line) gets `pair_limit` wrong tries at one agent per window;
- per source: `source_limit` wrong tries at any agents per window, so one source
  cannot spray guesses across the whole directory;
- per agent, from every source together: past `agent_free` wrong tries, a source the
  agent has not signed in from before must wait between tries, the wait doubling up
  to `max_delay_ms`; a source the agent has signed in from keeps its own allowance.

Every try is counted before the secret is checked, in one Lua script (atomic
across processes), so 48 tries sent at once get exactly `pair_limit` checks; a
right secret gives its try back. Refusals say how long to wait (Retry-After).
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import redis

from runtime.unit_of_work import read_together, staged

PAIR = "signin:pair:"  # agent id and source: wrong tries in this window
SOURCE = "signin:source:"  # source: wrong tries at any agent in this window
AGENT = "signin:agent:"  # agent id: wrong tries from anywhere, and when an unknown source may try next
KNOWN = "signin:known:"  # agent id: sources the agent has signed in from
KNOWN_SECONDS = 30 * 24 * 60 * 60

# KEYS: pair, source, agent, known. ARGV: now (ms), window (ms), pair limit, source limit, agent's free
# tries, first delay (ms), longest delay (ms), the source's digest, known lifetime (s).
# Returns {0, 0} when the try may go ahead (and is counted), else {reason, milliseconds to wait}:
# 1 this source at this agent, 2 this source at any agent, 3 an unknown source while the agent is under attack.
_RESERVE = """
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
if pair >= tonumber(ARGV[3]) then return {1, math.max(redis.call('PTTL', KEYS[1]), 1)} end
local source = tonumber(redis.call('GET', KEYS[2]) or '0')
if source >= tonumber(ARGV[4]) then return {2, math.max(redis.call('PTTL', KEYS[2]), 1)} end
local failures = tonumber(redis.call('HGET', KEYS[3], 'failures') or '0')
local free = tonumber(ARGV[5])
local known = redis.call('SISMEMBER', KEYS[4], ARGV[8]) == 1
if failures >= free and not known then
  local next_at = tonumber(redis.call('HGET', KEYS[3], 'next_at') or '0')
  if now < next_at then return {3, next_at - now} end
end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], window) end
end
failures = redis.call('HINCRBY', KEYS[3], 'failures', 1)
if failures >= free then
  local delay = math.min(tonumber(ARGV[6]) * 2 ^ (failures - free), tonumber(ARGV[7]))
  redis.call('HSET', KEYS[3], 'next_at', now + delay)
end
if failures == 1 then redis.call('PEXPIRE', KEYS[3], window) end
return {0, 0}
"""

# A right secret: its try was not a wrong one, the pair starts afresh and the source becomes one the
# agent signs in from. KEYS as above; ARGV: the source's digest, known lifetime (s).
_RIGHT = """
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
if tonumber(redis.call('HGET', KEYS[3], 'failures') or '0') > 0 then redis.call('HINCRBY', KEYS[3], 'failures', -1) end
redis.call('DEL', KEYS[1])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('EXPIRE', KEYS[4], ARGV[2])
return 1
"""

REASONS = {1: "source-at-agent", 2: "source", 3: "agent-under-attack"}


@dataclass(frozen=True)
class ThrottlePolicy:
    window_seconds: int = 15 * 60
    pair_limit: int = 5
    source_limit: int = 20
    agent_free: int = 10
    first_delay_ms: int = 1000
    max_delay_ms: int = 60_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds, for Retry-After
    reason: str = ""


class SignInThrottle:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], policy: ThrottlePolicy = ThrottlePolicy()):
        self._redis = client
        self._clock = clock
        self.policy = policy

    def reserve(self, agent_id: str, source: str) -> Verdict:
        """Count a try of `source` at `agent_id` before its secret is checked; a refusal says how long to wait."""
        return read_together(self._redis, self.reserving(agent_id, source))[0]

    def reserving(self, agent_id: str, source: str):
        """`reserve` as a `Read`, to ride with other reads in one round trip."""
        policy = self.policy

        def stage(pipe):
            now_ms = int(self._clock().timestamp() * 1000)
            pipe.eval(_RESERVE, 4, *self._keys(agent_id, source), now_ms, policy.window_seconds * 1000, policy.pair_limit,
                      policy.source_limit, policy.agent_free, policy.first_delay_ms, policy.max_delay_ms,
                      _digest(source), KNOWN_SECONDS)
            return _verdict
        return stage

    def succeeded(self, agent_id: str, source: str) -> None:
        """The secret was right: the try is given back and the source is one this agent signs in from."""
        with staged(self._redis) as pipe:
            pipe.eval(_RIGHT, 4, *self._keys(agent_id, source), _digest(source), KNOWN_SECONDS)

    @staticmethod
    def _keys(agent_id: str, source: str) -> list[str]:
        agent, where = agent_id[:64], _digest(source)
        return [f"{PAIR}{agent}:{where}", SOURCE + where, AGENT + agent, KNOWN + agent]


def _digest(source: str) -> str:
    """Sources (addresses, phone numbers) are kept as short digests: the throttle needs no one's number in clear."""
    return hashlib.sha256(source.encode()).hexdigest()[:24]


def _verdict(reply) -> Verdict:
    reason, wait_ms = int(reply[0]), int(reply[1])
    if reason == 0:
        return Verdict(True)
    return Verdict(False, retry_after=max(1, -(-wait_ms // 1000)), reason=REASONS[reason])
