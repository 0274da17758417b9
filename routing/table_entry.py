"""Read one entry of the country table into a Line, noting every problem.

A Line comes back even when fields are wrong (their bad parts left out), so the
table can still compare numbers across entries; it is used only if the whole
table turns out clean.
"""
from __future__ import annotations

import re
from difflib import get_close_matches
from functools import lru_cache
from typing import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from routing.hours_spec import HoursError, parse_hours, union
from routing.model import HIGHEST_SEVERITY, Line, Queue, QueueConfig, Severity, WeeklyHours

Error = tuple[str | None, str, str]
Add = Callable[[str, str], None]

_ENTRY_KEYS = ("name", "timezone", "numbers", "shared", "languages", "markets", "holidays", "queues")
_QUEUE_KEYS = ("hours", "languages")
_ID = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
_NANP = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])
_CLOSED = WeeklyHours((), ())


def read_line(line_id: object, data: object, errors: list[Error]) -> Line:
    """The entry `line_id` as a Line; each problem is appended to `errors`."""
    entry_id = str(line_id)

    def add(field: str, message: str) -> None:
        errors.append((entry_id, field, message))

    if not isinstance(line_id, str) or not _ID.fullmatch(line_id):
        add("", f"{line_id!r} is not a country code or a name of letters, digits, '_' and '-'")
    if not isinstance(data, dict):
        add("", "must be a mapping of fields")
        data = {}
    unknown_keys(data, _ENTRY_KEYS, "", add)
    name = _name(data.get("name"), add)
    timezone = _timezone(data.get("timezone"), add)
    country = entry_id if entry_id in phonenumbers.SUPPORTED_REGIONS else None
    if "markets" in data or not country:
        markets = _items(data.get("markets"), "markets", add, _market_problem)
    else:
        markets = (country,)
    holiday_country = _holiday_country(data.get("holidays", country), add)
    languages = _items(data.get("languages"), "languages", add, _language_problem)
    allowed = {code for code in (country or holiday_country, *markets) if code}
    numbers = _items(data.get("numbers"), "numbers", add, lambda number: _number_problem(number, allowed))
    shared = ()
    if "shared" in data:
        listed = data.get("numbers") if isinstance(data.get("numbers"), list) else []
        shared = _items(data["shared"], "shared", add, _member_of(listed, "this entry's numbers"))
    queues = _queues(data.get("queues"), languages, add)
    return Line(entry_id, name, timezone, numbers, languages, queues, markets, shared, holiday_country)


def unknown_keys(data: dict, allowed: tuple[str, ...], prefix: str, add: Add) -> None:
    """Report keys outside `allowed`: most are typos."""
    for key in data:
        if key not in allowed:
            close = get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            add(f"{prefix}.{key}" if prefix else str(key), f"unknown key; {hint}expected one of {', '.join(allowed)}")


def _items(value: object, field: str, add: Add, problem: Callable[[str], str | None]) -> tuple[str, ...]:
    """The good items of a non-empty list of distinct strings, each checked by `problem`."""
    if not isinstance(value, list) or not value:
        add(field, "is required" if value is None else "must be a non-empty list")
        return ()
    good = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            message = f"{item!r} must be a quoted string"
        else:
            message = f"{item} is listed twice" if item in value[:index] else problem(item)
        if message:
            add(f"{field}[{index}]", message)
        else:
            good.append(item)
    return tuple(good)


def _member_of(allowed: list | tuple, what: str) -> Callable[[str], str | None]:
    return lambda item: None if item in allowed else f"{item} is not in {what}"


def _name(value: object, add: Add) -> str:
    if isinstance(value, str) and value.strip():
        return value
    add("name", "is required" if value is None else "must be a non-empty string")
    return ""


def _timezone(value: object, add: Add) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        add("timezone", f"{value!r} is not an IANA time zone such as 'Europe/Stockholm'")
        return ""
    return value


def _holiday_country(value: object, add: Add) -> str | None:
    if value is None:
        add("holidays", "is required when the id is not a country code")
    elif not isinstance(value, str) or value not in _holiday_countries():
        add("holidays", f"{value!r} is not a country the holidays package has public holidays for")
    else:
        return value
    return None


