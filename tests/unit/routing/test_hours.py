from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.hours import holiday_name, is_open, next_opening, open_until
from routing.hours_spec import parse_hours
from routing.lookup import line_for
from routing.model import Line, Queue, QueueConfig, Severity, WeeklyHours
from routing.numbers import parse_number

BILLING, PRESALES, TECHNICAL = Queue.BILLING, Queue.PRESALES, Queue.TECHNICAL
LINE_IDS = ["SE", "AU", "CA", "GB", "DE", "EEA", "CN"]
ZONES = ["Europe/Stockholm", "Australia/Sydney", "America/Toronto", "Asia/Shanghai", "Australia/Lord_Howe",
         "America/Santiago", "Asia/Kolkata", "Pacific/Chatham", "UTC"]


def local(line: Line, *fields: int, fold: int = 0) -> datetime:
    """A wall-clock time in the line's zone."""
    return datetime(*fields, tzinfo=ZoneInfo(line.timezone), fold=fold)


def instant(moment: datetime) -> datetime:
    """`moment` in UTC: aware datetimes at a repeated or skipped wall time only compare equal as UTC (PEP 495)."""
    return moment.astimezone(timezone.utc)


def made_up_line(zone: str, hours: str | list[str], queue: Queue = BILLING, holidays: str | None = None) -> Line:
    """A one-queue line for cases the shipped table does not have."""
    config = QueueConfig(queue, parse_hours(hours))
    return Line("XX", "Test", zone, ("+46201605899",), ("en-GB",), (config,), ("SE",), (), holidays)


@pytest.mark.parametrize("line_id", LINE_IDS)
def test_technical_support_is_open_round_the_clock_on_every_line(table, line_id):
    """Technical answers at any hour, weekends and public holidays included."""
    line = table.line(line_id)
    for moment in (local(line, 2026, 3, 4, 3, 0), local(line, 2026, 3, 7, 23, 59), local(line, 2026, 12, 25, 12)):
        assert is_open(line, TECHNICAL, moment)


@pytest.mark.parametrize("line_id", LINE_IDS)
@pytest.mark.parametrize("queue", [BILLING, PRESALES])
def test_billing_and_presales_keep_local_office_hours_on_every_line(table, line_id, queue):
    """Open on a weekday morning, closed before 09:00 and at weekends, in the line's own zone."""
    line = table.line(line_id)
    assert is_open(line, queue, local(line, 2026, 3, 4, 9, 0))
    assert is_open(line, queue, local(line, 2026, 3, 4, 16, 59))
    assert not is_open(line, queue, local(line, 2026, 3, 4, 8, 59))
    assert not is_open(line, queue, local(line, 2026, 3, 7, 12, 0))


@pytest.mark.parametrize("line_id", LINE_IDS)
def test_a_closed_queue_next_opens_at_nine_local_on_the_next_working_day(table, line_id):
    """From Friday evening, billing next opens on Monday at 09:00 in the line's zone."""
    line = table.line(line_id)
    assert next_opening(line, BILLING, local(line, 2026, 3, 6, 19, 0)) == local(line, 2026, 3, 9, 9, 0)


def test_swedish_billing_is_open_at_1659_on_friday_and_closed_at_1700(table):
    """Billing's last open minute is 16:59 Stockholm time."""
    sweden = table.line("SE")
    assert is_open(sweden, BILLING, local(sweden, 2026, 3, 6, 16, 59, 59))
    assert not is_open(sweden, BILLING, local(sweden, 2026, 3, 6, 17, 0))


def test_swedish_billing_reopens_on_monday_at_nine_stockholm_time_after_the_weekend(table):
    """Asked at 17:00 on Friday (in UTC), next_opening answers Monday 09:00 in Stockholm's zone."""
    sweden = table.line("SE")
    opening = next_opening(sweden, BILLING, datetime(2026, 3, 6, 16, 0, tzinfo=timezone.utc))
    assert opening == local(sweden, 2026, 3, 9, 9, 0)
    assert opening.tzinfo == ZoneInfo("Europe/Stockholm") and opening.hour == 9


