import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.hours_spec import HoursError, parse_hours, union, weekly_ranges
from routing.model import Interval, WeeklyHours

NINE, FIVE = 9 * 60, 17 * 60


def test_24x7_is_every_day_from_midnight_to_midnight():
    """`24x7` opens each weekday from 00:00 to 24:00."""
    hours = parse_hours("24x7")
    assert hours.intervals == tuple(Interval(day, 0, 1440) for day in range(7))
    assert hours.always_open


@pytest.mark.parametrize(("spec", "days"), [
    ("Mon-Fri 09:00-17:00", [0, 1, 2, 3, 4]),
    ("Sat 09:00-17:00", [5]),
    ("Mon,Wed,Fri 09:00-17:00", [0, 2, 4]),
    ("Fri-Mon 09:00-17:00", [0, 4, 5, 6]),
    ("Mon-Tue,Sun 09:00-17:00", [0, 1, 6]),
    ("Wed-Wed 09:00-17:00", [2]),
])
def test_a_range_opens_each_of_its_days(spec, days):
    """Single days, comma lists and day ranges (which may wrap the week) all expand to weekdays."""
    assert parse_hours(spec).intervals == tuple(Interval(day, NINE, FIVE) for day in days)


def test_a_range_may_run_to_midnight_and_from_midnight():
    """00:00 starts a day and 24:00 ends it."""
    assert parse_hours("Mon-Sun 09:00-24:00").intervals[0] == Interval(0, NINE, 1440)
    assert parse_hours("Sun 00:00-06:00").intervals == (Interval(6, 0, 360),)


def test_a_list_combines_its_ranges_and_keeps_the_admins_words():
    """A list of ranges gives sorted intervals, and `spec` keeps the given strings."""
    hours = parse_hours(["Sat 10:00-14:00", "Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"])
    assert hours.spec == ("Sat 10:00-14:00", "Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00")
    assert hours.intervals == tuple(sorted(hours.intervals))
    assert Interval(5, 600, 840) in hours.intervals and len(hours.intervals) == 11


def test_a_single_string_spec_is_kept_as_a_one_item_tuple():
    """`spec` is always a tuple of the given strings."""
    assert parse_hours("Mon-Fri 09:00-17:00").spec == ("Mon-Fri 09:00-17:00",)


def test_ranges_that_touch_do_not_overlap():
    """One range may end at the minute the next begins."""
    hours = parse_hours(["Mon 09:00-12:00", "Mon 12:00-17:00"])
    assert hours.intervals == (Interval(0, NINE, 720), Interval(0, 720, FIVE))


@pytest.mark.parametrize(("spec", "message"), [
    ("Mon-Fri 22:00-06:00", "end 06:00 is not after start 22:00; write an overnight range as two ranges"),
    ("Mon 09:00-09:00", "'Mon 09:00-09:00': end 09:00 is not after start 09:00"),
    ("Mo-Fr 09:00-17:00", "'Mo' is not a day"),
    ("mon 09:00-17:00", "'mon' is not a day"),
    ("Mon- 09:00-17:00", "'' is not a day"),
    ("Mon 9:00-17:00", "'9:00' is not a time"),
    ("Mon 09:00-24:30", "'24:30' is not a time"),
    ("Mon 09:00-25:00", "'25:00' is not a time"),
    ("Mon 09:60-17:00", "'09:60' is not a time"),
    ("Mon 09:00", "'' is not a time"),
    ("Mon-Fri", "is not '24x7' or days and times"),
    ("Mon-Fri 09:00 - 17:00", "is not '24x7' or days and times"),
    ("", "is not '24x7' or days and times"),
    ("24/7", "is not '24x7' or days and times"),
    (["Mon-Fri 09:00-17:00", "Fri 16:00-18:00"], "'Mon-Fri 09:00-17:00' and 'Fri 16:00-18:00' overlap on Fri"),
    (["24x7", "Sat 10:00-14:00"], "'24x7' and 'Sat 10:00-14:00' overlap on Sat"),
    ("Mon,Mon 09:00-10:00", "'Mon,Mon 09:00-10:00' names Mon twice"),
    ([], "expected a range"),
    (None, "expected a range"),
    (900, "expected a range"),
    (["Mon-Fri 09:00-17:00", 5], "got 5"),
])
def test_a_bad_spec_is_refused_naming_the_bad_part(spec, message):
    """Each malformed spec raises HoursError whose message points at the problem."""
    with pytest.raises(HoursError) as caught:
        parse_hours(spec)
    assert message in str(caught.value)


