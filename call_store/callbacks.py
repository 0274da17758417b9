"""Callback requests: durable, in the caller's original place in line.

A request keeps the time its caller first joined the queue, so it is served in
that order rather than as a new arrival, and is due only while its queue is
open. Records live in Redis (append-only persistence), so none is lost when a
process or Redis restarts.

Open callbacks are capped (issue 16), so that nobody can fill the agents' list or have a victim rung
again and again: per number rung, per caller ID that booked them, and for withheld callers, who are
identified by the number they key (its cap) and share one budget besides. The check and the booking
are one Lua script, so concurrent bookings cannot pass the cap together.
The router dials them itself (push routing): a due request (its queue open, its
next try's time reached) takes its place in the serving order beside waiting
callers, is offered to an agent under the key `cb-<id>`, and once the agent is
in the conference the customer is dialled: `calling`. Every try is recorded
(when, which agent, how it ended); a try that fails (no answer, busy, failed)
reopens the request for another after the retry interval, and after the last
closes it as unreachable. The manual claim in the console stays as a fallback.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

import redis

from call_store.events import CallEvents
from routing.model import Queue
from routing.queues import QueueName
from routing.serving import Waiting, serving_order
from runtime.metrics import CALLBACKS
from runtime.redis_connection import acknowledged, redis_errors, unless_network
from runtime.unit_of_work import now_with_staged

OPEN = "callbacks:open"  # sorted by the caller's original place in line
RECORD = "callback:"
TO_NUMBER = "callbacks:to:"  # + E.164: the ids of the callbacks booked to ring that number
FROM_CALLER = "callbacks:from:"  # + the booking caller ID, or WITHHELD: the ids of the callbacks it booked
WITHHELD = "withheld"

# KEYS: the record, the open list, the number's set, the caller's set, the call's hash.
# ARGV: id, record (JSON), place, cap for the number, cap for the caller, call TTL, then the call's fields
# and values. A set's member whose record is gone or closed no longer counts (and is dropped).
# Answers 0 when booked (with the call's fields written), 1 when the number is full, 2 when the caller is.
_BOOK = """
local function open_in(set)
  local count = 0
  for _, id in ipairs(redis.call('SMEMBERS', set)) do
    local raw = redis.call('GET', '""" + RECORD + """' .. id)
    if raw and cjson.decode(raw)['status'] ~= 'closed' then count = count + 1 else redis.call('SREM', set, id) end
  end
  return count
end
if open_in(KEYS[3]) >= tonumber(ARGV[4]) then return 1 end
if open_in(KEYS[4]) >= tonumber(ARGV[5]) then return 2 end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('SADD', KEYS[4], ARGV[1])
if #ARGV > 6 then
  redis.call('HSET', KEYS[5], unpack(ARGV, 7))
  redis.call('EXPIRE', KEYS[5], ARGV[6])
end
return 0
"""


@dataclass(frozen=True)
class CallbackLimits:
    per_number: int = 2  # open callbacks to one number, and booked from one caller ID
    withheld: int = 20  # open callbacks booked by all withheld callers together


class CallbackRefused(Exception):
    """Too many open callbacks already: `scope` is "number" (to that number), "caller" (booked from that
    caller ID) or "withheld" (booked by withheld callers together)."""

    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


@dataclass(frozen=True)
class CallWrite:
    """Fields of the call's hash to write only if the booking goes through (`CallStore.changes`)."""
    key: str
    fields: dict[str, str]
    ttl: int
CLOSED = "callbacks:closed"  # the latest closed requests, by when they closed
CLOSED_KEPT = 500
OFFER_PREFIX = "cb-"  # a callback's key where offers and conferences name a caller's CallSid
UNANSWERED = frozenset({"no-answer", "busy", "failed", "canceled"})  # tries that count towards the limit

# KEYS: the open set. ARGV: the records' prefix. The open requests' records (JSON), in place order.
_OPEN_RECORDS = """
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local raw = redis.call('GET', ARGV[1] .. id)
  if raw then out[#out + 1] = raw end
end
return out
"""


def offer_key(callback_id: str) -> str:
    return OFFER_PREFIX + callback_id


def callback_of(key: str) -> str | None:
    """The callback id an offer key names, or None for a caller's CallSid."""
    return key[len(OFFER_PREFIX):] if key.startswith(OFFER_PREFIX) else None


