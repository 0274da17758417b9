"""The admin pages' pure parts in depth (no Flask, no Redis): a line's days as the grid shows them, the week editor's
fields and back, and history diffs in words."""
from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from admin.entry_form import from_form, to_form
from admin.readable import closure_text, diff_rows, emergency_text, notice_state
from admin.week_view import OPEN, columns, coming_days
from routing.hours import is_open
from routing.table import parse_table, read_document

SHIPPED = read_document(Path(__file__).resolve().parents[3] / "config" / "countries.yaml")


def table_with(change=None):
    document = copy.deepcopy(SHIPPED)
    if change:
        change(document)
    return parse_table(document)


def with_closures(document):
    document["lines"]["GB"]["closures"] = [
        {"from": "2026-11-25 12:00", "to": "2026-11-25 17:00", "reason": {"en": "Office move"}, "queues": ["presales"]},
        {"date": "2026-12-24", "yearly": True, "queues": ["billing"]},
        {"from": "2026-12-30", "to": "2027-01-02"}]
    document["lines"]["SE"]["emergency"] = {"queues": ["billing"], "message": {"en": "Down."}}


TABLE = table_with(with_closures)


@given(line_index=st.integers(0, len(TABLE.lines) - 1), start=st.dates(date(2026, 11, 1), date(2027, 2, 1)),
       offset=st.integers(0, 13), minute=st.integers(0, 24 * 60 - 1))
def test_the_grid_shows_open_exactly_when_callers_would_be_queued(line_index, start, offset, minute):
    """For any line, day and minute (away from clock changes), a cell's open range covers it iff is_open says so."""
    line = TABLE.lines[line_index]
    days = coming_days(line, start)
    day = days[offset]
    wall = datetime.combine(day.day, datetime.min.time()) + timedelta(minutes=minute)
    at = wall.replace(tzinfo=ZoneInfo(line.timezone))
    for column, cell in zip(columns(line), day.cells):
        shown_open = any(segment.state == OPEN and segment.start <= minute < segment.end for segment in cell)
        assert shown_open == is_open(line, column.queue, at, column.severity)


def test_a_partial_closure_and_a_holiday_show_on_their_days_with_their_reasons():
    """GB on Wed 25 Nov: presales open 09:00-12:00 and closed 12:00-17:00 for the move; Christmas Day closes billing."""
    gb = TABLE.line("GB")
    days = coming_days(gb, date(2026, 11, 24), count=32)
    presales = [column.queue.value for column in columns(gb)].index("presales")
    assert [segment.text for segment in days[1].cells[presales]] == ["09:00–12:00", "closed 12:00–17:00 (closure: Office move)"]
    christmas = days[31]
    assert christmas.day == date(2026, 12, 25) and christmas.holiday == "Christmas Day"


def test_21vianet_technical_has_a_column_per_severity():
    """China's technical hours are given per severity: three columns, then billing and presales."""
    assert [column.label for column in columns(TABLE.line("CN"))] == ["Technical A", "Technical B", "Technical C", "Billing", "Presales"]


def test_the_week_editor_round_trips_every_shipped_entry_unchanged():
    """Each entry as form fields and back is the same entry, spelling of hours included: an unchanged save changes nothing."""
    for line_id, entry in SHIPPED["lines"].items():
        errors = {}
        assert from_form(to_form(entry), entry, errors) == entry, line_id
        assert errors == {}


def test_day_fields_become_a_compact_spec_and_bad_ones_are_named_by_day():
    """Mon-Fri 08:00-16:00 typed day by day is stored as one range; "9-17" on Tuesday is named on Tuesday's field."""
    entry = SHIPPED["lines"]["GB"]
    form = to_form(entry)
    form.update({f"hours-billing-all-{day}": "08:00-16:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri")})
    errors = {}
    assert from_form(form, entry, errors)["queues"]["billing"]["hours"] == "Mon-Fri 08:00-16:00" and errors == {}
    form["hours-billing-all-Tue"] = "9-17"
    from_form(form, entry, errors)
    assert list(errors) == ["hours-billing-all-Tue"]
    form["hours-billing-all-Tue"] = "08:00-12:00, 11:00-16:00"
    errors = {}
    from_form(form, entry, errors)
    assert errors == {"hours-billing-all-Tue": "the ranges overlap; give each time of day once"}


