"""The wallboard's SVG charts' geometry (agents/wallboard_charts.py): everything inside the plot, heights
proportional to the figures, service level bars coloured by level with the words, the target line."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from agents.wallboard_charts import distribution_chart, service_level_chart, waiting_chart
from routing.wallboard import WAIT_BUCKETS, HourCounts

UTC = ZoneInfo("UTC")
FIRST = int(datetime(2026, 11, 24, tzinfo=timezone.utc).timestamp() // 60)  # the series' first minute: midnight


@given(st.lists(st.integers(0, 500), min_size=1, max_size=480))
def test_the_waiting_line_stays_inside_the_plot_and_ends_at_now(series):
    chart = waiting_chart(series, FIRST, UTC)
    points = [tuple(map(float, point.split(","))) for point in chart.points.split()]
    assert len(points) == len(series)
    assert all(chart.plot_left - 0.1 <= x <= chart.plot_right + 0.1 and chart.plot_top - 0.1 <= y <= chart.plot_bottom + 0.1
               for x, y in points)
    assert points[0][0] == chart.plot_left and (len(series) == 1 or points[-1][0] == chart.plot_right)
    top = max(series)
    if top:  # the highest point reaches the highest figure's height, below the axis' round top
        assert min(y for _, y in points) >= chart.plot_top - 0.1
    assert chart.summary == f"Callers waiting over the last 8 hours: {series[-1]} now, at most {top}."


def test_the_waiting_chart_marks_every_other_hour_in_the_boards_zone():
    assert [tick.label for tick in waiting_chart([0] * 480, FIRST, UTC).x_ticks] == ["00:00", "02:00", "04:00", "06:00"]
    stockholm = waiting_chart([0] * 480, FIRST, ZoneInfo("Europe/Stockholm"))  # UTC+1 in November
    assert [tick.label for tick in stockholm.x_ticks] == ["02:00", "04:00", "06:00", "08:00"]


@given(st.tuples(*[st.integers(0, 1000)] * (len(WAIT_BUCKETS) + 1)), st.tuples(*[st.integers(0, 1000)] * (len(WAIT_BUCKETS) + 1)))
def test_distribution_bars_are_proportional_to_their_counts(answered, abandoned):
    chart = distribution_chart(answered, abandoned)
    assert len(chart.bars) == 2 * len(answered)
    counts = [count for pair in zip(answered, abandoned) for count in pair]
    full = chart.plot_bottom - chart.plot_top
    top_value = full / max(bar.height for bar in chart.bars) * max(counts) if max(counts) else None
    for bar, count in zip(chart.bars, counts):
        assert abs(bar.y + bar.height - chart.plot_bottom) < 1e-6
        if top_value:
            assert abs(bar.height - full * count / top_value) < 1e-6
    assert [bar.css for bar in chart.bars[:2]] == ["answered", "abandoned"]


def test_service_level_bars_carry_their_level_in_colour_and_words():
    hours = {6: HourCounts(answered=9, within=9), 7: HourCounts(answered=10, within=6), 8: HourCounts(answered=4, within=1),
             9: HourCounts(abandoned=2)}  # short abandons only: no service level that hour, no bar
    chart = service_level_chart(hours, until_hour=10, target=0.8)
    assert [(bar.label, bar.css, bar.value) for bar in chart.bars] == [
        ("06:00", "good", "100 %, on target"), ("07:00", "warn", "60 %, below target"),
        ("08:00", "bad", "25 %, far below target")]
    full = chart.plot_bottom - chart.plot_top
    assert abs(chart.bars[1].height - 0.6 * full) < 1e-6
    assert abs(chart.target_y - (chart.plot_bottom - 0.8 * full)) < 1e-6
    assert chart.summary == ("Service level by hour, today: 06:00 100 % (on target); 07:00 60 % (below target); "
                             "08:00 25 % (far below target)")


def test_hours_still_to_come_are_not_drawn():
    chart = service_level_chart({6: HourCounts(answered=1, within=1), 11: HourCounts(answered=1)}, until_hour=8, target=0.8)
    assert [bar.label for bar in chart.bars] == ["06:00"]
