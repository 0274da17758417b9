"""Who an agent gets next, and how long a caller still has to wait. Pure values."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from routing.model import Severity
from routing.queues import QueueName

RECENT_SECONDS = 60 * 60


@dataclass(frozen=True)
class Waiting:
    """One caller (or callback) waiting in `queue` since `since` (epoch seconds)."""

    sid: str
    queue: QueueName
    since: float


def serving_order(entries: Iterable[Waiting]) -> list[Waiting]:
    """As agents will get them: severity A before anything else, then the longest wait."""
    return sorted(entries, key=lambda entry: (entry.queue.severity is not Severity.A, entry.since))


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
