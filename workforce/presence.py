"""Where each agent is: available, offered a caller (their phone rings), busy, in wrap-up, offline,
or offline after missing an offer; and since when each available agent has been idle.

Kept in Redis so every router process sees the same agents: a hash per agent
(`presence:<id>`) and one sorted set of those ready for a caller, scored by the
moment they became (or, in wrap-up, will become) available, so the longest idle
is the lowest score. An offer is one Lua script: it claims the caller and the
first still-available candidate together, so of two processes offering at once
exactly one succeeds, and neither a caller nor an agent is ever offered twice.
The clock is passed in (never Redis' own), so offers expire by the router's clock.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum

import redis

from runtime.event_log import stage_agent_state
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import staged

PRESENCE = "presence:"  # hash per agent: state, since, ring, call, leg, ready_since, until, last
READY = "presence-ready"  # sorted set: agent id scored by when they are (or will be) available
OFFERS = "offers"  # hash: caller's CallSid -> "<agent id> <expires epoch> <phase>"
CONSULTS = "consults"  # hash like OFFERS: the caller's CallSid -> the agent consulted in a warm transfer
RESERVED = "offers-reserved"  # hash: caller's CallSid -> "<agent id> <until epoch>": transferred to that agent
DEFAULT_WRAP_UP_SECONDS = 30


class AgentState(str, Enum):
    AVAILABLE = "available"
    OFFERED = "offered"  # the router is ringing them with a caller
    BUSY = "busy"
    WRAP_UP = "wrap-up"
    OFFLINE = "offline"
    OFFLINE_MISSED = "offline-missed"  # did not answer an offer: not rung again until they say so


SETTABLE_BY_AGENT = frozenset({AgentState.AVAILABLE, AgentState.OFFLINE})


@dataclass(frozen=True)
class Presence:
    agent_id: str
    state: AgentState
    since: datetime | None  # when this state began (for available: idle since)
    ring: str = ""  # where an offer rings them: an E.164 phone, or client:<agent id> for the browser
    call: str = ""  # the caller's CallSid while offered or busy
    leg: str = ""  # the agent's own leg of that call
    until: datetime | None = None  # the end of wrap-up
    last: str = ""  # the caller's CallSid of the agent's last call (what their wrap-up is about)

    def public(self) -> dict:
        return {"agent_id": self.agent_id, "state": self.state.value,
                "since": self.since.isoformat() if self.since else None, "ring": self.ring,
                "call_sid": self.call or None, "wrap_up_until": self.until.isoformat() if self.until else None,
                "last_call_sid": self.last or None}


@dataclass(frozen=True)
class Ready:
    """An agent the router may offer a caller to, idle since `since` (epoch seconds)."""

    agent_id: str
    since: float


# KEYS: the agent's hash, the ready set. ARGV: agent id, new state, now, ring ('' keeps it).
# The agent's own change: available or offline. Refused (returns the current state) while offered or busy.
_SET_BY_AGENT = """
local state = redis.call('HGET', KEYS[1], 'state')
if state == 'offered' or state == 'busy' then return state end
if ARGV[2] == 'available' then
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('HSET', KEYS[1], 'state', ARGV[2], 'since', ARGV[3], 'call', '', 'leg', '', 'until', '')
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'ring', ARGV[4]) end
return ARGV[2]
"""

# KEYS: the ready set, the offers hash. ARGV: now, expires, caller's CallSid, candidate agent ids in order.
# Claims the caller (unless a live offer holds them) and the first candidate still ready by now; frees
# whoever an expired offer of this caller held. Returns {agent id, ring} or false.
_OFFER = """
local now = tonumber(ARGV[1])
local current = redis.call('HGET', KEYS[2], ARGV[3])
if current then
  local agent, expires = string.match(current, '^(%S+) (%S+)')
  if tonumber(expires) > now then return false end
  local key = 'presence:' .. agent
  if redis.call('HGET', key, 'call') == ARGV[3] and redis.call('HGET', key, 'state') == 'offered' then
    redis.call('HSET', key, 'state', 'available', 'since', ARGV[1], 'call', '', 'leg', '')
    redis.call('ZADD', KEYS[1], redis.call('HGET', key, 'ready_since') or ARGV[1], agent)
  end
  redis.call('HDEL', KEYS[2], ARGV[3])
