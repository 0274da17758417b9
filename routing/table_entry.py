"""Read one entry of the country table into a Line, noting every problem.

A Line comes back even when fields are wrong, so the table can still compare
numbers across entries; it is used only if the whole table turns out clean.
"""
from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType

from routing.model import Line
from routing.table_closures import read_closures, read_emergency
from routing.table_fields import Add, Error, member_of, string_items, unknown_keys
from routing.table_queues import read_queues

_ENTRY_KEYS = ("name", "timezone", "numbers", "shared", "languages", "markets", "holidays", "queues", "closures", "emergency")
_ID = re.compile(r"[A-Za-z0-9_-]+")
_LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")
_NANP = frozenset(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[1])


def read_line(line_id: object, data: object, errors: list[Error]) -> Line:
    """The entry `line_id` as a Line; each problem is appended to `errors`."""
    entry_id = str(line_id)

    def add(field: str, message: str) -> None:
        errors.append((entry_id, field, message))

    if not isinstance(line_id, str) or not _ID.fullmatch(line_id):
        add("", f"{line_id!r} is not a country code or a name of letters, digits, '_' and '-'")
    if not isinstance(data, dict):
        add("", "must be a mapping of fields")
        return Line(entry_id, "", "", (), (), ())
    unknown_keys(data, _ENTRY_KEYS, "", add)
    name = _name(data.get("name"), add)
    timezone = _timezone(data.get("timezone"), add)
    country = entry_id if entry_id in phonenumbers.SUPPORTED_REGIONS else None
    if "markets" in data or not country:
        markets = string_items(data.get("markets"), "markets", add, _market_problem)
    else:
        markets = (country,)
    holiday_country = _holiday_country(data.get("holidays", country), add)
    languages = string_items(data.get("languages"), "languages", add, _language_problem)
    home = country or holiday_country
    regions = {home, *markets} if home else None
    numbers = string_items(data.get("numbers"), "numbers", add, lambda number: _number_problem(number, regions))
    shared = ()
    if "shared" in data:
        shared = string_items(data["shared"], "shared", add, member_of(numbers, "this entry's numbers"))
    queues = read_queues(data.get("queues"), languages, add)
    closures = read_closures(data.get("closures"), add) + read_emergency(data.get("emergency"), add)
    return Line(entry_id, name, timezone, numbers, languages, queues, markets, shared, holiday_country, closures)


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
    """Building the list takes milliseconds; a table asks once per entry."""
    return frozenset(holidays.list_supported_countries())


def _market_problem(code: str) -> str | None:
    return None if code in phonenumbers.SUPPORTED_REGIONS else f"{code} is not an ISO 3166 alpha-2 country code"


def _language_problem(tag: str) -> str | None:
    return None if _LANGUAGE.fullmatch(tag) else f"{tag} is not a language tag such as 'sv' or 'sv-SE'"


def _number_problem(number: str, regions: set[str] | None) -> str | None:
    """Why `number` cannot be on an entry for `regions` (None: unknown, as the entry is wrong)."""
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
    # NANP toll-free numbers belong to no one country: phonenumbers says US even for Canada's.
    nanp_toll_free = numobj.country_code == 1 and phonenumbers.number_type(numobj) == PhoneNumberType.TOLL_FREE
    if regions is None or region in regions or (nanp_toll_free and regions & _NANP):
        return None
    return f"{number} is a number in {region}, not in this entry's country or markets ({', '.join(sorted(regions))})"