def test_australian_billing_stays_open_until_six(table):
    """Australia's billing day runs to 18:00 Sydney time; presales closes at 17:00."""
    australia = table.line("AU")
    assert is_open(australia, BILLING, local(australia, 2026, 3, 4, 17, 30))
    assert not is_open(australia, BILLING, local(australia, 2026, 3, 4, 18, 0))
    assert not is_open(australia, PRESALES, local(australia, 2026, 3, 4, 17, 30))


def test_christmas_day_closes_swedish_billing_and_presales_but_not_technical(table):
    """2026-12-25 is a Friday and a Swedish public holiday: only technical answers."""
    sweden = table.line("SE")
    christmas = local(sweden, 2026, 12, 25, 10, 0)
    assert not is_open(sweden, BILLING, christmas)
    assert not is_open(sweden, PRESALES, christmas)
    assert is_open(sweden, TECHNICAL, christmas)
    assert holiday_name(sweden, christmas) == "Christmas Day"


def test_after_christmas_swedish_billing_reopens_on_the_next_working_day(table):
    """Christmas Day (Fri) and Boxing Day (Sat) are skipped: billing reopens Monday 28th at 09:00."""
    sweden = table.line("SE")
    assert next_opening(sweden, BILLING, local(sweden, 2026, 12, 24, 17, 0)) == local(sweden, 2026, 12, 28, 9, 0)


def test_a_day_that_is_not_a_holiday_has_no_holiday_name(table):
    """holiday_name is None on an ordinary working day."""
    assert holiday_name(table.line("SE"), local(table.line("SE"), 2026, 3, 4, 10, 0)) is None


def test_holiday_name_uses_the_lines_local_date(table):
    """23:30 UTC on Christmas Eve is already Christmas Day in Stockholm."""
    assert holiday_name(table.line("SE"), datetime(2026, 12, 24, 23, 30, tzinfo=timezone.utc)) == "Christmas Day"


def test_holiday_name_can_be_given_in_the_countrys_language(table):
    """A `holidays` locale picks the language of the name."""
    sweden = table.line("SE")
    assert holiday_name(sweden, local(sweden, 2026, 12, 25, 10, 0), language="sv") == "Juldagen"


def test_a_line_without_a_holiday_country_has_no_holidays():
    """With holiday_country None, billing keeps its weekday hours on Christmas Day."""
    line = made_up_line("Europe/Stockholm", "Mon-Fri 09:00-17:00")
    christmas = local(line, 2026, 12, 25, 10, 0)
    assert holiday_name(line, christmas) is None
    assert is_open(line, BILLING, christmas)


def test_a_uk_bank_holiday_closes_billing_until_the_next_morning(table):
    """The Spring Bank Holiday (Mon 2026-05-25) closes GB billing; it reopens Tuesday 09:00 London time."""
    britain = table.line("GB")
    assert not is_open(britain, BILLING, local(britain, 2026, 5, 25, 10, 0))
    assert next_opening(britain, BILLING, local(britain, 2026, 5, 25, 10, 0)) == local(britain, 2026, 5, 26, 9, 0)


def test_chinese_national_day_closes_billing_but_not_technical(table):
    """2026-10-01 is a Chinese public holiday: billing is shut, technical severity A answers."""
    china = table.line("CN")
    national_day = local(china, 2026, 10, 1, 10, 0)
    assert not is_open(china, BILLING, national_day)
    assert is_open(china, TECHNICAL, national_day, Severity.A)
    assert is_open(china, TECHNICAL, national_day, Severity.B)


