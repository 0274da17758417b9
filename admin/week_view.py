"""A line's coming days as admins see them: per day and per queue (and per
severity where a queue has hours per severity), when it is open, and what
closes it (a public holiday, a closure, the emergency switch), in local time.

The day is worked out on local wall-clock minutes with the same rules as
`routing.hours` (weekly ranges, public holidays for billing and presales, the
admin's closures), so what the grid shows is what callers get.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from admin.readable import clock
from routing.hours import holiday_name
from routing.model import (
    DAYS,
    MINUTES_PER_DAY,
    QUEUES_CLOSED_ON_HOLIDAYS,
    Closure,
    Line,
    Queue,
    Severity,
    WeeklyHours,
)

OPEN, HOLIDAY, CLOSURE, EMERGENCY = "open", "holiday", "closure", "emergency"


@dataclass(frozen=True)
class Column:
    queue: Queue
    severity: Severity | None

    @property
    def label(self) -> str:
        name = self.queue.value.capitalize()
        return f"{name} {self.severity.value}" if self.severity else name

    @property
    def key(self) -> str:
        return f"{self.queue.value}-{self.severity.value if self.severity else 'all'}"


@dataclass(frozen=True)
class Segment:
    start: int  # local minutes from midnight
    end: int
    state: str  # open, holiday, closure, emergency
    reason: str = ""

    @property
    def text(self) -> str:
        span = f"{clock(self.start)}–{clock(self.end)}"
        if self.state == OPEN:
            return span
        why = {HOLIDAY: "public holiday", CLOSURE: "closure", EMERGENCY: "emergency switch"}[self.state]
        return f"closed {span} ({why}{': ' + self.reason if self.reason else ''})"


@dataclass
class Day:
    day: date
    today: bool
    holiday: str | None
    closures: list[str] = field(default_factory=list)
    cells: list[list[Segment]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{DAYS[self.day.weekday()]} {self.day.day} {self.day:%b}"


def columns(line: Line) -> list[Column]:
    return [Column(config.queue, severity) for config in line.queues
            for severity in ([severity for severity, _ in config.severity_hours] or [None])]


def coming_days(line: Line, today: date, count: int = 14) -> list[Day]:
    """`count` days from the line's local `today`, each with its cells in `columns(line)` order."""
    cols = columns(line)
    days = []
    for offset in range(count):
        day = today + timedelta(days=offset)
        noon = datetime.combine(day, datetime.min.time()).replace(hour=12)
        holiday = holiday_name(line, _aware(noon, line)) if line.holiday_country else None
        closures = [closure for closure in line.closures if _span_on(closure, day)]
        entry = Day(day, offset == 0, holiday, [_closure_label(closure) for closure in closures if closure.end is not None])
        for column in cols:
            config = line.queue(column.queue)
            entry.cells.append(day_segments(line, column.queue, config.hours_for(column.severity), day, holiday))
        days.append(entry)
    return days


def day_segments(line: Line, queue: Queue, hours: WeeklyHours, day: date, holiday: str | None) -> list[Segment]:
    """The day's ranges within the queue's weekly hours, each open or closed by something, merged."""
    ranges = [(i.start, i.end) for i in hours.intervals if i.weekday == day.weekday()]
    closures = [closure for closure in line.closures if closure.closes(queue)]
    points = {0, MINUTES_PER_DAY, *(edge for span in ranges for edge in span)}
    for closure in closures:
        span = _span_on(closure, day)
        if span:
            points.update(span)
    ordered = sorted(points)
    segments: list[Segment] = []
    for start, end in zip(ordered, ordered[1:]):
        if not any(low <= start < high for low, high in ranges):
            continue
        wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=start)
        closure = next((closure for closure in closures if closure.covers(wall)), None)
        if queue in QUEUES_CLOSED_ON_HOLIDAYS and holiday:
            segment = Segment(start, end, HOLIDAY, holiday)
        elif closure is not None:
            segment = Segment(start, end, EMERGENCY if closure.end is None else CLOSURE, closure.message("en") or "")
        else:
            segment = Segment(start, end, OPEN)
        last = segments[-1] if segments else None
        if last and last.end == start and (last.state, last.reason) == (segment.state, segment.reason):
            segments[-1] = Segment(last.start, end, last.state, last.reason)
        else:
            segments.append(segment)
    return segments


def _span_on(closure: Closure, day: date) -> tuple[int, int] | None:
    """The minutes of local `day` the closure covers (its first and last covered minute + 1), if any."""
    midnight = datetime.combine(day, datetime.min.time())
    if closure.end is None:
        return (0, MINUTES_PER_DAY) if closure.covers(midnight) else None
    starts = [closure.start]
    if closure.yearly:
        starts = [_in_year(closure.start, year) for year in (day.year - 1, day.year)]
    for start in starts:
        end = start + (closure.end - closure.start)
        low, high = max(start, midnight), min(end, midnight + timedelta(days=1))
        if low < high:
            return (int((low - midnight).total_seconds() // 60), int((high - midnight).total_seconds() // 60))
    return None


def _closure_label(closure: Closure) -> str:
    reason = closure.message("en") or "closure"
    queues = ", ".join(sorted(queue.value for queue in closure.queues)) if closure.queues else "every queue"
    return f"{reason} ({queues})"


def _in_year(moment: datetime, year: int) -> datetime:
    try:
        return moment.replace(year=year)
    except ValueError:
        return moment.replace(year=year, day=28)


def _aware(wall: datetime, line: Line) -> datetime:
    return wall.replace(tzinfo=ZoneInfo(line.timezone))
