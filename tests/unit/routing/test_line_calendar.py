"""What shuts a line in the next 14 days, as the public page lists it: closures, the emergency switch, holidays."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

from routing.line_calendar import shut_ahead
from routing.model import Closure, Queue
from routing.table_closures import SWITCHED_ON

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=timezone.utc)  # Sunday 20 December, 10:00 in Stockholm


def test_a_yearly_closure_across_the_new_year_is_listed_in_this_years_occurrence(table):
    """30 Dec - 2 Jan every year (written for 2020): this year's from 30 December 2026 to 2 January 2027."""
    sweden = replace(table.line("SE"), closures=(
        Closure(datetime(2020, 12, 30), datetime(2020, 1, 2), yearly=True, queues=frozenset({Queue.BILLING})),))
    shut = [s for s in shut_ahead(sweden, NOW) if not s.holiday]
    assert [(s.start, s.end, s.queues) for s in shut] == [
        (datetime(2026, 12, 30), datetime(2027, 1, 2), (Queue.BILLING,))]


def test_closures_ended_or_beyond_the_horizon_are_left_out_and_one_under_way_is_kept(table):
    """Ended yesterday: out; started last week and still on: in; starting in 15 days: out."""
    uk = replace(table.line("GB"), closures=(
        Closure(datetime(2026, 12, 18), datetime(2026, 12, 19, 9)),
        Closure(datetime(2026, 12, 14), datetime(2026, 12, 21, 12), messages=(("en", "Office move"),)),
        Closure(datetime(2027, 1, 4, 9), datetime(2027, 1, 4, 17))))
    shut = [s for s in shut_ahead(uk, NOW) if not s.holiday]
    assert [(s.start, s.message("sv")) for s in shut] == [(datetime(2026, 12, 14), "Office move")]
    assert shut[0].queues == (Queue.TECHNICAL, Queue.BILLING, Queue.PRESALES)


def test_the_emergency_switch_is_listed_with_no_end(table):
    """Switched on (from the start of time, no end): one span, open-ended, its message kept."""
    uk = replace(table.line("GB"), closures=(Closure(SWITCHED_ON, None, "emergency", messages=(("en", "Down"),)),))
    shut = [s for s in shut_ahead(uk, NOW) if not s.holiday]
    assert [(s.end, s.message("en")) for s in shut] == [(None, "Down")]


def test_public_holidays_close_billing_and_sales_only_and_are_named_in_the_language_asked(table):
    """Swedish Christmas and Boxing Day (and New Year's Day, 12 days out) in Swedish; technical stays open."""
    holidays = [s for s in shut_ahead(table.line("SE"), NOW, holiday_language="sv") if s.holiday]
    assert [(s.start.date().isoformat(), s.holiday) for s in holidays] == [
        ("2026-12-25", "Juldagen"), ("2026-12-26", "Annandag jul"), ("2027-01-01", "Nyårsdagen")]
    assert {s.queues for s in holidays} == {(Queue.BILLING, Queue.PRESALES)}
