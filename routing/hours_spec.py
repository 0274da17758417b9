"""Weekly hours as admins write them ("Mon-Fri 09:00-17:00"), and back again.

Parsing is kept apart from the clock so the table loader can reject bad hours
at start-up, and so the IVR can speak hours without knowing what time it is.
"""
from __future__ import annotations

import re
from itertools import groupby

from routing.model import DAYS, MINUTES_PER_DAY, Interval, WeeklyHours

ALWAYS = "24x7"
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})")


class HoursError(ValueError):
    """An hours spec that cannot be used; the message names the bad part."""


def parse_hours(spec: str | list[str] | tuple[str, ...]) -> WeeklyHours:
    """Parse `24x7`, `Mon-Fri 09:00-17:00` or a list of such ranges."""
    parts = [spec] if isinstance(spec, str) else spec
    if not isinstance(parts, (list, tuple)) or not parts:
        raise HoursError(f"expected a range such as 'Mon-Fri 09:00-17:00' or a list of them, got {spec!r}")
    owned: list[tuple[Interval, str]] = []
    for part in parts:
        if not isinstance(part, str):
            raise HoursError(f"expected a range such as 'Mon-Fri 09:00-17:00', got {part!r}")
        owned += [(interval, part) for interval in _parse_part(part)]
    owned.sort()
    for (before, first), (after, second) in zip(owned, owned[1:]):
        if before.weekday == after.weekday and after.start < before.end:
            day = DAYS[before.weekday]
            clash = f"{first!r} names {day} twice" if first is second else f"{first!r} and {second!r} overlap on {day}"
            raise HoursError(f"{clash}; a weekday's ranges must not overlap")
    return WeeklyHours(tuple(parts), tuple(interval for interval, _ in owned))


def union(*hours: WeeklyHours) -> WeeklyHours:
    """Hours open whenever any of `hours` is open; the spec is rewritten to match."""
    merged: list[Interval] = []
    for interval in sorted(i for h in hours for i in h.intervals):
        last = merged[-1] if merged else None
        if last and last.weekday == interval.weekday and interval.start <= last.end:
            merged[-1] = Interval(last.weekday, last.start, max(last.end, interval.end))
        else:
            merged.append(interval)
    return WeeklyHours(_spec_for(merged), tuple(merged))


def weekly_ranges(hours: WeeklyHours) -> list[tuple[int, int, int, int]]:
    """(first_weekday, last_weekday, start_min, end_min) groups for speaking hours.

    Consecutive weekdays with the same intervals form one group; a group may wrap
    past Sunday (first_weekday > last_weekday, as in Fri-Mon). 24x7 is (0, 6, 0, 1440).
    """
    by_day = [tuple((i.start, i.end) for i in hours.intervals if i.weekday == day) for day in range(7)]
    runs = []
    for times, days in groupby(range(7), key=lambda day: by_day[day]):
        days = list(days)
        runs.append([days[0], days[-1], times])
    if len(runs) > 1 and runs[0][2] == runs[-1][2]:
        runs[0][0] = runs.pop()[0]
    return [(first, last, start, end) for first, last, times in runs for start, end in times]


def _parse_part(part: str) -> list[Interval]:
    if part.strip() == ALWAYS:
        return [Interval(day, 0, MINUTES_PER_DAY) for day in range(7)]
    fields = part.split()
    if len(fields) != 2:
        raise HoursError(f"{part!r} is not '24x7' or days and times such as 'Mon-Fri 09:00-17:00'")
    days, times = fields
    start_text, _, end_text = times.partition("-")
    start, end = _minutes(part, start_text), _minutes(part, end_text)
    if end <= start:
        overnight = (
            f"; write an overnight range as two ranges: '{days} {start_text}-24:00' and one from 00:00"
            f" to {end_text} on the following days"
        ) if end < start else ""
        raise HoursError(f"{part!r}: end {end_text} is not after start {start_text}{overnight}")
    return [Interval(day, start, end) for day in _weekdays(part, days)]


def _weekdays(part: str, text: str) -> list[int]:
    weekdays = []
    for item in text.split(","):
        first, dash, last = item.partition("-")
        first_day, last_day = _weekday(part, first), _weekday(part, last if dash else first)
        weekdays += [(first_day + step) % 7 for step in range((last_day - first_day) % 7 + 1)]
    return weekdays


def _weekday(part: str, name: str) -> int:
    if name not in DAYS:
        raise HoursError(f"{part!r}: {name!r} is not a day; use {', '.join(DAYS)}")
    return DAYS.index(name)


def _minutes(part: str, text: str) -> int:
    match = _TIME.fullmatch(text)
    hour, minute = (int(match[1]), int(match[2])) if match else (-1, -1)
    if not (0 <= hour <= 24 and 0 <= minute <= 59) or (hour == 24 and minute):
        raise HoursError(f"{part!r}: {text!r} is not a time from 00:00 to 24:00 written HH:MM")
    return hour * 60 + minute


def _spec_for(intervals: list[Interval]) -> tuple[str, ...]:
    hours = WeeklyHours((), tuple(intervals))
    if hours.always_open:
        return (ALWAYS,)
    return tuple(
        f"{DAYS[first]}{'' if first == last else '-' + DAYS[last]} {_clock(start)}-{_clock(end)}"
        for first, last, start, end in weekly_ranges(hours)
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