end
for i = 4, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) <= now then
    local key = 'presence:' .. ARGV[i]
    redis.call('ZREM', KEYS[1], ARGV[i])
    redis.call('HSET', key, 'state', 'offered', 'since', ARGV[1], 'call', ARGV[3], 'leg', '', 'ready_since', score)
    redis.call('HSET', KEYS[2], ARGV[3], ARGV[i] .. ' ' .. ARGV[2] .. ' ringing -')
    return {ARGV[i], redis.call('HGET', key, 'ring') or ''}
  end
end
return false
"""

# KEYS: the agent's hash, the ready set, the offers hash. ARGV: agent id, caller's CallSid, outcome, now,
# wrap-up end. Ends this agent's offer or call of this caller (nothing if they have moved on):
#   back    - the offer failed on our side: available again, keeping their place (idle since before)
#   missed  - they did not answer: offline-missed
#   free    - the caller went: available again, idle from now
#   wrap-up - the call ended: wrap-up until ARGV[5], then ready
_END = """
if redis.call('HGET', KEYS[1], 'call') ~= ARGV[2] then return false end
local offer = redis.call('HGET', KEYS[3], ARGV[2])
if offer and string.match(offer, '^(%S+)') == ARGV[1] then redis.call('HDEL', KEYS[3], ARGV[2]) end
local outcome = ARGV[3]
if outcome == 'back' then
  redis.call('HSET', KEYS[1], 'state', 'available', 'since', ARGV[4], 'call', '', 'leg', '')
  redis.call('ZADD', KEYS[2], redis.call('HGET', KEYS[1], 'ready_since') or ARGV[4], ARGV[1])
elseif outcome == 'missed' then
  redis.call('HSET', KEYS[1], 'state', 'offline-missed', 'since', ARGV[4], 'call', '', 'leg', '')
  redis.call('ZREM', KEYS[2], ARGV[1])
