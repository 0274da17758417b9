"""Call events, recorded as they happen, and the counters the wallboard reads.

Each event is staged on the webhook's own pipeline (`runtime.unit_of_work.staged`), so it lands in the
same MULTI as the webhook's other writes and costs no round trip of its own. One Lua script per event
both logs it and updates the aggregates, and is idempotent: a caller joins a queue's record once
(`wb:in:<CallSid>`), and leaves it once, however many of Twilio's webhooks report the leave (the
Enqueue action, the whisper, the status callback), so nobody is counted twice.

Kept in Redis, each key expiring after `KEPT_DAYS` (30) days and one more:
- `ev:<UTC day>` (`runtime.event_log`): a stream, one entry per event (at, kind, call, queue, wait/handle
  seconds, agent, state); agents' state changes are logged there by `workforce.presence`.
- `wb:day:<day>`: a hash of counters per queue key (`<line>/<queue name>`) for that day in the
  wallboard's time zone: offered, answered, answered within the threshold, wait and handle totals,
  abandoned (and after the threshold), transfers, callbacks; the wait buckets; the same per hour.
- `wb:moves:<day>`: a hash `<queue key>|<epoch minute>` of joins (+1) and leaves (-1) in that minute,
  from which `routing.wallboard.waiting_series` works back the callers waiting at each minute.
- `wb:waiting:<queue key>`: who waits now (CallSid scored by when they joined), for waiting now and
  the longest wait; `wb:queues`: every queue key seen.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import redis
from redis.client import Pipeline

from routing.queues import QueueName
from routing.wallboard import WAIT_BUCKETS, QueueDay, parse_day
from runtime.event_log import ADD_ENTRY, KEEP_SECONDS, KEPT_DAYS, STREAM
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import staged

MARK_SECONDS = 24 * 3600  # a caller's place in our record outlives any call
DAY = "wb:day:"
MOVES = "wb:moves:"
WAITING = "wb:waiting:"
QUEUES = "wb:queues"
IN = "wb:in:"  # CallSid -> queue key, while waiting
TALK = "wb:talk:"  # CallSid -> "<queue key> <answered epoch>", while an agent has them

# Every script: ARGV[1] CallSid, ARGV[2] now (epoch seconds), ARGV[3] local day, ARGV[4] UTC day, ARGV[5] local
# hour (00..23), ARGV[6] keep seconds, ARGV[7] now in epoch milliseconds (the stream entry's id, by the router's
# clock; Redis' own if the stream already holds a later one), then its own. The keys are built here from the prefixes (one Redis
# primary allows it, as call_state's read does).
_COMMON = ADD_ENTRY + f"""
local sid, now, day, utc_day, hour, keep = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local counters, moves, stream = '{DAY}' .. day, '{MOVES}' .. day, '{STREAM}' .. utc_day
local counted, moved = false, false
local function log(...)
  add_entry(stream, ARGV[7], 'at', ARGV[2], 'call', sid, ...)
  redis.call('EXPIRE', stream, keep)
  if counted then redis.call('EXPIRE', counters, keep) end
  if moved then redis.call('EXPIRE', moves, keep) end
end
local function count(q, name, by)
  redis.call('HINCRBYFLOAT', counters, q .. '|' .. name, by or 1)
  counted = true
end
local function move(q, by)
  redis.call('HINCRBY', moves, q .. '|' .. math.floor(now / 60), by)
  moved = true
end
"""
# Every script that counts or moves ends by logging its event, which sets the expiries once for all it touched.

# ARGV[8] queue key, ARGV[9] severity, ARGV[10] when they joined (epoch; a transferred or recovered caller's own).
_QUEUED = _COMMON + f"""
local q = ARGV[8]
if redis.call('ZADD', '{WAITING}' .. q, 'NX', ARGV[10], sid) == 0 then return 0 end
redis.call('SET', '{IN}' .. sid, q, 'EX', {MARK_SECONDS})
redis.call('SADD', '{QUEUES}', q)
count(q, 'offered')
move(q, 1)
log('kind', 'queued', 'queue', q, 'severity', ARGV[9])
return 1
"""

# ARGV[8] outcome: answered, abandoned, callback or failed. ARGV[9] threshold seconds, ARGV[10..] bucket bounds.
_LEFT = _COMMON + f"""
local q = redis.call('GET', '{IN}' .. sid)
if not q then return 0 end
redis.call('DEL', '{IN}' .. sid)
local since = redis.call('ZSCORE', '{WAITING}' .. q, sid)
redis.call('ZREM', '{WAITING}' .. q, sid)
if not since then return 0 end
move(q, -1)
local wait = math.max(now - tonumber(since), 0)
local outcome, threshold = ARGV[8], tonumber(ARGV[9])
local bucket = #ARGV - 9
for i = 10, #ARGV do
  if wait <= tonumber(ARGV[i]) then bucket = i - 10; break end
