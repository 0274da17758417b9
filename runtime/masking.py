"""What may appear in a log about a person: masked phone numbers, never whole ones."""
from __future__ import annotations

VISIBLE_HEAD = 5  # "+4670": country code and the start of the area code
VISIBLE_TAIL = 2


def mask_number(number: str | None) -> str:
    """`+46701234567` -> `+4670*****67`; anything short or odd is masked whole."""
    if not number:
        return "-"
    if len(number) <= VISIBLE_HEAD + VISIBLE_TAIL + 2:
        return "*" * len(number)
    hidden = len(number) - VISIBLE_HEAD - VISIBLE_TAIL
    return number[:VISIBLE_HEAD] + "*" * hidden + number[-VISIBLE_TAIL:]