def test_hours_error_is_a_value_error():
    """Callers that catch ValueError also catch bad hours."""
    assert issubclass(HoursError, ValueError)


def test_union_merges_overlapping_and_touching_intervals():
    """The union of two specs opens when either does, as one interval per stretch."""
    merged = union(parse_hours("Mon-Fri 09:00-12:00"), parse_hours(["Mon 11:00-13:00", "Tue 12:00-14:00"]))
    assert merged.intervals == (
        Interval(0, NINE, 780), Interval(1, NINE, 840),
        Interval(2, NINE, 720), Interval(3, NINE, 720), Interval(4, NINE, 720),
    )


def test_union_with_24x7_is_24x7():
    """Round-the-clock hours absorb any others, and the spec says so."""
    merged = union(parse_hours("24x7"), parse_hours("Mon-Sun 09:00-24:00"))
    assert merged.always_open and merged.spec == ("24x7",)


def test_union_of_nothing_is_never_open():
    """With no hours to merge there are no intervals."""
    assert union() == WeeklyHours((), ())


def test_union_spec_describes_the_merged_hours():
    """The union's spec is rewritten to match its intervals."""
    merged = union(parse_hours("Mon-Fri 09:00-17:00"), parse_hours("Sat 10:00-14:00"))
    assert merged.spec == ("Mon-Fri 09:00-17:00", "Sat 10:00-14:00")


@pytest.mark.parametrize(("spec", "ranges"), [
    ("24x7", [(0, 6, 0, 1440)]),
    ("Mon-Fri 09:00-17:00", [(0, 4, NINE, FIVE)]),
    ("Mon-Sun 09:00-24:00", [(0, 6, NINE, 1440)]),
    (["Mon-Fri 09:00-17:00", "Sat 10:00-14:00"], [(0, 4, NINE, FIVE), (5, 5, 600, 840)]),
    ("Mon,Wed,Fri 08:00-12:00", [(0, 0, 480, 720), (2, 2, 480, 720), (4, 4, 480, 720)]),
    ("Fri-Mon 10:00-14:00", [(4, 0, 600, 840)]),
    (["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"], [(0, 4, NINE, 720), (0, 4, 780, FIVE)]),
    (["Mon-Tue 09:00-17:00", "Wed 09:00-12:00", "Thu-Fri 09:00-17:00"],
     [(0, 1, NINE, FIVE), (2, 2, NINE, 720), (3, 4, NINE, FIVE)]),
])
def test_weekly_ranges_group_consecutive_days_with_the_same_hours(spec, ranges):
    """Days in a row sharing their hours become one group, wrapping past Sunday when needed."""
    assert weekly_ranges(parse_hours(spec)) == ranges


def test_weekly_ranges_of_closed_hours_are_empty():
    """Hours that never open have nothing to say."""
    assert weekly_ranges(WeeklyHours((), ())) == []


intervals = st.builds(
    lambda day, start, length: Interval(day, start, min(start + length, 1440)),
    st.integers(0, 6), st.integers(0, 1439), st.integers(1, 1440),
)


@given(st.lists(intervals, min_size=1, max_size=12))
def test_union_spec_reads_back_as_the_same_hours(parts):
    """Whatever intervals are merged, parsing the union's spec gives the union's intervals."""
    merged = union(WeeklyHours((), tuple(parts)))
    assert parse_hours(list(merged.spec)).intervals == merged.intervals