@pytest.mark.parametrize(("line_id", "closing", "opening", "utc_hour"), [
    ("SE", (2026, 3, 27, 17, 0), (2026, 3, 30, 9, 0), 7),   # clocks go forward on Sunday 29 March
    ("SE", (2026, 10, 23, 17, 0), (2026, 10, 26, 9, 0), 8),  # clocks go back on Sunday 25 October
    ("AU", (2026, 4, 2, 18, 0), (2026, 4, 7, 9, 0), 23),     # Good Friday, DST ends Sunday 5 April, Easter Monday
    ("AU", (2026, 10, 2, 18, 0), (2026, 10, 5, 9, 0), 22),   # DST starts Sunday 4 October
    ("CA", (2026, 3, 6, 17, 0), (2026, 3, 9, 9, 0), 13),     # clocks go forward on Sunday 8 March
    ("CA", (2026, 10, 30, 17, 0), (2026, 11, 2, 9, 0), 14),  # clocks go back on Sunday 1 November
])
def test_billing_opens_at_nine_local_across_a_dst_change(table, line_id, closing, opening, utc_hour):
    """After the clocks change over a weekend, billing still opens at 09:00 local time (a different UTC hour)."""
    line = table.line(line_id)
    found = next_opening(line, BILLING, local(line, *closing))
    assert found == local(line, *opening)
    assert found.astimezone(timezone.utc).hour == utc_hour


def test_chinese_severity_a_is_answered_at_three_in_the_morning(table):
    """21Vianet's severity A runs round the clock."""
    china = table.line("CN")
    assert is_open(china, TECHNICAL, local(china, 2026, 3, 4, 3, 0), Severity.A)


@pytest.mark.parametrize("severity", [Severity.B, Severity.C])
def test_chinese_severity_b_and_c_wait_until_nine_beijing_time(table, severity):
    """At 03:00 Beijing time B and C are closed and next open at 09:00 the same day."""
    china = table.line("CN")
    three = local(china, 2026, 3, 4, 3, 0)
    assert not is_open(china, TECHNICAL, three, severity)
    assert next_opening(china, TECHNICAL, three, severity) == local(china, 2026, 3, 4, 9, 0)


@pytest.mark.parametrize("severity", [Severity.B, Severity.C])
def test_chinese_severity_b_and_c_are_answered_until_midnight_every_day(table, severity):
    """B and C are open at 23:59 Beijing time, on a Sunday too."""
    china = table.line("CN")
    assert is_open(china, TECHNICAL, local(china, 2026, 3, 4, 23, 59), severity)
    assert is_open(china, TECHNICAL, local(china, 2026, 3, 8, 23, 59), severity)


def test_chinese_technical_without_a_severity_is_open_when_any_severity_is(table):
    """With no severity, a queue's hours are the union of its severities' hours."""
    china = table.line("CN")
    assert is_open(china, TECHNICAL, local(china, 2026, 3, 4, 3, 0))


def test_canada_is_reached_on_its_us_toll_free_number_and_keeps_toronto_hours(table):
    """+18008659408 (region US in phonenumbers) reaches Canada, whose billing follows Toronto time."""
    canada = line_for(table, "+18008659408", parse_number("+14165550123")).line
    assert canada.id == "CA"
    assert is_open(canada, BILLING, datetime(2026, 3, 4, 14, 0, tzinfo=timezone.utc))  # 09:00 in Toronto
    assert not is_open(canada, BILLING, datetime(2026, 3, 4, 13, 59, tzinfo=timezone.utc))


def test_a_queue_the_line_lacks_is_never_open(table):
    """Without presales on the line, presales is closed and has no next opening."""
    sweden = table.line("SE")
    no_presales = replace(sweden, queues=tuple(q for q in sweden.queues if q.queue is not PRESALES))
    monday = local(sweden, 2026, 3, 9, 10, 0)
    assert not is_open(no_presales, PRESALES, monday)
    assert next_opening(no_presales, PRESALES, monday) is None


def test_a_queue_with_no_hours_never_opens():
    """A queue with no intervals has no next opening."""
    line = replace(made_up_line("UTC", "24x7"), queues=(QueueConfig(BILLING, WeeklyHours((), ())),))
    assert next_opening(line, BILLING, datetime(2026, 3, 9, tzinfo=timezone.utc)) is None


def test_an_open_queue_opens_now_in_the_lines_zone(table):
    """When the queue is open, next_opening returns `at` itself, expressed in the line's zone."""
    at = datetime(2026, 3, 4, 10, 0, tzinfo=timezone.utc)
    opening = next_opening(table.line("GB"), BILLING, at)
    assert instant(opening) == at and opening.tzinfo == ZoneInfo("Europe/London")


