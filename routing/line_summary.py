"""A line as people read it (the public numbers page, the admin overview): its
numbers written out, each queue's hours, languages and whether it is open now."""
from __future__ import annotations

from datetime import datetime

from routing.hours import is_open, next_opening
from routing.hours_spec import weekly_ranges
from routing.model import DAYS, MINUTES_PER_DAY, Line, WeeklyHours
from routing.numbers import formats


def describe_line(line: Line, now: datetime) -> dict:
    """A line as people read it: formatted numbers, each queue's hours, languages and whether it is open now."""
    return {
        "id": line.id,
        "name": line.name,
        "timezone": line.timezone,
        "languages": list(line.languages),
        "numbers": [formats(number) for number in line.numbers],
        "queues": [
            {
                "queue": config.queue.value,
                "hours": _hours_text(config.hours),
                "by_severity": {severity.value: _hours_text(hours) for severity, hours in config.severity_hours},
                "languages": list(line.queue_languages(config.queue)),
                "open_now": is_open(line, config.queue, now),
                "next_opening": _iso(next_opening(line, config.queue, now)),
            }
            for config in line.queues
        ],
    }


def _hours_text(hours: WeeklyHours) -> str:
    """"Mon–Fri 09:00–17:00", "24 hours, every day"."""
    parts = []
    for first, last, start, end in weekly_ranges(hours):
        if (first, last, start, end) == (0, 6, 0, MINUTES_PER_DAY):
            return "24 hours, every day"
        days = DAYS[first] if first == last else f"{DAYS[first]}–{DAYS[last]}"
        parts.append(f"{days} {_clock(start)}–{_clock(end)}")
    return ", ".join(parts)


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