elseif outcome == 'free' then
  redis.call('HSET', KEYS[1], 'state', 'available', 'since', ARGV[4], 'call', '', 'leg', '')
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
else
  redis.call('HSET', KEYS[1], 'state', 'wrap-up', 'since', ARGV[4], 'until', ARGV[5], 'call', '', 'leg', '',
             'last', ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
end
return outcome
"""

# KEYS: the agent's hash, the offers hash. ARGV: agent id, caller's CallSid, phase, expires, the agent's leg.
# The offer moves on (ringing: the leg's sid is known; briefing: answered; joined) if it is still theirs.
# A late "ringing" (the leg was answered before Calls create returned) only records the leg.
_PHASE = """
local offer = redis.call('HGET', KEYS[2], ARGV[2])
if not offer then return false end
local agent, expires, phase, leg = string.match(offer, '^(%S+) (%S+) (%S+) (%S+)$')
if agent ~= ARGV[1] then return false end
if ARGV[5] ~= '' then leg = ARGV[5]; redis.call('HSET', KEYS[1], 'leg', ARGV[5]) end
if ARGV[3] ~= 'ringing' or phase == 'ringing' then phase = ARGV[3]; expires = ARGV[4] end
redis.call('HSET', KEYS[2], ARGV[2], agent .. ' ' .. expires .. ' ' .. phase .. ' ' .. leg)
if phase == 'briefing' or phase == 'joined' then redis.call('HSET', KEYS[1], 'state', 'busy') end
return 1
"""


# KEYS: the ready set, the offers hash. ARGV: now, then callers' CallSids. Each offer of those that has
# expired (its router died before it rang, or Twilio never reported back) is dropped, and its agent, if
# still held by it, is ready again in their old place. How many were dropped.
_EXPIRE = """
local dropped = 0
for i = 2, #ARGV do
  local current = redis.call('HGET', KEYS[2], ARGV[i])
  if current then
    local agent, expires = string.match(current, '^(%S+) (%S+)')
    if tonumber(expires) <= tonumber(ARGV[1]) then
      local key = 'presence:' .. agent
      if redis.call('HGET', key, 'call') == ARGV[i] then
        redis.call('HSET', key, 'state', 'available', 'since', ARGV[1], 'call', '', 'leg', '')
        redis.call('ZADD', KEYS[1], redis.call('HGET', key, 'ready_since') or ARGV[1], agent)
      end
      redis.call('HDEL', KEYS[2], ARGV[i])
      dropped = dropped + 1
    end
  end
end
return dropped
"""


# KEYS: the offers hash, the consults hash. ARGV: caller's CallSid, the consulted agent's id.
# The consult of this caller, if it is that agent's, moves to the offers hash (the call is theirs).
_HAND_OVER = """
local consult = redis.call('HGET', KEYS[2], ARGV[1])
if not consult or string.match(consult, '^(%S+)') ~= ARGV[2] then return false end
redis.call('HSET', KEYS[1], ARGV[1], consult)
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
"""


@dataclass(frozen=True)
class Offer:
    """A live offer of a caller to an agent: ringing, briefing (answered), or joined."""

    caller_sid: str
    agent_id: str
    expires: float
    phase: str
    leg: str = ""  # the agent's leg, once Calls create has answered


class AgentPresence:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], wrap_up_seconds: int = DEFAULT_WRAP_UP_SECONDS):
        self._redis = client
        self._clock = clock
        self.wrap_up_seconds = wrap_up_seconds
        self._offer = client.register_script(_OFFER)
        self._hand_over = client.register_script(_HAND_OVER)

    # -- reading ----------------------------------------------------------------

    def get(self, agent_id: str) -> Presence:
        with redis_errors():
            return self.decode(agent_id, self._redis.hgetall(PRESENCE + agent_id))

    def reading(self, agent_id: str):
        """`get` as a `Read`, to ride with a webhook's other reads."""
        def stage(pipe):
            pipe.hgetall(PRESENCE + agent_id)
            return lambda data: self.decode(agent_id, data)
        return stage

    def reading_ready(self):
        """Agents ready for a caller now (wrap-up over), longest idle first, as a `Read`."""
        now = self._clock().timestamp()

        def stage(pipe):
            pipe.zrangebyscore(READY, "-inf", now, withscores=True)
            return lambda pairs: [Ready(agent_id, float(score)) for agent_id, score in pairs]
        return stage

    def next_ready(self) -> float | None:
        """When the next agent in wrap-up becomes ready (epoch seconds), if any is."""
        with redis_errors():
            found = self._redis.zrangebyscore(READY, f"({self._clock().timestamp()}", "+inf", start=0, num=1,
                                              withscores=True)
        return float(found[0][1]) if found else None

    def reading_offers(self, table: str = OFFERS):
        """Every offer (expired ones too: see `expire`), by caller, as a `Read`; `table=CONSULTS`: the
        agents consulted in warm transfers."""
        def stage(pipe):
            pipe.hgetall(table)
            return lambda data: {offer.caller_sid: offer for offer in (_offer(sid, text) for sid, text in data.items())
                                 if offer is not None}
        return stage

    def expired(self, offers: dict[str, "Offer"]) -> list[str]:
        """The callers whose offers have run out by now."""
        now = self._clock().timestamp()
        return [sid for sid, offer in offers.items() if offer.expires <= now]

    def expire(self, caller_sids: list[str], table: str = OFFERS) -> int:
        """Drop these callers' offers (or consults) if they have run out, freeing the agents they held (atomic)."""
        if not caller_sids:
            return 0
        now = self._clock()
        with redis_errors():
            holders = {text.split(" ")[0] for text in self._redis.hmget(table, caller_sids) if text}
            pipe = self._redis.pipeline(transaction=False)
            pipe.eval(_EXPIRE, 2, READY, table, now.timestamp(), *caller_sids)
            for agent_id in sorted(holders):  # the event log: the agents the lapsed offers held, freed
                stage_agent_state(pipe, PRESENCE + agent_id, agent_id, now)
            return int(pipe.execute()[0])

    # -- callers transferred to a named agent ------------------------------------------

    def reserve(self, caller_sid: str, agent_id: str, seconds: int) -> None:
        """Offer this caller to `agent_id` alone for the next `seconds` (a transfer to a named agent)."""
        with redis_errors():
            self._redis.hset(RESERVED, caller_sid, f"{agent_id} {self._clock().timestamp() + seconds}")

    def release(self, caller_sid: str) -> None:
        """The reservation is used (the named agent is rung) or given up: anyone may take the caller."""
        with redis_errors():
            self._redis.hdel(RESERVED, caller_sid)

    def reading_reserved(self):
        """Reservations (CallSid -> (agent id, until epoch)), lapsed ones too, as a `Read`."""
        def stage(pipe):
            pipe.hgetall(RESERVED)
            return lambda data: {sid: _split_reservation(text) for sid, text in data.items()}
        return stage

    def standing(self, reservations: dict[str, tuple[str, float]]) -> dict[str, str]:
        """The reservations still standing by now (CallSid -> agent id); lapsed ones are dropped from Redis
        (a caller who hung up, a target who never came free), so the hash does not grow."""
        now = self._clock().timestamp()
        lapsed = [sid for sid, (_, until) in reservations.items() if until <= now]
        if lapsed:
            with redis_errors():
                self._redis.hdel(RESERVED, *lapsed)
        return {sid: agent for sid, (agent, until) in reservations.items() if until > now}

    def reading_offer(self, caller_sid: str, table: str = OFFERS):
        """This caller's offer (expired or not), or with `table=CONSULTS` their consult, as a `Read`."""
        def stage(pipe):
            pipe.hget(table, caller_sid)
            return lambda text: _offer(caller_sid, text) if text else None
        return stage

    def decode(self, agent_id: str, data: dict[str, str]) -> Presence:
        """The agent's presence as stored; a wrap-up that is over reads as available since it ended."""
        state = _state(data.get("state", ""))
        since, until = _instant(data.get("since", "")), _instant(data.get("until", ""))
        if state is AgentState.WRAP_UP and until is not None and until <= self._clock():
            state, since, until = AgentState.AVAILABLE, until, None
        return Presence(agent_id, state, since, data.get("ring", ""), data.get("call", ""), data.get("leg", ""),
                        until if state is AgentState.WRAP_UP else None, data.get("last", ""))

    # -- the agent's own changes -----------------------------------------------------

    def set_by_agent(self, agent_id: str, state: AgentState, ring: str = "") -> AgentState:
        """Available or offline, as the agent says; while offered or busy the router's state stands (returned)."""
        if state not in SETTABLE_BY_AGENT:
            raise ValueError(f"an agent sets only {sorted(s.value for s in SETTABLE_BY_AGENT)}")
        now = self._clock()
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            pipe.eval(_SET_BY_AGENT, 2, PRESENCE + agent_id, READY, agent_id, state.value, now.timestamp(), ring)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, now)  # the event log (call_store.events)
            result = pipe.execute()[0]
        return AgentState(result)

    def staging_available(self, agent_id: str, ring: str) -> None:
        """The agent line's sign-in, with the webhook's other writes: available now, rung on `ring`."""
        with staged(self._redis) as pipe:
            pipe.eval(_SET_BY_AGENT, 2, PRESENCE + agent_id, READY, agent_id, AgentState.AVAILABLE.value,
                         self._clock().timestamp(), ring)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())

    # -- the router's changes --------------------------------------------------------

    def offer(self, caller_sid: str, candidates: list[str], ring_seconds: int, table: str = OFFERS) -> tuple[str, str] | None:
        """Claim `caller_sid` and the first candidate still ready, atomically; (agent id, ring) or None.
        `table=CONSULTS`: an agent to consult about the caller (a warm transfer), one at a time per caller."""
        if not candidates:
            return None
        now = self._clock().timestamp()
        with redis_errors():
            claimed = self._offer(keys=[READY, table], args=[now, now + ring_seconds + 15, caller_sid, *candidates])
            if claimed:
                self._log_state(claimed[0])
        return (claimed[0], claimed[1]) if claimed else None

    def _log_state(self, agent_id: str) -> None:
        """The event log's record of the agent's state, if it changed (after a change sent on its own)."""
        pipe = self._redis.pipeline(transaction=False)
        stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())
        pipe.execute()

    def advance(self, agent_id: str, caller_sid: str, phase: str, hold_seconds: int, leg: str = "",
                table: str = OFFERS) -> bool:
        """The offer moves on (`ringing` with the leg's sid, `briefing` once answered, `joined`); False if it
        is no longer this agent's (the caller went, or it expired and went elsewhere)."""
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            pipe.eval(_PHASE, 2, PRESENCE + agent_id, table, agent_id, caller_sid, phase,
                      self._clock().timestamp() + hold_seconds, leg)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())
            return bool(pipe.execute()[0])

    def staging_advance(self, agent_id: str, caller_sid: str, phase: str, hold_seconds: int, leg: str = "",
                        table: str = OFFERS) -> None:
        with staged(self._redis) as pipe:
            pipe.eval(_PHASE, 2, PRESENCE + agent_id, table, agent_id, caller_sid, phase,
                         self._clock().timestamp() + hold_seconds, leg)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())

    def end(self, agent_id: str, caller_sid: str, outcome: str, table: str = OFFERS) -> str | None:
        """End this agent's offer (or consult) or call of `caller_sid`: back, missed, free or wrap-up (`_END`)."""
        now = self._clock().timestamp()
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            pipe.eval(_END, 3, PRESENCE + agent_id, READY, table, agent_id, caller_sid, outcome, now,
                      now + self.wrap_up_seconds)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())
            return pipe.execute()[0]

    def staging_end(self, agent_id: str, caller_sid: str, outcome: str, table: str = OFFERS) -> None:
        """`end`, sent with the webhook's other writes."""
        now = self._clock().timestamp()
        with staged(self._redis) as pipe:
            pipe.eval(_END, 3, PRESENCE + agent_id, READY, table, agent_id, caller_sid, outcome, now,
                         now + self.wrap_up_seconds)
            stage_agent_state(pipe, PRESENCE + agent_id, agent_id, self._clock())

    def hand_over(self, caller_sid: str, agent_id: str) -> bool:
        """A warm transfer completes: the consulted agent's claim becomes the caller's offer (the call is
        theirs now; their leg's end sends them into wrap-up). False if they are no longer consulted."""
        with redis_errors():
            return bool(self._hand_over(keys=[OFFERS, CONSULTS], args=[caller_sid, agent_id]))


def _offer(caller_sid: str, text: str) -> Offer | None:
    parts = text.split(" ")
    if len(parts) != 4:
        return None
    try:
        return Offer(caller_sid, parts[0], float(parts[1]), parts[2], "" if parts[3] == "-" else parts[3])
    except ValueError:
        return None


def _split_reservation(text: str) -> tuple[str, float]:
    agent, _, until = text.partition(" ")
    try:
        return agent, float(until)
    except ValueError:
        return agent, 0.0


def _state(text: str) -> AgentState:
    try:
        return AgentState(text)
    except ValueError:
        return AgentState.OFFLINE


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromtimestamp(float(text), timezone.utc) if text else None
    except ValueError:
        return None
