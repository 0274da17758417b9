"""The router's own record of who waits in which queue, and how fast queues move.

Twilio holds the callers; this record lets the router choose which queue an
agent serves next (severity A first, then the longest wait), show agents who
is waiting, and estimate waits from our own recent service. It is updated when
a caller joins, is connected (the whisper), leaves (`QueueResult`) or hangs up
(the status callback), so an agent is never offered a caller who has gone.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

import redis

from runtime.redis_connection import redis_errors
from runtime.unit_of_work import read_together, staged

WAITING = "waiting:"  # sorted set per queue name: CallSid scored by the time it joined
QUEUES = "waiting-queues"
SERVED = "served:"  # list per queue name: when agents recently took a caller (epoch seconds)
SERVED_KEPT = 20
RECENT_SECONDS = 60 * 60
SEVERITY_RANK = {"A": 0, "B": 1, "C": 2}

# KEYS: the set of queue names. ARGV: the waiting sets' prefix. Each queue's name, then its members and scores.
_EVERYONE = """
local out = {}
for _, queue in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  out[#out + 1] = queue
  out[#out + 1] = redis.call('ZRANGE', ARGV[1] .. queue, 0, -1, 'WITHSCORES')
end
return out
"""

# KEYS: the queue's waiting set, its pick-up times. ARGV: CallSid, served (1/0), now, how many times to keep.
_LEFT = """
if redis.call('ZREM', KEYS[1], ARGV[1]) == 1 and ARGV[2] == '1' then
  redis.call('LPUSH', KEYS[2], ARGV[3])
  redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
end
"""


@dataclass(frozen=True)
class Waiting:
    sid: str
    queue: str  # e.g. technical.sv.A
    since: float  # epoch seconds

    @property
    def queue_type(self) -> str:
        return self.queue.split(".")[0]

    @property
    def language(self) -> str:
        parts = self.queue.split(".")
        return parts[1] if len(parts) > 1 else ""

    @property
    def severity(self) -> str:
        parts = self.queue.split(".")
        return parts[2] if len(parts) > 2 else ""


def serving_order(entries: Iterable[Waiting]) -> list[Waiting]:
    """As agents will get them: severity A before anything else, then the longest wait."""
    return sorted(entries, key=lambda entry: (SEVERITY_RANK.get(entry.severity, 1) != 0, entry.since))


@dataclass(frozen=True)
class Estimate:
    seconds: int | None
    basis: str  # how it was reached, for the console


def estimate_wait(position: int, served_at: list[float], now: float, twilio_average: int) -> Estimate:
    """Remaining wait for the caller at `position`, worked out again on every hold cycle.

    Our own figure first: from the times agents recently took callers from
    this queue, one caller is taken every `interval` seconds, so the caller at
    position p waits about p intervals. Without two recent pick-ups, Twilio's
    average of those now waiting stands in (they are, on average, halfway).
    """
    if position <= 0:
        return Estimate(None, "not in the queue")
    recent = sorted(time for time in served_at if now - time <= RECENT_SECONDS)
    if len(recent) >= 2:
        interval = (recent[-1] - recent[0]) / (len(recent) - 1)
        since_last = now - recent[-1]
        seconds = max(int(position * interval - min(since_last, interval)), 30)
        return Estimate(seconds, f"{len(recent)} callers taken in the last {int((now - recent[0]) // 60)} min, "
                                 f"one every {int(interval)} s; position {position}")
    if twilio_average > 0:
        return Estimate(max(2 * twilio_average, 60), f"too few callers taken recently; Twilio's average wait so far {twilio_average} s")
    return Estimate(None, "nothing to go on yet")


class WaitingRoom:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime]):
        self._redis = client
        self._clock = clock

    def joined(self, sid: str, queue: str) -> None:
        with staged(self._redis) as pipe:
            pipe.zadd(WAITING + queue, {sid: self._clock().timestamp()}, nx=True).sadd(QUEUES, queue)

    def left(self, sid: str, queue: str, served: bool) -> None:
        """The caller is out of `queue`; if an agent took them, that pick-up counts towards the queue's pace
        (once: the whisper and Twilio's QueueResult both report it)."""
        if not queue:
            return
        with staged(self._redis) as pipe:
            pipe.eval(_LEFT, 2, WAITING + queue, SERVED + queue, sid, int(served), self._clock().timestamp(), SERVED_KEPT)

    def everyone(self) -> list[Waiting]:
        return read_together(self._redis, self.reading_everyone())[0]

    def reading_everyone(self):
        """Everyone waiting, in every queue, as a `Read` (one command: the script reads them all)."""
        def stage(pipe):
            pipe.eval(_EVERYONE, 1, QUEUES, WAITING)
            return lambda flat: sorted((Waiting(sid, queue, float(since)) for queue, members in zip(flat[::2], flat[1::2])
                                        for sid, since in zip(members[::2], members[1::2])), key=lambda entry: entry.queue)
        return stage

    def position(self, sid: str, queue: str) -> int:
        with redis_errors():
            rank = self._redis.zrank(WAITING + queue, sid)
        return rank + 1 if rank is not None else 0

    def served_at(self, queue: str) -> list[float]:
        with redis_errors():
            return [float(value) for value in self._redis.lrange(SERVED + queue, 0, SERVED_KEPT - 1)]

    def estimate(self, sid: str, queue: str, position: int, twilio_average: int) -> Estimate:
        """This caller's estimate now, from the queue's recent pace (one round trip).

        `position` is Twilio's (exact for its queue); without it, ours stands in.
        """
        with redis_errors():
            rank, served = self._redis.pipeline(transaction=False).zrank(WAITING + queue, sid).lrange(SERVED + queue, 0, SERVED_KEPT - 1).execute()
        position = position or (rank + 1 if rank is not None else 0)
        return estimate_wait(position, [float(value) for value in served], self._clock().timestamp(), twilio_average)
