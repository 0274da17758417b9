"""The table's parts as an admin reads them: hours, closures, the emergency
switch, notices and the difference between two versions, in sentences rather
than the document's keys and Python values.

Pure (no Flask, no Redis): the pages, the confirmations and the history share it.
"""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import phonenumbers

from routing.hours_spec import HoursError, parse_hours, weekly_ranges
from routing.model import DAYS, MINUTES_PER_DAY, WeeklyHours

NONE = "—"
NOTICE_PREFIX = "notice:"
ENTRY_FIELDS = (("name", "name"), ("timezone", "time zone"), ("numbers", "numbers"), ("shared", "shared numbers"),
                ("languages", "languages"), ("markets", "markets"), ("holidays", "public holidays of"))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def hours_text(hours: WeeklyHours) -> str:
    """"Mon–Fri 09:00–17:00", "24 hours, every day", "closed"."""
    parts = []
    for first, last, start, end in weekly_ranges(hours):
        if (first, last, start, end) == (0, 6, 0, MINUTES_PER_DAY):
            return "24 hours, every day"
        days = DAYS[first] if first == last else f"{DAYS[first]}–{DAYS[last]}"
        parts.append(f"{days} {clock(start)}–{clock(end)}")
    return ", ".join(parts) or "closed"


def spec_text(spec: object) -> str:
    """A queue's `hours` value from the document: one spec, or one per severity."""
    if isinstance(spec, dict):
        return "; ".join(f"severity {severity}: {spec_text(value)}" for severity, value in spec.items())
    try:
        return hours_text(parse_hours(spec))
    except HoursError:
        return str(spec)


