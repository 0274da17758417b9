"""Which line a call reached, from the To and From numbers Twilio sends.

Both come straight off the wire (empty, "anonymous", "client:alice", junk), so
nothing here raises: an unknown number reaches the default line, and an
unknown caller simply has no country.
"""
from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

from routing.model import LineMatch, Table


def line_for(table: Table, dialed: str | None, caller: str | None) -> LineMatch:
    """The line reached by dialling `dialed` from `caller`.

    On a shared number, the line serving the caller's country wins; failing that,
    the line serving the most markets (the first in the table on a tie).
    """
    caller_numobj = _parse(caller)
    caller_country = None
    if caller_numobj is not None and phonenumbers.is_valid_number(caller_numobj):
        region = phonenumbers.region_code_for_number(caller_numobj)
        caller_country = region if region in phonenumbers.SUPPORTED_REGIONS else None
    dialed_numobj = _parse(dialed)
    number = phonenumbers.format_number(dialed_numobj, PhoneNumberFormat.E164) if dialed_numobj else dialed
    candidates = [line for line in table.lines if number in line.numbers]
    if not candidates:
        return LineMatch(table.line(table.default_line), caller_country, dialed_known=False)
    serving = [line for line in candidates if caller_country in line.markets]
    line = serving[0] if serving else max(candidates, key=lambda candidate: len(candidate.markets))
    return LineMatch(line, caller_country)


def _parse(text: str | None) -> PhoneNumber | None:
    """`text` as a number given in international form, or None."""
    if not isinstance(text, str):
        return None
    try:
        return phonenumbers.parse(text, None)
    except NumberParseException:
        return None
