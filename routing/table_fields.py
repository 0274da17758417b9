"""The checks every part of the country table shares: unknown keys and lists of
strings, each problem reported as (field, message) and never raised, so that
one pass finds them all."""
from __future__ import annotations

from difflib import get_close_matches
from typing import Callable

Error = tuple[str | None, str, str]
Add = Callable[[str, str], None]
Problem = Callable[[str], str | None]


def unknown_keys(data: dict, allowed: tuple[str, ...], prefix: str, add: Add) -> None:
    """Report keys outside `allowed`: most are typos."""
    for key in data:
        if key not in allowed:
            close = get_close_matches(str(key), allowed, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            add(f"{prefix}.{key}" if prefix else str(key), f"unknown key; {hint}expected one of {', '.join(allowed)}")


def string_items(value: object, field: str, add: Add, problem: Problem) -> tuple[str, ...]:
    """The strings of what should be a non-empty list of distinct strings, each checked by `problem`.

    A string with a problem is kept, so that checks built on this list do not
    report the same mistake again.
    """
    if not isinstance(value, list) or not value:
        add(field, "is required" if value is None else "must be a non-empty list")
        return ()
    strings = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            add(f"{field}[{index}]", f"{item!r} must be a quoted string")
            continue
        message = f"{item} is listed twice" if item in strings else problem(item)
        if message:
            add(f"{field}[{index}]", message)
        strings.append(item)
    return tuple(strings)


def member_of(allowed: tuple[str, ...], what: str) -> Problem:
    """A check that an item is one of `allowed`, described as `what`."""
    return lambda item: None if item in allowed else f"{item} is not in {what}"
