"""The first response a caller is promised, by severity and plan (the policy's table).

Answers are keys into the prompt catalogues' `response_times`, so every
language says them its own way.
"""
from __future__ import annotations

from routing.model import Severity

ELEVATED = "elevated"
VIANET_LINE = "CN"  # 21Vianet's own commitments

_STANDARD = {Severity.A: "hour_1", Severity.B: "hours_8", Severity.C: "any_time"}
_ELEVATED = {Severity.A: "hour_1", Severity.B: "hours_2", Severity.C: "hours_4"}
_VIANET = {Severity.A: "hour_1", Severity.B: "business_day_1", Severity.C: "business_days_3"}


def first_response(severity: Severity | None, plan: str, line_id: str) -> str:
    """The catalogue key for the promised first response (B when no severity was given)."""
    severity = severity or Severity.B
    if line_id == VIANET_LINE:
        return _VIANET[severity]
    return (_ELEVATED if plan == ELEVATED else _STANDARD)[severity]
