"""The wallboard's figures, from the counters the router keeps per queue per day: pure arithmetic.

Definitions (README, "The wallboard"):
- service level = callers answered within the threshold / (callers answered + callers who hung up
  after waiting longer than the threshold). A caller who gives up sooner than the threshold is left
  out of both sides (a short abandon: often a wrong number, and no agent could have taken them in
  time); a day with neither answered nor late-abandoned callers has no service level (None), not 100 %.
- average wait = total wait of answered callers / answered callers (abandoned callers' waits are
  averaged separately); average handle time = total talk time / calls whose talk ended.
- waiting at a minute = callers in the queue at the end of that minute, worked back from the number
  waiting now and every join (+1) and leave (-1) recorded in each minute since.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

# Upper bounds (seconds, inclusive) of the wait-time distribution's buckets; one more bucket holds the rest.
WAIT_BUCKETS = (15, 30, 60, 120, 300, 600)
COUNTERS = ("offered", "answered", "answered_within", "wait_sum", "abandoned", "abandoned_after",
            "abandoned_wait_sum", "handled", "handle_sum", "transferred", "callbacks_requested",
            "callbacks_dialled")
HOUR_COUNTERS = ("answered", "within", "abandoned", "abandoned_after")


def bucket_of(seconds: float) -> int:
    """The index of the distribution's bucket for a wait: the first whose bound it does not exceed."""
    for index, bound in enumerate(WAIT_BUCKETS):
        if seconds <= bound:
            return index
    return len(WAIT_BUCKETS)


def bucket_labels() -> list[str]:
    """"0-15 s", "16-30 s", ..., "over 10 min": one per bucket."""
    labels, low = [], 0
    for bound in WAIT_BUCKETS:
        labels.append(f"{_short(low)}–{_short(bound)}")
        low = bound
    labels.append(f"over {_short(low)}")
    return labels


def _short(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


def service_level(answered_within: int, answered: int, abandoned_after: int) -> float | None:
    """Share (0..1) of the callers who counted that were answered within the threshold; None if none counted."""
    counted = answered + abandoned_after
    if counted <= 0:
        return None
    return min(max(answered_within, 0), answered) / counted


def average(total: float, count: int) -> float | None:
    return total / count if count > 0 else None


@dataclass(frozen=True)
class HourCounts:
    answered: int = 0
    within: int = 0
    abandoned: int = 0
    abandoned_after: int = 0

    @property
    def service_level(self) -> float | None:
        return service_level(self.within, self.answered, self.abandoned_after)


@dataclass(frozen=True)
class QueueDay:
    """One queue's counters for one day (every field 0 when nothing happened)."""

    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    wait_sum: float = 0.0
    abandoned: int = 0
    abandoned_after: int = 0
    abandoned_wait_sum: float = 0.0
    handled: int = 0
    handle_sum: float = 0.0
    transferred: int = 0
    callbacks_requested: int = 0
    callbacks_dialled: int = 0
    waits: tuple[int, ...] = (0,) * (len(WAIT_BUCKETS) + 1)  # answered callers by wait bucket
    abandons: tuple[int, ...] = (0,) * (len(WAIT_BUCKETS) + 1)  # abandoned callers by wait bucket
    hours: Mapping[int, HourCounts] = field(default_factory=dict)

    @property
    def service_level(self) -> float | None:
        return service_level(self.answered_within, self.answered, self.abandoned_after)

    @property
    def average_wait(self) -> float | None:
        return average(self.wait_sum, self.answered)

    @property
    def average_abandoned_wait(self) -> float | None:
        return average(self.abandoned_wait_sum, self.abandoned)

    @property
    def average_handle(self) -> float | None:
        return average(self.handle_sum, self.handled)


def parse_day(fields: Mapping[str, str]) -> dict[str, QueueDay]:
    """The day hash (`<queue key>|<counter>`, `<queue key>|w<bucket>`, `<queue key>|a<bucket>`,
    `<queue key>|h<hour>|<counter>`) as a `QueueDay` per queue key; a field it does not know is passed over."""
    raw: dict[str, dict[str, float]] = {}
    for name, text in fields.items():
        key, _, counter = name.partition("|")
        if not key or not counter:
            continue
        try:
            value = float(text)
        except ValueError:
            continue
        raw.setdefault(key, {})[counter] = value
    return {key: _queue_day(counters) for key, counters in raw.items()}


def _queue_day(counters: dict[str, float]) -> QueueDay:
    values = {name: (counters.get(name, 0.0) if name.endswith("_sum") else int(counters.get(name, 0)))
              for name in COUNTERS}
    buckets = range(len(WAIT_BUCKETS) + 1)
    hours = {}
    for hour in range(24):
        found = {name: int(counters.get(f"h{hour:02d}|{name}", 0)) for name in HOUR_COUNTERS}
        if any(found.values()):
            hours[hour] = HourCounts(**found)
    return QueueDay(**values, waits=tuple(int(counters.get(f"w{i}", 0)) for i in buckets),
                    abandons=tuple(int(counters.get(f"a{i}", 0)) for i in buckets), hours=hours)


def combined(days: Iterable[QueueDay]) -> QueueDay:
    """Several queues' (or days') counters added up: the board's "all queues" row."""
    days = list(days)
    values = {name: sum(getattr(day, name) for day in days) for name in COUNTERS}
    width = len(WAIT_BUCKETS) + 1
    hours: dict[int, HourCounts] = {}
    for day in days:
        for hour, counts in day.hours.items():
            before = hours.get(hour, HourCounts())
            hours[hour] = HourCounts(*(getattr(before, n) + getattr(counts, n) for n in HOUR_COUNTERS))
    return QueueDay(**values, waits=tuple(sum(day.waits[i] for day in days) for i in range(width)),
                    abandons=tuple(sum(day.abandons[i] for day in days) for i in range(width)), hours=hours)


def waiting_series(now_waiting: int, moves: Mapping[int, int], first_minute: int, last_minute: int) -> list[int]:
    """Callers waiting at the end of each minute from `first_minute` to `last_minute` (epoch minutes, the
    last being the current one), worked back from `now_waiting`: at the end of minute m, the callers there
    now less the joins and plus the leaves of every later minute. Never below zero (a leave whose join
    was before the records began)."""
    if last_minute < first_minute:
        return []
    series = [0] * (last_minute - first_minute + 1)
    count = now_waiting
    later = sorted((minute for minute in moves if minute > first_minute), reverse=True)
    index = 0
    for minute in range(last_minute, first_minute - 1, -1):
        while index < len(later) and later[index] > minute:
            if later[index] <= last_minute:
                count -= moves[later[index]]
            index += 1
        series[minute - first_minute] = max(count, 0)
    return series


def peak(series: Iterable[int]) -> int:
    return max(series, default=0)


def level(share: float | None, target: float) -> str:
    """How a service level stands against its target: "good" (at or above it), "warn" (below it, but at
    least two thirds of it), "bad" (below that), or "none" (no service level yet)."""
    if share is None:
        return "none"
    if share >= target:
        return "good"
    return "warn" if share >= target * 2 / 3 else "bad"


LEVEL_WORDS = {"good": "on target", "warn": "below target", "bad": "far below target", "none": "no calls yet"}


def duration(seconds: float | None) -> str:
    """"45 s", "2 min 5 s", "1 h 3 min"; "–" for none."""
    if seconds is None:
        return "–"
    whole = int(round(seconds))
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f} %"
