"""The country table as plain values: what a support line is, independent of
where the table came from (YAML today, Redis later) and of who asks."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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

    def line(self, line_id: str) -> Line | None:
        for line in self.lines:
            if line.id == line_id:
                return line
        return None


@dataclass(frozen=True)
class LineMatch:
    """The answer to "which line did this caller reach?"."""

    line: Line
    caller_country: str | None = None
    dialed_known: bool = True
