"""Phone numbers, parsed once where they enter the router, by one rule.

A number counts when phonenumbers calls it valid (`is_valid_number`): callers'
numbers, directory records, keyed callback numbers and the table's own numbers
alike. Inside the router a number travels as `PhoneNumber` (E.164 and the
country it belongs to).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat


@dataclass(frozen=True)
class PhoneNumber:
    e164: str
    region: str  # ISO 3166 country of the number; "" for a non-geographic one

    def last_digits(self, count: int = 4) -> str:
        return self.e164[-count:]


def parse_number(text: object, region: str | None = None) -> PhoneNumber | None:
    """`text` as a valid number (international form, or national form in `region`); None otherwise.

    Takes whatever came off the wire (empty, "anonymous", "client:alice", junk) without raising.
    """
    if not isinstance(text, str) or not text or len(text) > 64:
        return None
    return _parse(text, region if isinstance(region, str) and len(region) == 2 else None)


@lru_cache(maxsize=4096)
def _parse(text: str, region: str | None) -> PhoneNumber | None:
    """Parsing is a pure function of its text and ~50 µs of phonenumbers' work: a call's webhooks all
    carry the same From and To, so each process parses them once (the cache keeps the newest 4,096)."""
    try:
        numobj = phonenumbers.parse(text, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(numobj):
        return None
    country = phonenumbers.region_code_for_number(numobj) or ""
    return PhoneNumber(phonenumbers.format_number(numobj, PhoneNumberFormat.E164),
                       country if country in phonenumbers.SUPPORTED_REGIONS else "")


def keyed_number(digits: str, region: str) -> PhoneNumber | None:
    """A number keyed on the phone: national form read in `region`, or with its country code after 00."""
    if not digits.isdigit():
        return None
    return parse_number("+" + digits[2:] if digits.startswith("00") else digits, region)


def valid_e164(text: object) -> str | None:
    """`+46 70 123 45 67` -> `+46701234567`; None for anything not a valid international number."""
    number = parse_number(text)
    return number.e164 if number else None


def caller_e164(raw: str) -> str:
    """The caller's number as Twilio sent it, in E.164; "" when withheld ("anonymous") or not a number."""
    number = parse_number(raw)
    return number.e164 if number else ""


def formats(e164: str) -> dict[str, str]:
    """How a number is written: as dialled from abroad and inside its own country."""
    numobj = phonenumbers.parse(e164, None)
    return {
        "e164": e164,
        "international": phonenumbers.format_number(numobj, PhoneNumberFormat.INTERNATIONAL),
        "national": phonenumbers.format_number(numobj, PhoneNumberFormat.NATIONAL),
    }