@pytest.mark.parametrize("ask", [is_open, next_opening])
def test_a_naive_datetime_is_refused(table, ask):
    """Without a time zone, `at` could be any instant: ValueError."""
    with pytest.raises(ValueError, match="timezone-aware"):
        ask(table.line("SE"), BILLING, datetime(2026, 3, 4, 10, 0))


def test_holiday_name_refuses_a_naive_datetime(table):
    """holiday_name needs an instant too."""
    with pytest.raises(ValueError, match="timezone-aware"):
        holiday_name(table.line("SE"), datetime(2026, 12, 25, 10, 0))


@pytest.mark.parametrize("start", ["02:00", "02:30"])
def test_an_opening_inside_the_spring_forward_gap_happens_when_the_gap_ends(start):
    """In Stockholm 02:00-03:00 on 2026-03-29 does not exist; an opening then comes at 03:00 CEST."""
    line = made_up_line("Europe/Stockholm", f"Sun {start}-04:00")
    opening = next_opening(line, BILLING, local(line, 2026, 3, 29, 1, 0))
    assert instant(opening) == datetime(2026, 3, 29, 1, 0, tzinfo=timezone.utc)
    assert (opening.hour, opening.minute) == (3, 0)


def test_an_opening_time_repeated_when_clocks_go_back_opens_again():
    """Closed at 02:30 on the first pass of 02:00-03:00, the queue reopens when 02:00 comes round again."""
    line = made_up_line("Europe/Stockholm", "Sun 00:00-02:30")
    first_pass = local(line, 2026, 10, 25, 2, 40, fold=0)
    assert not is_open(line, BILLING, first_pass)
    assert instant(next_opening(line, BILLING, first_pass)) == datetime(2026, 10, 25, 1, 0, tzinfo=timezone.utc)


def test_an_opening_at_a_repeated_wall_time_takes_the_second_reading_when_the_first_has_passed():
    """A 02:15 opening on the day clocks go back is also due at the second 02:15."""
    line = made_up_line("Europe/Stockholm", "Sun 02:15-02:20")
    after_first = local(line, 2026, 10, 25, 2, 30, fold=0)
    assert instant(next_opening(line, BILLING, after_first)) == instant(local(line, 2026, 10, 25, 2, 15, fold=1))
    assert instant(next_opening(line, BILLING, after_first)) == datetime(2026, 10, 25, 1, 15, tzinfo=timezone.utc)


aware_instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 12, 31),
                              timezones=st.sampled_from(ZONES).map(ZoneInfo))
# The days around 2026's clock changes in the zones below, where mistakes would hide.
near_clock_changes = st.sampled_from([datetime(2026, 3, 27), datetime(2026, 10, 23), datetime(2026, 4, 2),
                                      datetime(2026, 10, 1), datetime(2026, 3, 6), datetime(2026, 10, 30),
                                      datetime(2026, 9, 4)]).flatmap(
    lambda day: st.datetimes(min_value=day, max_value=day + timedelta(days=4), timezones=st.just(timezone.utc)))
instants = st.one_of(aware_instants, near_clock_changes)
severities = st.sampled_from([None, Severity.A, Severity.B, Severity.C])
awkward_lines = [
    made_up_line("Europe/Stockholm", ["Sun 00:00-02:30", "Sun 02:45-03:15", "Mon-Sat 09:00-17:00"], holidays="SE"),
    made_up_line("Australia/Lord_Howe", ["Sun 01:45-02:15", "Sun 02:20-02:40"]),
    made_up_line("America/Santiago", ["Sat 23:30-24:00", "Sun 00:00-00:30", "Sun 00:45-01:15"]),
]


def lines_and_queues(table):
    """Every queue of every shipped line, and the awkward made-up ones."""
    shipped = [(line, queue) for line in table.lines for queue in Queue]
    return st.sampled_from(shipped + [(line, BILLING) for line in awkward_lines])