def phone(number: str) -> str:
    """+46201605899 -> "+46 20 160 58 99" (as written when it does not parse)."""
    try:
        return phonenumbers.format_number(phonenumbers.parse(number, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return number


def day_text(day: date) -> str:
    return f"{DAYS[day.weekday()]} {day.day} {day:%b} {day.year}"


def instant_text(moment: datetime, zone: str | None = None) -> str:
    """"Tue 24 Nov 2026, 10:00" in `zone` (the moment's own zone when None)."""
    local = moment.astimezone(ZoneInfo(zone)) if zone else moment
    return f"{day_text(local.date())}, {local:%H:%M}"


def iso_text(text: object, zone: str) -> str:
    """An ISO instant from the document or history, readable in `zone`; other text as it is."""
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return instant_text(moment, zone) if moment.tzinfo else str(text)


def queues_text(queues: object) -> str:
    if not queues:
        return "every queue"
    return _and([str(queue) for queue in queues]) if isinstance(queues, list) else str(queues)


def texts_text(value: object) -> str:
    """A text for everyone, or one per language: “Christmas Eve” (en), “Julafton” (sv)."""
    if isinstance(value, dict):
        return ", ".join(f"“{text}” ({language})" for language, text in value.items())
    return f"“{value}”" if value else ""


def closure_text(closure: object) -> str:
    """"Thu 24 Dec 2026, whole day, every year; closes billing and presales; “Christmas Eve” (en)"."""
    if not isinstance(closure, dict):
        return str(closure)
    if "date" in closure:
        when = f"{_date_text(closure['date'])}, whole day"
    else:
        start, end = str(closure.get("from", "")), str(closure.get("to", ""))
        if start[:10] == end[:10] and len(start) > 10 and len(end) > 10:
            when = f"{_date_text(start[:10])}, {start[11:]}–{end[11:]}"
        else:
            when = f"from {_moment_text(start)} to {_moment_text(end)}{' (through that day)' if len(end) == 10 else ''}"
    parts = [when + (", every year" if closure.get("yearly") else ""), f"closes {queues_text(closure.get('queues'))}"]
    if closure.get("reason"):
        parts.append(texts_text(closure["reason"]))
    return "; ".join(parts)


def emergency_text(switch: object) -> str:
    if not switch:
        return "off"
    if not isinstance(switch, dict):
        return str(switch)
    return f"on for {queues_text(switch.get('queues'))}: {texts_text(switch.get('message'))}"


def notice_text(notice: object, zone: str) -> str:
    if not isinstance(notice, dict):
        return str(notice) if notice else NONE
    lines = ", ".join(notice.get("lines") or []) or "every line"
    return (f"{texts_text(notice.get('text'))}; {lines}; from {iso_text(notice.get('from'), zone)} "
            f"to {iso_text(notice.get('to'), zone)}")


def notice_state(notice: dict, now: datetime) -> str:
    """scheduled, active or expired at `now` (unreadable times: "invalid")."""
    try:
        starts, ends = datetime.fromisoformat(notice["from"]), datetime.fromisoformat(notice["to"])
        if now < starts:
            return "scheduled"
        return "active" if now < ends else "expired"
    except (KeyError, TypeError, ValueError):
        return "invalid"


def diff_rows(changed: dict, zone: str) -> list[tuple[str, str, str]]:
    """(what, before, after) for every difference a history entry records, in words."""
    rows: list[tuple[str, str, str]] = []
    for key, sides in changed.items():
        before, after = sides.get("before"), sides.get("after")
        if key.startswith(NOTICE_PREFIX):
            rows.append((f"notice {key[len(NOTICE_PREFIX):]}", notice_text(before, zone), notice_text(after, zone)))
        elif key == "default_line":
            rows.append(("default line", str(before or NONE), str(after or NONE)))
        elif before is None:
            rows.append((key, NONE, f"new line {_name(after)}"))
        elif after is None:
            rows.append((key, f"line {_name(before)}", "deleted"))
        else:
            rows += [(f"{key}: {what}", old, new) for what, old, new in entry_diff(before, after)]
    return rows


def entry_diff(before: dict, after: dict) -> list[tuple[str, str, str]]:
    rows = []
    for field, label in ENTRY_FIELDS:
        if before.get(field) != after.get(field):
            rows.append((label, _value(before.get(field)), _value(after.get(field))))
    old_queues, new_queues = before.get("queues") or {}, after.get("queues") or {}
    for queue in list(old_queues) + [name for name in new_queues if name not in old_queues]:
        old, new = old_queues.get(queue), new_queues.get(queue)
        if old == new:
            continue
        if old is None or new is None:
            rows.append((f"{queue} queue", "none" if old is None else spec_text(old.get("hours")),
                         "none" if new is None else spec_text(new.get("hours"))))
            continue
        if old.get("hours") != new.get("hours"):
            rows.append((f"{queue} hours", spec_text(old.get("hours")), spec_text(new.get("hours"))))
        if old.get("languages") != new.get("languages"):
            rows.append((f"{queue} languages", _value(old.get("languages")) if old.get("languages") else "the line's",
                         _value(new.get("languages")) if new.get("languages") else "the line's"))
    old_closures, new_closures = before.get("closures") or [], after.get("closures") or []
    for closure in old_closures:
        if closure not in new_closures:
            rows.append(("closure removed", closure_text(closure), NONE))
    for closure in new_closures:
        if closure not in old_closures:
            rows.append(("closure added", NONE, closure_text(closure)))
    if before.get("emergency") != after.get("emergency"):
        rows.append(("emergency switch", emergency_text(before.get("emergency")), emergency_text(after.get("emergency"))))
    return rows


def _name(entry: object) -> str:
    return str(entry.get("name", "")) if isinstance(entry, dict) else str(entry)


def _value(value: object) -> str:
    if value is None:
        return NONE
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _date_text(text: str) -> str:
    try:
        return day_text(date.fromisoformat(text))
    except ValueError:
        return text


def _moment_text(text: str) -> str:
    if len(text) == 10:
        return _date_text(text)
    return f"{_date_text(text[:10])}, {text[11:]}" if len(text) > 10 else text


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
