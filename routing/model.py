"""The country table as plain values: what a support line is, independent of
where the table came from (YAML today, Redis later) and of who asks."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import cached_property


class Queue(str, Enum):
    TECHNICAL = "technical"
    BILLING = "billing"
    PRESALES = "presales"


class Severity(str, Enum):
    A = "A"  # critical: one or more services down or unusable
    B = "B"  # high: usable but degraded
    C = "C"  # non-critical: a workaround exists


# Public holidays close these queues (the policy); technical support never closes for them.
QUEUES_CLOSED_ON_HOLIDAYS = frozenset({Queue.BILLING, Queue.PRESALES})

# Billing's highest severity is B (the policy); presales carries none.
HIGHEST_SEVERITY = {Queue.TECHNICAL: Severity.A, Queue.BILLING: Severity.B}

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, order=True)
class Interval:
    """An opening on one weekday (0 = Monday), in local wall-clock minutes.

    `end` is exclusive and may be 1440 (24:00): the interval runs to midnight.
    """

    weekday: int
    start: int
    end: int


@dataclass(frozen=True)
class WeeklyHours:
    """When a queue is staffed in a normal week, in the line's local time.

    `spec` keeps the admin's own words ("Mon-Fri 09:00-17:00") for display and export.
    """

    spec: tuple[str, ...]
    intervals: tuple[Interval, ...]

    @property
    def always_open(self) -> bool:
        return all(
            any(i.weekday == day and i.start == 0 and i.end == MINUTES_PER_DAY for i in self.intervals)
            for day in range(7)
        )


@dataclass(frozen=True)
class QueueConfig:
    """One queue on one line: its hours (per severity where they differ) and
    the languages agents speak in it (empty: the line's languages)."""

    queue: Queue
    hours: WeeklyHours
    severity_hours: tuple[tuple[Severity, WeeklyHours], ...] = ()
    languages: tuple[str, ...] = ()

    def hours_for(self, severity: Severity | None) -> WeeklyHours:
        for sev, hours in self.severity_hours:
            if sev == severity:
                return hours
        return self.hours


@dataclass(frozen=True)
class Closure:
    """A time a line's queues are shut on top of the weekly hours and public
    holidays: an office event, an extra holiday (once or every year), or the
    emergency switch, which has no end and a message for callers.

    `start` and `end` are local wall-clock times; `end` is exclusive; None means
    until switched off. Empty `queues` means every queue of the line.
    """

    start: datetime
    end: datetime | None
    reason: str = ""
    queues: frozenset[Queue] = frozenset()
    yearly: bool = False
    messages: tuple[tuple[str, str], ...] = ()  # (language, text): what callers hear

    def closes(self, queue: Queue) -> bool:
        return not self.queues or queue in self.queues

    def covers(self, local: datetime) -> bool:
        """Whether the local wall time `local` (naive) falls inside the closure."""
        start, end = self.start, self.end
        if self.yearly:
            start, end = _in_year(start, local.year), _in_year(end, local.year) if end else None
            if end is not None and end <= start:  # spans the new year
                return local >= start or local < end
        return start <= local and (end is None or local < end)

    def message(self, language: str) -> str | None:
        texts = dict(self.messages)
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)


def _in_year(moment: datetime, year: int) -> datetime:
    try:
        return moment.replace(year=year)
    except ValueError:  # 29 February in a common year
        return moment.replace(year=year, day=28)


@dataclass(frozen=True)
class Notice:
    """A service-health notice read to callers before the menu while it is current."""

    id: str
    texts: tuple[tuple[str, str], ...]  # (language, text)
    starts: datetime  # aware
    ends: datetime  # aware
    lines: tuple[str, ...] = ()  # empty: every line

    def applies(self, line_id: str, at: datetime) -> bool:
        return self.starts <= at < self.ends and (not self.lines or line_id in self.lines)

    def text(self, language: str) -> str | None:
        texts = dict(self.texts)
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), None)


@dataclass(frozen=True)
class Line:
    """A support line: one entry of the country table."""

    id: str
    name: str
    timezone: str
    numbers: tuple[str, ...]
    languages: tuple[str, ...]
    queues: tuple[QueueConfig, ...]
    markets: tuple[str, ...] = ()
    shared_numbers: tuple[str, ...] = ()
    holiday_country: str | None = None
    closures: tuple[Closure, ...] = ()

    def queue(self, queue: Queue) -> QueueConfig | None:
        for config in self.queues:
            if config.queue == queue:
                return config
        return None

    def queue_languages(self, queue: Queue) -> tuple[str, ...]:
        config = self.queue(queue)
        return (config.languages if config and config.languages else self.languages)


@dataclass(frozen=True)
class Table:
    """The whole validated country table."""

    lines: tuple[Line, ...]
    default_line: str
    notices: tuple[Notice, ...] = ()

    def notices_for(self, line_id: str, at: datetime) -> list[Notice]:
        return [notice for notice in self.notices if notice.applies(line_id, at)]

    def line(self, line_id: str) -> Line | None:
        return self._lines_by_id.get(line_id)

    @cached_property
    def _lines_by_id(self) -> dict[str, Line]:
        """Asked on nearly every webhook; a table lives for many of them. The first line of an id, as a
        search from the top would find it (a validated table has each id once)."""
        by_id: dict[str, Line] = {}
        for line in self.lines:
            by_id.setdefault(line.id, line)
        return by_id


@dataclass(frozen=True)
class LineMatch:
    """The answer to "which line did this caller reach?"."""

    line: Line
    caller_country: str | None = None
    dialed_known: bool = True
