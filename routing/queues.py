"""Which Twilio queue a caller joins, and how long they are likely to wait."""
from __future__ import annotations

import math

from routing.model import Line, Queue, Severity


def queue_language(line: Line, queue: Queue, caller_locale: str) -> str:
    """The locale agents will speak: the caller's when the queue offers it, else the queue's first."""
    offered = line.queue_languages(queue)
    caller_language = caller_locale.split("-")[0].lower()
    for locale in offered:
        if locale.split("-")[0].lower() == caller_language:
            return locale
    return offered[0]


def queue_name(queue: Queue, locale: str, severity: Severity | None) -> str:
    """`technical.sv.A`: the queue type first, then what agents route on."""
    parts = [queue.value, locale.split("-")[0].lower()]
    if severity is not None:
        parts.append(severity.value)
    return ".".join(parts)


def estimated_wait_seconds(position: int, average_wait: int, waited: int) -> int | None:
    """A rough remaining wait from the figures Twilio posts to the hold URL.

    Twilio's `AvgQueueTime` is how long the callers now in the queue have
    waited so far; in a steady queue they are on average halfway through, so a
    whole wait is about twice that. None when there is nothing to go on.
    """
    if position <= 1 or average_wait <= 0:
        return None
    return max(2 * average_wait - max(waited, 0), 60)


def minutes_to_say(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