def test_history_diffs_read_as_sentences_not_python():
    """Hours, a closure, the switch and a notice in a history entry come out as words, no braces or quotes of dicts."""
    before = SHIPPED["lines"]["GB"]
    after = {**before, "queues": {**before["queues"], "billing": {"hours": "Mon-Fri 08:00-16:00"}},
             "closures": [{"date": "2026-12-24", "reason": {"en": "Christmas Eve"}, "queues": ["billing", "presales"], "yearly": True}],
             "emergency": {"queues": ["billing"], "message": {"en": "Systems down."}}}
    notice = {"id": "teams", "text": {"en": "Teams is slow."}, "from": "2026-11-24T08:00:00+00:00", "to": "2026-11-24T20:00:00+00:00"}
    rows = diff_rows({"GB": {"before": before, "after": after}, "notice:teams": {"before": None, "after": notice}}, "Europe/Stockholm")
    assert rows == [
        ("GB: billing hours", "Mon–Fri 09:00–17:00", "Mon–Fri 08:00–16:00"),
        ("GB: closure added", "—", "Thu 24 Dec 2026, whole day, every year; closes billing and presales; “Christmas Eve” (en)"),
        ("GB: emergency switch", "off", "on for billing: “Systems down.” (en)"),
        ("notice teams", "—", "“Teams is slow.” (en); every line; from Tue 24 Nov 2026, 09:00 to Tue 24 Nov 2026, 21:00"),
    ]
    assert not any("{" in text for row in rows for text in row)


def test_closure_and_switch_texts_name_partial_days_ranges_and_every_queue():
    """A part of a day keeps its times; a range of dates says through the last; no queues means every queue."""
    assert closure_text({"from": "2026-06-19 12:00", "to": "2026-06-19 17:00"}) == "Fri 19 Jun 2026, 12:00–17:00; closes every queue"
    assert closure_text({"from": "2026-12-30", "to": "2027-01-02"}) == \
        "from Wed 30 Dec 2026 to Sat 2 Jan 2027 (through that day); closes every queue"
    assert emergency_text(None) == "off"


def test_a_notice_is_scheduled_then_active_then_expired():
    """Before its start, between its times, and from its end on."""
    notice = {"from": "2026-11-24T08:00:00+00:00", "to": "2026-11-24T20:00:00+00:00"}
    at = lambda hour: datetime(2026, 11, 24, hour, tzinfo=ZoneInfo("UTC"))  # noqa: E731
    assert [notice_state(notice, at(hour)) for hour in (7, 8, 19, 20)] == ["scheduled", "active", "active", "expired"]


def test_organisations_are_found_by_phone_in_any_spacing_by_account_prefix_or_by_part_of_the_name():
    """A valid international number asks the phone index; digits match account numbers from the start; text, names."""
    from admin.directory_pages import find_organisations
    from verification.organisations import parse_organisation

    contoso = parse_organisation("100200", {"name": "Contoso", "registered_phones": ["+46701234567"], "purchased_via": "direct"})
    fabrikam = parse_organisation("300400", {"name": "Fabrikam AB", "registered_emails": ["a@b.se"], "purchased_via": "partner"})
    everyone = [contoso, fabrikam]
    by_phone = {"+46701234567": [contoso]}.get
    assert find_organisations(everyone, lambda number: by_phone(number, []), "+46 70-123 45 67") == [contoso]
    assert find_organisations(everyone, lambda number: [], "3004") == [fabrikam]
    assert find_organisations(everyone, lambda number: [], "  fabrikam ab") == [fabrikam]
    assert find_organisations(everyone, lambda number: [], "") == everyone