@lru_cache(maxsize=1)
def _holiday_countries() -> frozenset[str]:
    return frozenset(holidays.list_supported_countries())


def _market_problem(code: str) -> str | None:
    return None if code in phonenumbers.SUPPORTED_REGIONS else f"{code} is not an ISO 3166 alpha-2 country code"


def _language_problem(tag: str) -> str | None:
    return None if _LANGUAGE.fullmatch(tag) else f"{tag} is not a language tag such as 'sv' or 'sv-SE'"


def _number_problem(number: str, allowed: set[str]) -> str | None:
    """Why `number` cannot be on an entry serving the `allowed` regions, if it cannot."""
    try:
        numobj = phonenumbers.parse(number, None)
    except NumberParseException:
        return f"{number} is not a valid phone number"
    if not phonenumbers.is_valid_number(numobj):
        return f"{number} is not a valid phone number"
    e164 = phonenumbers.format_number(numobj, PhoneNumberFormat.E164)
    if e164 != number:
        return f"{number} is not in E.164 form; write {e164}"
    region = phonenumbers.region_code_for_number(numobj)
    nanp_toll_free = numobj.country_code == 1 and phonenumbers.number_type(numobj) == PhoneNumberType.TOLL_FREE
    if region in allowed or (nanp_toll_free and allowed & _NANP):
        return None
    return f"{number} is a number in {region}, not in this entry's country or markets ({', '.join(sorted(allowed))})"


def _queues(value: object, languages: tuple[str, ...], add: Add) -> tuple[QueueConfig, ...]:
    if not isinstance(value, dict) or Queue.TECHNICAL.value not in value:
        add("queues", "must be a mapping of queues that includes technical")
    configs = []
    for name, data in (value.items() if isinstance(value, dict) else ()):
        field = f"queues.{name}"
        if name not in {queue.value for queue in Queue}:
            add(field, f"unknown queue; expected one of {', '.join(queue.value for queue in Queue)}")
        elif not isinstance(data, dict):
            add(field, "must be a mapping with hours")
        else:
            unknown_keys(data, _QUEUE_KEYS, field, add)
            queue = Queue(name)
            hours, severity_hours = _queue_hours(queue, data.get("hours"), f"{field}.hours", add)
            queue_languages = ()
            if "languages" in data:
                line_languages = _member_of(languages, f"the line's languages ({', '.join(languages)})")
                queue_languages = _items(data["languages"], f"{field}.languages", add, line_languages)
            configs.append(QueueConfig(queue, hours, severity_hours, queue_languages))
    return tuple(configs)


def _queue_hours(queue: Queue, value: object, field: str, add: Add) -> tuple[WeeklyHours, tuple[tuple[Severity, WeeklyHours], ...]]:
    """A queue's hours, and per severity when given as a severity -> spec mapping."""
    if not isinstance(value, dict):
        return _hours(value, field, add), ()
    expected = _severities(queue)
    if not expected:
        add(field, f"{queue.value} has no severities; give one hours value")
    elif sorted(map(str, value)) != expected:
        add(field, f"needs one hours value for each of the severities {', '.join(expected)}, got {', '.join(map(str, value)) or 'none'}")
    severity_hours = tuple((Severity(key), _hours(spec, f"{field}.{key}", add)) for key, spec in value.items() if key in expected)
    return union(*(hours for _, hours in severity_hours)), severity_hours


def _severities(queue: Queue) -> list[str]:
    """The severities a queue takes: its highest and every lower one."""
    if queue not in HIGHEST_SEVERITY:
        return []
    ranked = [severity.value for severity in Severity]
    return ranked[ranked.index(HIGHEST_SEVERITY[queue]):]


def _hours(spec: object, field: str, add: Add) -> WeeklyHours:
    if spec is None:
        add(field, "is required")
        return _CLOSED
    try:
        return parse_hours(spec)
    except HoursError as exc:
        add(field, str(exc))
        return _CLOSED
