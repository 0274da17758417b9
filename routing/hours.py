"""Is a queue staffed at an instant, and when will it next be?

Hours are wall-clock times in the line's zone, so every answer is worked out
there; instants are compared as instants (in UTC), never as wall-clock times,
which repeat when clocks go back and are skipped when they go forward.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from types import MappingProxyType
from typing import Iterator, Mapping
from zoneinfo import ZoneInfo

import holidays

from routing.model import (
    QUEUES_CLOSED_ON_HOLIDAYS,
    Closure,
    Line,
    Queue,
    Severity,
    WeeklyHours,
)

SEARCH_DAYS = 400
HOLIDAY_LANGUAGE = "en_US"


def is_open(line: Line, queue: Queue, at: datetime, severity: Severity | None = None) -> bool:
    """Whether `queue` on `line` takes calls at the aware instant `at`."""
    local = _local(line, at)
    config = line.queue(queue)
    return config is not None and _open(line, queue, config.hours_for(severity), local)


def next_opening(line: Line, queue: Queue, at: datetime, severity: Severity | None = None) -> datetime | None:
    """`at` in the line's zone if open then, else the first later instant it opens.

    None when the line lacks the queue or the queue does not open within SEARCH_DAYS.
    """
    local = _local(line, at)
    config = line.queue(queue)
    if config is None:
        return None
    hours = config.hours_for(severity)
    if _open(line, queue, hours, local):
        return local
    if not hours.intervals:
        return None
    zone = local.tzinfo
    for offset in range(SEARCH_DAYS + 1):
        day = local.date() + timedelta(days=offset)
        for candidate in sorted(_candidates(day, hours, zone, line.closures)):
            if candidate > at and _open(line, queue, hours, candidate.astimezone(zone)):
                return candidate.astimezone(zone)
    return None


def open_until(line: Line, queue: Queue, at: datetime, severity: Severity | None = None,
               horizon_days: int = 8) -> datetime | None:
    """When a queue that is open at `at` next closes, in the line's zone.

    None when it is closed at `at`, or stays open for `horizon_days` (24x7). The
    queue can only close where an opening range ends, a closure begins or a
    day begins (a public holiday), so those are the only instants tried.
    """
    local = _local(line, at)
    config = line.queue(queue)
    if config is None:
        return None
    hours = config.hours_for(severity)
    if not _open(line, queue, hours, local):
        return None
    zone = local.tzinfo
    for offset in range(horizon_days + 1):
        day = local.date() + timedelta(days=offset)
        for candidate in sorted(_closing_candidates(day, hours, zone, line.closures)):
            if candidate > at and not _open(line, queue, hours, candidate.astimezone(zone)):
                return candidate.astimezone(zone)
    return None


def closure_at(line: Line, queue: Queue, at: datetime) -> Closure | None:
    """The admin's closure (or emergency switch) shutting `queue` at `at`, if any."""
    wall = _local(line, at).replace(tzinfo=None)
    return next((closure for closure in line.closures if closure.closes(queue) and closure.covers(wall)), None)


def holiday_name(line: Line, at: datetime, language: str = HOLIDAY_LANGUAGE) -> str | None:
    """The public holiday on the line's local date at `at`, named in `language`
    (a `holidays` locale such as "en_US" or "sv"; unknown ones give the local name)."""
    local = _local(line, at)
    if line.holiday_country is None:
        return None
    return _holidays(line.holiday_country, local.year, language).get(local.date())


def _local(line: Line, at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"expected a timezone-aware datetime, got {at!r}")
    return at.astimezone(ZoneInfo(line.timezone))


def _open(line: Line, queue: Queue, hours: WeeklyHours, local: datetime) -> bool:
    if queue in QUEUES_CLOSED_ON_HOLIDAYS and holiday_name(line, local) is not None:
        return False
    minute = local.hour * 60 + local.minute
    weekday = local.weekday()
    if not any(i.weekday == weekday and i.start <= minute < i.end for i in hours.intervals):
        return False
    wall = local.replace(tzinfo=None)
    return not any(closure.closes(queue) and closure.covers(wall) for closure in line.closures)


def _candidates(day: date, hours: WeeklyHours, zone: ZoneInfo, closures: tuple[Closure, ...]) -> Iterator[datetime]:
    """UTC instants on local `day` at which the queue may open: both readings of
    each opening time and of each closure's end (they differ when clocks go
    back), and the clock change, if any (an opening skipped by clocks going
    forward happens then)."""
    walls = [time(*divmod(interval.start, 60)) for interval in hours.intervals if interval.weekday == day.weekday()]
    for closure in closures:
        if closure.end is not None and (closure.yearly and closure.end.timetuple()[1:3] == day.timetuple()[1:3]
                                        or closure.end.date() == day):
            walls.append(closure.end.time())
    for wall_time in walls:
        wall = datetime.combine(day, wall_time, tzinfo=zone)
        yield from (wall.replace(fold=fold).astimezone(timezone.utc) for fold in (0, 1))
    change = _clock_change(day, zone)
    if change is not None:
        yield change


def _closing_candidates(day: date, hours: WeeklyHours, zone: ZoneInfo, closures: tuple[Closure, ...]) -> Iterator[datetime]:
    """UTC instants on local `day` at which an open queue may close: the day's start,
    each range's end and each closure's start (both readings of each), and the clock change."""
    walls = [datetime.combine(day, time())]
    walls += [datetime.combine(day, time()) + timedelta(minutes=interval.end)
              for interval in hours.intervals if interval.weekday == day.weekday()]
    for closure in closures:
        start = closure.start
        if closure.yearly:
            start = _year_of(start, day.year)
        if start.date() == day:
            walls.append(start)
    for wall in walls:
        aware = wall.replace(tzinfo=zone)
        yield from (aware.replace(fold=fold).astimezone(timezone.utc) for fold in (0, 1))
    change = _clock_change(day, zone)
    if change is not None:
        yield change


def _year_of(moment: datetime, year: int) -> datetime:
    try:
        return moment.replace(year=year)
    except ValueError:  # 29 February in a common year
        return moment.replace(year=year, day=28)


def _clock_change(day: date, zone: ZoneInfo) -> datetime | None:
    """The instant during local `day` at which the UTC offset changes, to the second."""
    before = int(datetime.combine(day, time(), tzinfo=zone).timestamp())
    after = int(datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).timestamp())
    offset = datetime.fromtimestamp(before, zone).utcoffset()
    if datetime.fromtimestamp(after, zone).utcoffset() == offset:
        return None
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset:
            before = middle
        else:
            after = middle
    return datetime.fromtimestamp(after, timezone.utc)


@lru_cache(maxsize=512)
def _holidays(country: str, year: int, language: str) -> Mapping[date, str]:
    """The country's public holidays in `year`; building them is slow, so they are cached."""
    return MappingProxyType(dict(holidays.country_holidays(country, years=year, language=language)))
