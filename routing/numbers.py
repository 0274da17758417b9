"""Phone numbers as the directory records take them: international form, valid, E.164 out."""
from __future__ import annotations

import phonenumbers


def caller_e164(raw: str) -> str:
    """The caller's number as Twilio sent it, in E.164; "" when withheld ("anonymous") or not a number."""
    try:
        numobj = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(numobj):
        return ""
    return phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164)


def valid_e164(text: object) -> str | None:
    """`+46 70 123 45 67` -> `+46701234567`; None for anything not a valid international number."""
    if not isinstance(text, str):
        return None
    try:
        numobj = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(numobj):
        return None
    return phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164)