@given(at=aware_instants, zone=st.sampled_from(ZONES))
def test_a_24x7_queue_is_open_at_every_instant(at, zone):
    """Round-the-clock technical support is open whatever the zone, date or clock change."""
    line = made_up_line(zone, "24x7", queue=TECHNICAL, holidays="SE")
    assert is_open(line, TECHNICAL, at)
    assert instant(next_opening(line, TECHNICAL, at)) == instant(at)


@given(data=st.data(), at=instants, severity=severities)
def test_the_next_opening_is_never_before_now_and_is_open(table, data, at, severity):
    """next_opening returns an instant no earlier than `at`, at which the queue is open."""
    line, queue = data.draw(lines_and_queues(table))
    opening = next_opening(line, queue, at, severity)
    assert opening is not None and opening >= at
    assert is_open(line, queue, opening, severity)


@given(data=st.data(), at=instants, severity=severities)
def test_an_open_queue_opens_now(table, data, at, severity):
    """If the queue is open at `at`, next_opening(at) is `at`."""
    line, queue = data.draw(lines_and_queues(table))
    if is_open(line, queue, at, severity):
        assert instant(next_opening(line, queue, at, severity)) == instant(at)


@given(data=st.data(), at=instants, severity=severities,
       fractions=st.lists(st.floats(0, 1, exclude_min=True, exclude_max=True), min_size=3, max_size=3))
def test_the_queue_is_closed_until_its_next_opening(table, data, at, severity, fractions):
    """Sampled instants strictly between `at` and the next opening, and the second before it, are closed."""
    line, queue = data.draw(lines_and_queues(table))
    opening = next_opening(line, queue, at, severity)
    wait = opening - at
    between = [at + wait * fraction for fraction in fractions] + [opening - timedelta(seconds=1)]
    for moment in between:
        if at < moment < opening:
            assert not is_open(line, queue, moment, severity)


def test_swedish_billing_open_on_a_tuesday_morning_is_open_until_five(table):
    """Tuesday 10:00 Stockholm: billing closes at 17:00 that day."""
    sweden = table.line("SE")
    until = open_until(sweden, BILLING, local(sweden, 2026, 11, 24, 10, 0))
    assert until == local(sweden, 2026, 11, 24, 17, 0)


def test_a_round_the_clock_queue_has_no_closing_and_a_closed_one_no_open_until(table):
    """Technical is open all week (None), and billing at night is not open, so it has no closing either."""
    sweden = table.line("SE")
    assert open_until(sweden, TECHNICAL, local(sweden, 2026, 11, 24, 10, 0)) is None
    assert open_until(sweden, BILLING, local(sweden, 2026, 11, 24, 22, 0)) is None


def test_billing_open_on_the_day_before_a_holiday_closes_at_five_and_an_all_day_queue_at_midnight(table):
    """Christmas Eve 2026 is a Thursday: Swedish billing closes at 17:00; a 24-hour Thursday billing closes at midnight."""
    sweden = table.line("SE")
    assert open_until(sweden, BILLING, local(sweden, 2026, 12, 23, 10, 0)) == local(sweden, 2026, 12, 23, 17, 0)
    all_day = made_up_line("Europe/Stockholm", "24x7", holidays="SE")
    assert open_until(all_day, BILLING, local(sweden, 2026, 12, 24, 10, 0)) == local(sweden, 2026, 12, 25, 0, 0)


@given(data=st.data(), at=instants, severity=severities,
       fractions=st.lists(st.floats(0, 1, exclude_min=True, exclude_max=True), min_size=3, max_size=3))
def test_an_open_queue_stays_open_until_it_closes(table, data, at, severity, fractions):
    """open_until is after `at`, the queue is closed then, and open at sampled instants before it."""
    line, queue = data.draw(lines_and_queues(table))
    until = open_until(line, queue, at, severity)
    if until is None:
        return
    assert is_open(line, queue, at, severity) and until > at
    assert not is_open(line, queue, until, severity)
    for moment in [at + (until - at) * fraction for fraction in fractions]:
        assert is_open(line, queue, moment, severity)
