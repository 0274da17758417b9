"""The router's own record of who waits in which queue, and how fast queues move.

Twilio holds the callers; this record lets the router choose which queue an
agent serves next (severity A first, then the longest wait), show agents who
is waiting, and estimate waits from our own recent service. It is updated when
a caller joins, is connected (the whisper), leaves (`QueueResult`) or hangs up
(the status callback), so an agent is never offered a caller who has gone.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis

from routing.queues import QueueName
from routing.serving import Estimate, Waiting, estimate_wait
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import read_together, staged

WAITING = "waiting:"  # sorted set per queue name: CallSid scored by the time it joined
QUEUES = "waiting-queues"
SERVED = "served:"  # list per queue name: when agents recently took a caller (epoch seconds)
SERVED_KEPT = 20

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


class WaitingRoom:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime]):
        self._redis = client
        self._clock = clock

    def joined(self, sid: str, queue: QueueName, since: datetime | None = None) -> None:
        """In `queue` since now, or since `since` (a transferred caller keeps their first arrival, a caller
        recorded after an outage their real one); a caller already in line keeps their place."""
        at = (since or self._clock()).timestamp()
        with staged(self._redis) as pipe:
            pipe.zadd(WAITING + str(queue), {sid: at}, nx=True).sadd(QUEUES, str(queue))

    def left(self, sid: str, queue: QueueName | None, served: bool) -> None:
        """The caller is out of `queue`; if an agent took them, that pick-up counts towards the queue's pace
        (once: the whisper and Twilio's QueueResult both report it)."""
        if not queue:
            return
        with staged(self._redis) as pipe:
            pipe.eval(_LEFT, 2, WAITING + str(queue), SERVED + str(queue), sid, int(served), self._clock().timestamp(), SERVED_KEPT)

    def everyone(self) -> list[Waiting]:
        return read_together(self._redis, self.reading_everyone())[0]

    def reading_everyone(self):
        """Everyone waiting, in every queue, as a `Read` (one command: the script reads them all)."""
        def stage(pipe):
            pipe.eval(_EVERYONE, 1, QUEUES, WAITING)
            return _decode_everyone
        return stage

    def estimate(self, sid: str, queue: QueueName, position: int, twilio_average: int) -> Estimate:
        """This caller's estimate now, from the queue's recent pace (one round trip).

        `position` is Twilio's (exact for its queue); without it, ours stands in.
        """
        with redis_errors():
            rank, served = self._redis.pipeline(transaction=False).zrank(WAITING + str(queue), sid).lrange(SERVED + str(queue), 0, SERVED_KEPT - 1).execute()
        position = position or (rank + 1 if rank is not None else 0)
        return estimate_wait(position, [float(value) for value in served], self._clock().timestamp(), twilio_average)


    def standing(self, sid: str, queue: QueueName, twilio_average: int) -> tuple[int, Estimate]:
        """The caller's place in their own queue by our record (TaskRouter mode, where every caller shares the
        workflow's Twilio queue and Twilio's QueuePosition counts them all), and the estimate from it: one round trip."""
        with redis_errors():
            rank, served = self._redis.pipeline(transaction=False).zrank(WAITING + str(queue), sid).lrange(
                SERVED + str(queue), 0, SERVED_KEPT - 1).execute()
        position = rank + 1 if rank is not None else 0
        return position, estimate_wait(position, [float(value) for value in served], self._clock().timestamp(),
                                       twilio_average)


def _decode_everyone(flat: list) -> list[Waiting]:
    """The script's reply, by queue name; a name this router did not make is passed over."""
    entries = []
    for raw_name, members in zip(flat[::2], flat[1::2]):
        name = QueueName.parse(raw_name)
        if name is not None:
            entries.extend(Waiting(sid, name, float(since)) for sid, since in zip(members[::2], members[1::2]))
    return sorted(entries, key=lambda entry: str(entry.queue))
