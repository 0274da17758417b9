"""`/numbers` and `/api/numbers`: each line's numbers and, per queue, its hours in
local time and whether it is open right now, like the seeds' country drop-down."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from flask import Blueprint, jsonify, render_template, request

from routing.hours import is_open, next_opening
from routing.hours_spec import weekly_ranges
from routing.model import DAYS, MINUTES_PER_DAY, Line, Table, WeeklyHours
from runtime.redis_connection import StoreUnavailable
from bootstrap import services

bp = Blueprint("public_numbers", __name__)


@bp.get("/numbers")
def numbers_page():
    table, country = _table(), _country()
    return render_template("numbers.html", lines=_lines(table, country, services().clock()), country=country,
                           countries=_countries(table))


@bp.get("/api/numbers")
def numbers_api():
    return jsonify(lines=_lines(_table(), _country(), services().clock()))


def _table() -> Table:
    try:
        return services().tables.current()[1]
    except StoreUnavailable:
        return services().tables.latest_known()


def _country() -> str:
    return request.args.get("country", "").strip().upper()[:8]


def _countries(table: Table) -> list[tuple[str, str]]:
    """(code, label) for every country a caller can pick: each line's own country and the markets it serves."""
    labels: dict[str, str] = {}
    for line in table.lines:
        for code in (line.markets or (line.id,)):
            if code == line.id or code not in labels:
                labels[code] = f"{code} ({line.name})"
    return sorted(labels.items())


def _serves(line: Line, country: str) -> bool:
    return not country or line.id == country or country in line.markets


def _lines(table: Table, country: str, now: datetime) -> list[dict]:
    lines = [line for line in table.lines if _serves(line, country)]
    if country and any(line.id == country for line in lines):
        lines = [line for line in lines if line.id == country]  # a country's own line before a regional one
    return [describe_line(line, now) for line in lines]


def describe_line(line: Line, now: datetime) -> dict:
    """A line as people read it: formatted numbers, each queue's hours, languages and whether it is open now."""
    return {
        "id": line.id,
        "name": line.name,
        "timezone": line.timezone,
        "languages": list(line.languages),
        "numbers": [_number(number) for number in line.numbers],
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


def _number(number: str) -> dict:
    numobj = phonenumbers.parse(number, None)
    return {
        "e164": number,
        "international": phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        "national": phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.NATIONAL),
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
