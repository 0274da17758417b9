"""What a caller would get: for a dialled number, a caller number and an
instant, the line, the language offer, each queue open or closed (and why),
the next openings and any notices. Admins check a change with it before
callers find out."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from routing.hours import closure_at, holiday_name, is_open, next_opening, open_until
from routing.lookup import line_for
from routing.model import QUEUES_CLOSED_ON_HOLIDAYS, Table
from routing.numbers import parse_number


def what_if(table: Table, dialed: str, caller: str, at: datetime) -> dict:
    match = line_for(table, dialed, parse_number(caller))
    line = match.line
    queues = []
    for config in line.queues:
        severities = [severity for severity, _ in config.severity_hours] or [None]
        for severity in severities:
            closure = closure_at(line, config.queue, at)
            holiday = holiday_name(line, at) if config.queue in QUEUES_CLOSED_ON_HOLIDAYS else None
            is_open_now = is_open(line, config.queue, at, severity)
            opening = None if is_open_now else next_opening(line, config.queue, at, severity)
            until = open_until(line, config.queue, at, severity) if is_open_now else None
            queues.append({
                "queue": config.queue.value,
                "severity": severity.value if severity else None,
                "open": is_open_now,
                "open_until": until.isoformat() if until else None,  # None while open: open for the coming week
                "next_opening": opening.isoformat() if opening else None,
                "closed_by": None if is_open_now else (
                    ("emergency switch" if closure.end is None else "closure") if closure else ("public holiday" if holiday else None)),
                "reason": (dict(closure.messages) if closure else {}) or ({"en": holiday} if holiday else {}),
                "languages": list(line.queue_languages(config.queue)),
            })
    return {
        "line": line.id,
        "name": line.name,
        "dialed_known": match.dialed_known,
        "caller_country": match.caller_country,
        "language_offer": list(line.languages),
        "local_time": at.astimezone(ZoneInfo(line.timezone)).isoformat(),
        "notices": [dict(notice.texts) for notice in table.notices_for(line.id, at)],
        "queues": queues,
    }


def instant(text: str | None, now: datetime) -> datetime | None:
    """The instant an admin asks about: `now` when none is given, None when it lacks its UTC offset or is no date."""
    if not text:
        return now
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
