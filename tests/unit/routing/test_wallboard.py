"""The wallboard's arithmetic (routing/wallboard.py): service level, averages, the wait buckets, the day
hash's parsing and the callers-waiting series worked back from joins and leaves, against simple models."""
from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from routing.wallboard import (
    WAIT_BUCKETS,
    HourCounts,
    QueueDay,
    average,
    bucket_labels,
    bucket_of,
    combined,
    duration,
    level,
    parse_day,
    percent,
    service_level,
    waiting_series,
)

counts = st.integers(min_value=0, max_value=10_000)


@given(within=counts, answered=counts, late=counts)
def test_service_level_is_a_share_of_answered_and_late_abandoned_callers(within, answered, late):
    """Between 0 and 1; None only when nobody counted; 1 when everyone counted was answered in time."""
    within = min(within, answered)
    share = service_level(within, answered, late)
    if answered + late == 0:
        assert share is None
    else:
        assert 0 <= share <= 1
        assert share == pytest.approx(within / (answered + late))
        assert (share == 1) == (within == answered and late == 0)


@given(answered=st.integers(min_value=1, max_value=1000), late=counts)
def test_more_late_abandons_never_raise_the_service_level(answered, late):
    assert service_level(answered, answered, late + 1) < service_level(answered, answered, late)


def test_short_abandons_do_not_count_against_the_service_level():
    """3 answered in time, 2 late abandons: 60 %, whatever the short abandons."""
    day = parse_day({"q|answered": "3", "q|answered_within": "3", "q|abandoned": "9", "q|abandoned_after": "2"})["q"]
    assert day.service_level == pytest.approx(0.6)


@given(st.lists(st.floats(min_value=0, max_value=7200, allow_nan=False), min_size=1, max_size=50))
def test_the_average_is_the_mean(values):
    assert average(sum(values), len(values)) == pytest.approx(sum(values) / len(values))


def test_an_average_of_nothing_is_none():
    assert average(0.0, 0) is None


@given(st.floats(min_value=0, max_value=100_000, allow_nan=False))
def test_a_wait_falls_in_the_first_bucket_whose_bound_it_does_not_exceed(seconds):
    index = bucket_of(seconds)
    bounds = (0, *WAIT_BUCKETS, float("inf"))
    assert bounds[index] < seconds <= bounds[index + 1] or (seconds == 0 and index == 0)


def test_the_buckets_are_labelled_by_their_bounds():
    assert bucket_labels() == ["0 s–15 s", "15 s–30 s", "30 s–1 min", "1 min–2 min", "2 min–5 min", "5 min–10 min",
                               "over 10 min"]
    assert bucket_of(60) == 2 and bucket_of(60.5) == 3


def test_the_day_hash_parses_per_queue_with_buckets_and_hours():
    day = parse_day({"SE/technical.sv.A|offered": "4", "SE/technical.sv.A|answered": "2",
                     "SE/technical.sv.A|wait_sum": "110.5", "SE/technical.sv.A|w1": "1", "SE/technical.sv.A|a6": "2",
                     "SE/technical.sv.A|h09|answered": "2", "SE/technical.sv.A|h09|within": "1",
                     "GB/billing.en.B|abandoned": "1", "junk": "1", "x|offered": "not a number"})
    assert set(day) == {"SE/technical.sv.A", "GB/billing.en.B"}  # a field without a queue, or a number, is passed over
    se = day["SE/technical.sv.A"]
    assert (se.offered, se.answered, se.wait_sum, se.average_wait) == (4, 2, 110.5, 55.25)
    assert se.waits == (0, 1, 0, 0, 0, 0, 0) and se.abandons == (0, 0, 0, 0, 0, 0, 2)
    assert se.hours == {9: HourCounts(answered=2, within=1)} and se.hours[9].service_level == 0.5
    assert day["GB/billing.en.B"] == QueueDay(abandoned=1)


hour_counts = st.builds(HourCounts, counts, counts, counts, counts)
queue_days = st.builds(QueueDay, offered=counts, answered=counts, answered_within=counts, abandoned=counts,
                       abandoned_after=counts, handled=counts,
                       waits=st.tuples(*[counts] * (len(WAIT_BUCKETS) + 1)),
                       abandons=st.tuples(*[counts] * (len(WAIT_BUCKETS) + 1)),
                       hours=st.dictionaries(st.integers(0, 23), hour_counts, max_size=5))


@given(st.lists(queue_days, max_size=6))
def test_combined_adds_every_counter_bucket_and_hour(days):
    total = combined(days)
    assert total.answered == sum(day.answered for day in days)
    assert total.abandoned_after == sum(day.abandoned_after for day in days)
    assert list(total.waits) == [sum(day.waits[i] for day in days) for i in range(len(WAIT_BUCKETS) + 1)]
    for hour in range(24):
        assert total.hours.get(hour, HourCounts()).answered == sum(day.hours.get(hour, HourCounts()).answered for day in days)


# A queue's history: callers joining (+1) and leaving (-1) minute by minute, never fewer than nobody.
@st.composite
def histories(draw):
    start_waiting = draw(st.integers(0, 5))
    steps = draw(st.lists(st.lists(st.sampled_from([1, -1]), max_size=4), min_size=1, max_size=90))
    counts_at, moves, count = [], {}, start_waiting
    for minute, changes in enumerate(steps):
        for change in changes:
            if count + change >= 0:
                count += change
                moves[minute] = moves.get(minute, 0) + change
        counts_at.append(count)
    return start_waiting, moves, counts_at


@given(histories(), st.data())
def test_the_waiting_series_worked_back_from_now_is_the_history_played_forward(history, data):
    """Any window ending now: each minute's figure is what the queue held at the end of that minute."""
    _, moves, counts_at = history
    last = len(counts_at) - 1
    first = data.draw(st.integers(0, last))
    assert waiting_series(counts_at[-1], moves, first, last) == counts_at[first:]


@given(histories())
def test_the_series_has_one_figure_per_minute_and_ends_at_the_number_waiting_now(history):
    _, moves, counts_at = history
    series = waiting_series(counts_at[-1], moves, 0, len(counts_at) - 1)
    assert len(series) == len(counts_at) and series[-1] == counts_at[-1]


def test_a_caller_who_left_in_the_window_was_waiting_before_it():
    assert waiting_series(0, {5: -1}, 0, 5) == [1, 1, 1, 1, 1, 0]


def test_records_that_disagree_with_the_number_waiting_now_never_go_below_zero():
    """A join recorded for a caller whose place was lost (nobody waits now): no minute shows -1."""
    assert waiting_series(0, {5: 1}, 0, 5) == [0, 0, 0, 0, 0, 0]


@given(share=st.floats(min_value=0, max_value=1), target=st.floats(min_value=0.05, max_value=1))
def test_the_level_is_good_at_or_above_target_warn_to_two_thirds_and_bad_below(share, target):
    assume(abs(share - target) > 1e-9 and abs(share - target * 2 / 3) > 1e-9)
    expected = "good" if share > target else "warn" if share > target * 2 / 3 else "bad"
    assert level(share, target) == expected


def test_no_service_level_is_its_own_level():
    assert level(None, 0.8) == "none"


@pytest.mark.parametrize(("seconds", "said"), [(None, "–"), (0, "0 s"), (59.4, "59 s"), (60, "1 min"), (90, "1 min 30 s"),
                                               (3600, "1 h"), (3720, "1 h 2 min")])
def test_durations_read_as_people_say_them(seconds, said):
    assert duration(seconds) == said


def test_percentages_are_whole():
    assert (percent(1 / 3), percent(None), percent(1.0)) == ("33 %", "–", "100 %")
