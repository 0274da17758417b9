"""Which line a call reached, from the To and From numbers Twilio sends.

Both come straight off the wire (empty, "anonymous", "client:alice", junk), so
nothing here raises: an unknown number reaches the default line, and an
unknown caller simply has no country.
"""
from __future__ import annotations

from routing.model import LineMatch, Table
from routing.numbers import PhoneNumber, parse_number


def line_for(table: Table, dialed: str | None, caller: PhoneNumber | None) -> LineMatch:
    """The line reached by dialling `dialed` (as Twilio sent it) from `caller` (parsed where it came in).

    On a shared number, the line serving the caller's country wins; failing that,
    the line serving the most markets (the first in the table on a tie).
    """
    caller_country = (caller.region or None) if caller else None
    dialed_number = parse_number(dialed)
    number = dialed_number.e164 if dialed_number else dialed
    candidates = [line for line in table.lines if number in line.numbers]
    if not candidates:
        return LineMatch(table.line(table.default_line), caller_country, dialed_known=False)
    serving = [line for line in candidates if caller_country in line.markets]
    line = serving[0] if serving else max(candidates, key=lambda candidate: len(candidate.markets))
    return LineMatch(line, caller_country)