@dataclass
class Callback:
    id: str
    sid: str
    number: str  # E.164
    line: str
    queue_name: str  # e.g. billing.en.B
    language: str  # the caller's locale
    place: float  # when the caller first joined the queue (epoch seconds)
    requested_at: float
    org: str = ""
    org_name: str = ""
    verified: str = ""
    caller: str = ""  # the caller ID that booked it (E.164), "" when withheld
    status: str = "open"  # open -> claimed -> closed by hand; open -> calling -> open (a retry) or closed
    claimed_by: str = ""
    closed_at: float = 0.0
    line_number: str = ""  # the line's own number the customer dialled: the From of the router's calls
    plan: str = ""
    verified_by: str = ""
    attempts: list[dict] = field(default_factory=list)  # each try: at, agent, result (answered, no-answer, ...)
    next_attempt_at: float = 0.0  # a retry waits until then
    outcome: str = ""  # closed: reached, unreachable, or "" (closed by hand)
    current: dict = field(default_factory=dict)  # the try under way: agent, agent_leg, conference_sid, leg

    @property
    def failed_attempts(self) -> int:
        return sum(1 for attempt in self.attempts if attempt.get("result") in UNANSWERED)

    def public(self) -> dict:
        return {"id": self.id, "number": self.number, "line": self.line, "queue": self.queue_name,
                "language": self.language, "organisation": self.org, "organisation_name": self.org_name,
                "verified": self.verified, "status": self.status, "outcome": self.outcome,
                "claimed_by": self.claimed_by or None, "place": self.place, "requested_at": self.requested_at,
                "next_attempt_at": self.next_attempt_at or None, "attempts": list(self.attempts)}

    @property
    def queue(self) -> QueueName:
        """The queue it waits in (a record from before queue names were checked reads as technical)."""
        return QueueName.parse(self.queue_name) or QueueName(Queue.TECHNICAL, self.language.split("-")[0].lower())

    @property
    def entry(self) -> Waiting:
        return Waiting(self.id, self.queue, self.place)


