"""Which Twilio queue a caller joins, its name as a value, and how a wait is said in minutes."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, lru_cache

from routing.model import Line, Queue, Severity


@dataclass(frozen=True, order=True)
class QueueName:
    """`technical.sv.A`: the queue type first, then what agents route on (language, severity).

    Twilio queues, waiting records, callbacks and TaskRouter attributes all use
    this one name; it is parsed once where it comes in (a URL, a Redis key) and
    travels as this value.
    """

    kind: Queue
    language: str  # the agents' language alone: "sv", not "sv-SE"
    severity: Severity | None = None

    @classmethod
    def parse(cls, text: str) -> "QueueName | None":
        """None for anything that is not a queue name this router makes."""
        return _parse_queue_name(text) if isinstance(text, str) and len(text) <= 64 else None

    @classmethod
    def _parse(cls, text: str) -> "QueueName | None":
        parts = text.split(".")
        if len(parts) not in (2, 3) or not parts[1].isalpha() or not parts[1].islower() or len(parts[1]) > 8:
            return None
        try:
            kind = Queue(parts[0])
            severity = Severity(parts[2]) if len(parts) == 3 else None
        except ValueError:
            return None
        return cls(kind, parts[1], severity)

    @classmethod
    def for_caller(cls, line: Line, queue: Queue, caller_locale: str, severity: Severity | None) -> "QueueName":
        """The queue a caller in `caller_locale` joins on `line`."""
        return cls(queue, language_of(agents_locale(line, queue, caller_locale)), severity)

    def __str__(self) -> str:
        return self._text

    @cached_property
    def _text(self) -> str:
        """Written once per name: a name is said in keys, URLs and TwiML several times a webhook, and the
        names a process meets are a few dozen (`parse` hands out the same one each time)."""
        parts = [self.kind.value, self.language]
        if self.severity is not None:
            parts.append(self.severity.value)
        return ".".join(parts)


@lru_cache(maxsize=1024)
def _parse_queue_name(text: str) -> QueueName | None:
    """A name comes in on most webhooks (hold URLs, call records) and is one of a few dozen: parsed once per process."""
    return QueueName._parse(text)


def language_of(locale: str) -> str:
    """`sv-SE` -> `sv`: catalogues and queue names use the language alone."""
    return locale.split("-")[0].lower()


def agents_locale(line: Line, queue: Queue, caller_locale: str) -> str:
    """The locale agents will speak: the caller's when the queue offers it, else the queue's first."""
    offered = line.queue_languages(queue)
    for locale in offered:
        if language_of(locale) == language_of(caller_locale):
            return locale
    return offered[0]


def minutes_to_say(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))
