"""What shuts a line in the days ahead, for people reading before they call: the admins' closures (and the
emergency switch) and the public holidays that close billing and sales, each as a span of local time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.hours import holiday_name
from routing.model import QUEUES_CLOSED_ON_HOLIDAYS, Closure, Line, Queue

DAYS_AHEAD = 14


@dataclass(frozen=True)
class Shut:
    """One span the line (or some of its queues) is shut, in the line's local wall time (naive)."""

    start: datetime
    end: datetime | None  # None: until switched off
    queues: tuple[Queue, ...]  # the queues it shuts, in the line's order
    messages: tuple[tuple[str, str], ...] = ()  # (language, text): the admin's reason
    holiday: str = ""  # the public holiday's name, for a holiday

    def message(self, language: str) -> str:
        texts = dict(self.messages)
        return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def shut_ahead(line: Line, now: datetime, days: int = DAYS_AHEAD, holiday_language: str = "en_US") -> list[Shut]:
    """Every closure that is on now or starts in the next `days` days, and the public holidays in them,
    in order of start. `now` is aware; holidays are named in `holiday_language` (a `holidays` locale)."""
    zone = ZoneInfo(line.timezone)
    local_now = now.astimezone(zone).replace(tzinfo=None)
    horizon = local_now + timedelta(days=days)
    found = [shut for closure in line.closures for shut in _spans(line, closure, local_now, horizon)]
    today = local_now.date()
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        name = holiday_name(line, datetime.combine(day, time(12), tzinfo=zone), holiday_language)
        queues = tuple(config.queue for config in line.queues if config.queue in QUEUES_CLOSED_ON_HOLIDAYS)
        if name and queues:
            found.append(Shut(datetime.combine(day, time()), datetime.combine(day + timedelta(days=1), time()),
                              queues, holiday=name))
    return sorted(found, key=lambda shut: shut.start)


def _spans(line: Line, closure: Closure, local_now: datetime, horizon: datetime) -> list[Shut]:
    queues = tuple(config.queue for config in line.queues if closure.closes(config.queue))
    if not queues:
        return []
    spans = []
    years = (local_now.year, local_now.year + 1) if closure.yearly else (None,)
    for year in years:
        start, end = (closure.start, closure.end) if year is None else _in_year(closure, year)
        if start < horizon and (end is None or end > local_now):
            spans.append(Shut(start, end, queues, closure.messages))
    return spans


def _in_year(closure: Closure, year: int) -> tuple[datetime, datetime | None]:
    start = _replace_year(closure.start, year)
    end = _replace_year(closure.end, year) if closure.end else None
    if end is not None and end <= start:  # spans the new year
        end = _replace_year(closure.end, year + 1)
    return start, end


def _replace_year(moment: datetime, year: int) -> datetime:
    try:
        return moment.replace(year=year)
    except ValueError:  # 29 February in a common year
        return moment.replace(year=year, day=28)