class CallbackBook:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], limits: CallbackLimits = CallbackLimits(),
                 events: CallEvents | None = None):
        self._redis = client
        self._clock = clock
        self.limits = limits
        self._events = events  # the wallboard's record of requests and claims (None: not recorded)

    def request(self, *, then: CallWrite | None = None, **fields) -> Callback:
        """Book it, unless its number or its caller already has as many open callbacks as allowed
        (`CallbackRefused`). `then`, the call's record of it, is written only with the booking; the
        webhook's staged writes go in the same round trip, which replicas confirm."""
        callback = Callback(id=secrets.token_hex(6), requested_at=self._clock().timestamp(), **fields)
        limits = self.limits
        keys = [RECORD + callback.id, OPEN, TO_NUMBER + callback.number, FROM_CALLER + (callback.caller or WITHHELD),
                then.key if then else RECORD + callback.id]
        args = [callback.id, json.dumps(asdict(callback)), callback.place, limits.per_number,
                limits.per_number if callback.caller else limits.withheld, then.ttl if then else 0,
                *(item for pair in (then.fields.items() if then else ()) for item in pair)]
        def book(pipe):
            acknowledged(pipe).eval(_BOOK, len(keys), *keys, *args)
            if self._events is not None:  # in the same transaction, counted only if the booking landed
                self._events.stage_callback_requested(pipe, callback.sid, callback.line, callback.queue_name,
                                                      only_if=RECORD + callback.id)

        full = now_with_staged(self._redis, book)
        if full:
            scope = "number" if full == 1 else "caller" if callback.caller else WITHHELD
            CALLBACKS.labels(f"refused-{scope}").inc()
            raise CallbackRefused(scope)
        CALLBACKS.labels("requested").inc()
        return callback

    def get(self, callback_id: str) -> Callback | None:
        with redis_errors():
            raw = self._redis.get(RECORD + callback_id)
        return Callback(**json.loads(raw)) if raw else None

    def reading(self, callback_id: str):
        """`get` as a `Read`."""
        def stage(pipe):
            pipe.get(RECORD + callback_id)
            return lambda raw: Callback(**json.loads(raw)) if raw else None
        return stage

    def reading_open(self):
        """Every request still in line (open, claimed or being called), as a `Read` (one command)."""
        def stage(pipe):
            pipe.eval(_OPEN_RECORDS, 1, OPEN, RECORD)
            return lambda raws: [Callback(**json.loads(raw)) for raw in raws]
        return stage

    # -- the router's tries ------------------------------------------------------------

    def start_attempt(self, callback_id: str, agent_id: str, agent_leg: str, conference_sid: str) -> bool:
        """The agent is in the conference: the request is being called (so nobody claims it meanwhile).
        False if it is no longer open (claimed by hand, closed)."""
        now = self._clock().timestamp()

        def start(callback: Callback) -> None:
            callback.status = "calling"
            callback.current = {"at": now, "agent": agent_id, "agent_leg": agent_leg, "conference_sid": conference_sid}

        started = self._modify(callback_id, lambda cb: cb.status == "open", start)
        callback = self.get(callback_id) if started and self._events is not None else None
        if callback is not None:  # the wallboard counts the router's tries like an agent's claim
            self._events.callback_dialled(callback.sid, callback.line, callback.queue_name, agent_id)
        return started

    def dialled(self, callback_id: str, leg: str) -> bool:
        """The customer's leg (Calls create answered with its sid)."""
        return self._modify(callback_id, lambda cb: cb.status == "calling",
                            lambda cb: cb.current.update(leg=leg))

    def reached(self, callback_id: str) -> Callback | None:
        """The customer answered: the try is recorded and the request closed as reached. The request as it was
        while being called (its try's agent and conference), or None if it was not being called."""
        before = self.get(callback_id)
        now = self._clock().timestamp()

        def reach(callback: Callback) -> None:
            callback.attempts.append({"at": callback.current.get("at", now), "agent": callback.current.get("agent", ""),
                                      "result": "answered"})
            callback.status, callback.outcome, callback.closed_at = "closed", "reached", now

        if before is None or not self._modify(callback_id, lambda cb: cb.status == "calling", reach):
            return None
        CALLBACKS.labels("reached").inc()
        return before

    def attempt_failed(self, callback_id: str, result: str, retry_seconds: int, max_attempts: int) -> Callback | None:
        """A try that did not reach the customer (`result`: Twilio's final CallStatus, or "router-error" when
        the router could not place the call, which does not count towards the limit): recorded; then open
        again for a retry after `retry_seconds`, or, after `max_attempts` unanswered tries, closed as
        unreachable. The request as it was while being called, or None if it was not."""
        before = self.get(callback_id)
        now = self._clock().timestamp()

        def fail(callback: Callback) -> None:
            callback.attempts.append({"at": callback.current.get("at", now), "agent": callback.current.get("agent", ""),
                                      "result": result})
            callback.current = {}
            if callback.failed_attempts >= max_attempts:
                callback.status, callback.outcome, callback.closed_at = "closed", "unreachable", now
            else:
                callback.status, callback.next_attempt_at = "open", now + retry_seconds

        if before is None or not self._modify(callback_id, lambda cb: cb.status == "calling", fail):
            return None
        CALLBACKS.labels("unanswered").inc()
        return before

    def outstanding(self) -> list[Callback]:
        """Open and claimed requests, in serving order (severity A first, then the original place)."""
        with redis_errors():
            ids = self._redis.zrange(OPEN, 0, -1)
            raws = self._redis.mget([RECORD + callback_id for callback_id in ids]) if ids else []
        callbacks = {cb.id: cb for cb in (Callback(**json.loads(raw)) for raw in raws if raw)}
        return [callbacks[entry.sid] for entry in serving_order(cb.entry for cb in callbacks.values())]

    def recently_closed(self, limit: int = 50) -> list[Callback]:
        """The latest closed requests (reached, unreachable, or closed by hand), newest first."""
        with redis_errors():
            ids = self._redis.zrevrange(CLOSED, 0, max(limit, 1) - 1)
            raws = self._redis.mget([RECORD + callback_id for callback_id in ids]) if ids else []
        return [Callback(**json.loads(raw)) for raw in raws if raw]

    def claim(self, callback_id: str, agent_id: str) -> bool:
        """True if this agent now has it; False if someone else claimed or closed it first."""
        claimed = self._counted("claimed", self._change(callback_id, lambda cb: cb.status == "open", status="claimed", claimed_by=agent_id))
        callback = self.get(callback_id) if claimed and self._events is not None else None
        if callback is not None:  # the claiming agent dials the caller back
            self._events.callback_dialled(callback.sid, callback.line, callback.queue_name, agent_id)
        return claimed

    def close(self, callback_id: str, agent_id: str, supervisor: bool = False) -> bool:
        """Only a claimed callback closes, and only by the agent who claimed it (or a supervisor): an
        unclaimed one must be claimed first, so no agent can make a caller's request vanish unseen."""
        return self._counted("closed", self._change(
            callback_id, lambda cb: cb.status == "claimed" and (cb.claimed_by == agent_id or supervisor),
            status="closed", closed_at=self._clock().timestamp()))

    @staticmethod
    def _counted(event: str, done: bool) -> bool:
        if done:
            CALLBACKS.labels(event).inc()
        return done

    def _change(self, callback_id: str, allowed: Callable[[Callback], bool], **fields) -> bool:
        def assign(callback: Callback) -> None:
            for name, value in fields.items():
                setattr(callback, name, value)

        return self._modify(callback_id, allowed, assign)

    def _modify(self, callback_id: str, allowed: Callable[[Callback], bool], change: Callable[[Callback], None]) -> bool:
        """Change the record if `allowed` (WATCH/MULTI: of two processes at once, one wins)."""
        key = RECORD + callback_id
        with redis_errors(), self._redis.pipeline() as pipe:
            acknowledged(pipe)
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    callback = Callback(**json.loads(raw)) if raw else None
                    if callback is None or not allowed(callback):
                        pipe.unwatch()
                        return False
                    change(callback)
                    pipe.multi()
                    pipe.set(key, json.dumps(asdict(callback)))
                    if callback.status == "closed":
                        pipe.zrem(OPEN, callback_id)
                        pipe.srem(TO_NUMBER + callback.number, callback_id)
                        pipe.srem(FROM_CALLER + (callback.caller or WITHHELD), callback_id)
                        pipe.zadd(CLOSED, {callback_id: callback.closed_at})
                        pipe.zremrangebyrank(CLOSED, 0, -CLOSED_KEPT - 1)
                    pipe.execute()
                    return True
                except redis.WatchError as race:
                    unless_network(race)