end
if outcome == 'answered' then
  count(q, 'answered'); count(q, 'wait_sum', wait); count(q, 'w' .. bucket); count(q, 'h' .. hour .. '|answered')
  if wait <= threshold then count(q, 'answered_within'); count(q, 'h' .. hour .. '|within') end
  redis.call('SET', '{TALK}' .. sid, q .. ' ' .. ARGV[2], 'EX', {MARK_SECONDS})
elseif outcome == 'abandoned' then
  count(q, 'abandoned'); count(q, 'abandoned_wait_sum', wait); count(q, 'a' .. bucket)
  count(q, 'h' .. hour .. '|abandoned')
  if wait > threshold then count(q, 'abandoned_after'); count(q, 'h' .. hour .. '|abandoned_after') end
end
log('kind', outcome, 'queue', q, 'wait', tostring(wait))
return 1
"""

# ARGV[8] kind: ended or transferred; ARGV[9] where to (a transfer's queue type).
_TALK_OVER = _COMMON + f"""
local talk = redis.call('GET', '{TALK}' .. sid)
if not talk then return 0 end
redis.call('DEL', '{TALK}' .. sid)
local q, since = string.match(talk, '^(%S+) (%S+)$')
local handle = math.max(now - tonumber(since), 0)
count(q, 'handled'); count(q, 'handle_sum', handle)
if ARGV[8] == 'transferred' then count(q, 'transferred') end
log('kind', ARGV[8], 'queue', q, 'handle', tostring(handle), 'to', ARGV[9])
return 1
"""

# ARGV[8] queue key, ARGV[9] counter (callbacks_dialled, callbacks_requested), ARGV[10] event kind, ARGV[11] agent,
# ARGV[12] a key that must exist for the event to count (the booking it reports, written earlier in the transaction).
_NOTE = _COMMON + """
if ARGV[12] ~= '' and redis.call('EXISTS', ARGV[12]) == 0 then return 0 end
count(ARGV[8], ARGV[9])
log('kind', ARGV[10], 'queue', ARGV[8], 'agent', ARGV[11])
return 1
"""

# Read for the board: every queue key with its waiting callers' join times, those who joined before ARGV[1] left
# out (a caller whose hang-up never reached us: their call's record has expired, and Twilio has long ended it).
_WAITING_NOW = f"""
local out = {{}}
for _, q in ipairs(redis.call('SMEMBERS', '{QUEUES}')) do
  out[#out + 1] = q
  out[#out + 1] = redis.call('ZRANGEBYSCORE', '{WAITING}' .. q, ARGV[1], '+inf', 'WITHSCORES')
end
return out
"""


def queue_key(line: str, queue: QueueName | str) -> str:
    """`SE/technical.sv.A`: the wallboard's queue, type x line x language (x severity)."""
    return f"{line}/{queue}"


def split_key(key: str) -> tuple[str, QueueName | None]:
    line, _, name = key.partition("/")
    return line, QueueName.parse(name)


@dataclass(frozen=True)
class Event:
    """One recorded event, as the CSV export gives it."""

    at: float
    kind: str
    call: str
    queue: str = ""
    wait: str = ""
    handle: str = ""
    agent: str = ""
    state: str = ""
    detail: str = ""


@dataclass(frozen=True)
class Snapshot:
    """What the wallboard reads in one round trip: today's counters, the moves of the last two days, and
    who waits now (by queue key, their join times)."""

    today: dict[str, QueueDay]
    moves: dict[str, dict[int, int]]
    waiting: dict[str, list[float]]


class CallEvents:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], *, threshold_seconds: int = 60,
                 zone: str = "UTC", stale_after_seconds: int = 4 * 3600):
        self._redis = client
        self._clock = clock
        self.threshold_seconds = threshold_seconds
        self.zone = ZoneInfo(zone)
        self._stale_after = stale_after_seconds  # CALL_TTL: a caller "waiting" longer has a call that is over

    # -- writing (staged with the webhook's other writes) -------------------------------------

    def queued(self, sid: str, line: str, queue: QueueName, since: datetime | None = None) -> None:
        """The caller joined `queue` (since `since`: a transferred or recovered caller's own arrival)."""
        joined = (since or self._clock()).timestamp()
        self._stage(_QUEUED, sid, queue_key(line, queue), queue.severity.value if queue.severity else "", joined)

    def answered(self, sid: str) -> None:
        self._stage(_LEFT, sid, "answered", self.threshold_seconds, *WAIT_BUCKETS)

    def abandoned(self, sid: str) -> None:
        self._stage(_LEFT, sid, "abandoned", self.threshold_seconds, *WAIT_BUCKETS)

    def left_for_callback(self, sid: str) -> None:
        self._stage(_LEFT, sid, "callback", self.threshold_seconds, *WAIT_BUCKETS)

    def left_on_failure(self, sid: str) -> None:
        """Twilio's queue failed the caller (queue-full, error): out of the record, neither answered nor abandoned."""
        self._stage(_LEFT, sid, "failed", self.threshold_seconds, *WAIT_BUCKETS)

    def call_over(self, sid: str) -> None:
        """The call ended: a caller still waiting abandoned; one with an agent ends their talk."""
        self.abandoned(sid)
        self._stage(_TALK_OVER, sid, "ended", "")

    def transferred(self, sid: str, to: str) -> None:
        """The agent sent the caller to another queue: their talk ends here (they join the next queue anew)."""
        self._stage(_TALK_OVER, sid, "transferred", to)

    def callback_dialled(self, sid: str, line: str, queue: QueueName | str, agent: str) -> None:
        self._stage(_NOTE, sid, queue_key(line, queue), "callbacks_dialled", "callback-dialled", agent, "")

    def callback_requested(self, sid: str, line: str, queue: QueueName | str) -> None:
        """A callback booked, on the webhook's own writes (a history replayed, as the wallboard's screenshot
        does; bookings themselves go through `stage_callback_requested`, counted only if they land)."""
        self._stage(_NOTE, sid, queue_key(line, queue), "callbacks_requested", "callback-requested", "", "")

    def stage_callback_requested(self, pipe: Pipeline, sid: str, line: str, queue: QueueName | str, *,
                                 only_if: str) -> None:
        """A callback booked, counted on `pipe` after the booking's own command and only if `only_if` (the
        booking's record) then exists: a refused booking is no request on the board."""
        self._eval(pipe, _NOTE, sid, queue_key(line, queue), "callbacks_requested", "callback-requested", "", only_if)

    def _stage(self, script: str, sid: str, *args) -> None:
        with staged(self._redis) as pipe:
            self._eval(pipe, script, sid, *args)

    def _eval(self, pipe: Pipeline, script: str, sid: str, *args) -> None:
        now = self._clock()
        local = now.astimezone(self.zone)
        pipe.eval(script, 0, sid, now.timestamp(), local.date().isoformat(),
                  now.astimezone(timezone.utc).date().isoformat(), f"{local.hour:02d}", KEEP_SECONDS,
                  int(now.timestamp() * 1000), *args)

    # -- reading ----------------------------------------------------------------------------

    def today(self) -> date:
        return self._clock().astimezone(self.zone).date()

    def snapshot(self) -> Snapshot:
        """Today's counters, yesterday's and today's moves (an 8-hour window may start yesterday), who waits."""
        today = self.today()
        days = [today - timedelta(days=1), today]
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            pipe.hgetall(DAY + today.isoformat())
            for day in days:
                pipe.hgetall(MOVES + day.isoformat())
            pipe.eval(_WAITING_NOW, 0, self._clock().timestamp() - self._stale_after)
            counters, *moves_of_days, flat = pipe.execute()
        moves: dict[str, dict[int, int]] = {}
        for fields in moves_of_days:
            for name, text in fields.items():
                key, _, minute = name.rpartition("|")
                if key and minute.isdigit():
                    per_queue = moves.setdefault(key, {})
                    per_queue[int(minute)] = per_queue.get(int(minute), 0) + int(text)
        waiting = {key: [float(score) for score in members[1::2]] for key, members in zip(flat[::2], flat[1::2])}
        return Snapshot(parse_day(counters), moves, waiting)

    def day(self, on: date) -> dict[str, QueueDay]:
        with redis_errors():
            return parse_day(self._redis.hgetall(DAY + on.isoformat()))

    def events(self, start: datetime, end: datetime, limit: int = 100_000) -> list[Event]:
        """The events recorded from `start` to `end` (at most `limit`, oldest first)."""
        first, last = start.astimezone(timezone.utc).date(), end.astimezone(timezone.utc).date()
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)][-(KEPT_DAYS + 1):]
        low, high = start.timestamp(), end.timestamp()
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            for day in days:
                pipe.xrange(STREAM + day.isoformat(), count=limit)
            entries = [_event(fields) for replies in pipe.execute() for _, fields in replies]
        return sorted((event for event in entries if low <= event.at <= high), key=lambda event: event.at)[:limit]


def _event(fields: dict[str, str]) -> Event:
    try:
        at = float(fields.get("at", "0"))
    except ValueError:
        at = 0.0
    return Event(at=at, kind=fields.get("kind", ""), call=fields.get("call", ""), queue=fields.get("queue", ""),
                 wait=fields.get("wait", ""), handle=fields.get("handle", ""), agent=fields.get("agent", ""),
                 state=fields.get("state", ""), detail=fields.get("to", ""))
