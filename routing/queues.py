"""Which Twilio queue a caller joins, and how a wait is said in minutes."""
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


def minutes_to_say(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
