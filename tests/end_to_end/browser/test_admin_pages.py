"""The admin pages in headless Chromium, as an admin uses them: the table at a
glance, a line's week as grid and editor, closures, the emergency switch behind
a confirmation, hours on several lines, notices, history and rollback, what-if.

The clock stands at Tuesday 24 November 2026, 10:00 in Stockholm (tests/conftest.py).
"""
from __future__ import annotations

from countries.store import TableStore
from tests.end_to_end.browser.conftest import ADMIN_TOKEN, assert_accessible
from tests.conftest import TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from web.registry import parts_of

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def sign_in(page, live_server):
    page.goto(f"{live_server}/admin")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()


def what_if_row(page, live_server, to, day, time, queue):
    page.goto(f"{live_server}/admin/what-if")
    page.get_by_label("Number dialled").fill(to)
    page.get_by_label("Date").fill(day)
    page.get_by_label("Time").fill(time)
    page.get_by_role("button", name="Show").click()
    return page.locator("tbody tr", has=page.get_by_role("rowheader", name=queue, exact=True)).inner_text()


def versions(served_app) -> list[int]:
    return [change.version for change in parts_of(served_app).get(TableStore).history()]


def test_an_admin_signs_in_and_sees_every_line_open_now_with_its_local_time_and_hours(page, live_server):
    """Tuesday 10:00 Stockholm: Sweden's row shows its number, its local time, billing open until 17:00 and its hours."""
    sign_in(page, live_server)
    row = page.locator("#row-SE").inner_text()
    assert "+46 20 160 58 99" in row and "Tue 24 Nov 2026, 10:00" in row
    assert "billing: open until 17:00" in row and "Mon–Fri 09:00–17:00" in row
    assert "technical: open round the clock" in row
    assert page.locator("tbody tr").count() == 7
    assert "Tue 24 Nov 2026, 17:00" in page.locator("#row-CN").inner_text()  # Beijing is seven hours ahead


def test_a_wrong_token_is_refused(page, live_server):
    """The sign-in page says so and the admin pages stay closed."""
    page.goto(f"{live_server}/admin/sign-in")
    page.get_by_label("Admin token").fill("nope")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#token-error").inner_text() == "That token is not valid."
    page.goto(f"{live_server}/admin/history")
    assert page.url.startswith(f"{live_server}/admin/sign-in")


def test_swedens_billing_hours_edited_in_the_week_grid_reach_billing_in_what_if(page, live_server, served_app):
    """Billing moved to 07:00-15:00 on weekdays: the grid shows it, and a what-if call at 07:30 reaches billing open."""
    sign_in(page, live_server)
    page.get_by_role("link", name="Sweden (SE)").click()
    for day in WEEKDAYS:
        page.get_by_label(f"Billing hours on {day}").fill("07:00-15:00")
    page.get_by_role("button", name="Save").click()
    assert "Saved SE as version 2." in page.get_by_role("status").inner_text()
    today = page.locator("table.week tr.today").inner_text()
    assert "07:00–15:00" in today
    row = what_if_row(page, live_server, "+46201605899", "2026-11-25", "07:30", "billing")
    assert "open" in row and "open until 15:00" in row


def test_an_unchanged_save_makes_no_version(page, live_server, served_app):
    """Save on Sweden's page without touching anything: it says nothing changed, and the history keeps one version."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/SE")
    page.get_by_role("button", name="Save").click()
    assert "Nothing changed in SE; no new version." in page.get_by_role("status").inner_text()
    assert versions(served_app) == [1]


def test_a_bad_range_is_named_beside_its_day_and_linked_from_the_summary(page, live_server):
    """"9-17" on Monday: the field is outlined and described by its error, and the summary links to it."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/GB")
    page.get_by_label("Billing hours on Monday").fill("9-17")
    page.get_by_role("button", name="Save").click()
    field = page.locator("#hours-billing-all-Mon")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("aria-describedby") == "hours-billing-all-Mon-error"
    assert "HH:MM-HH:MM" in page.locator("#hours-billing-all-Mon-error").inner_text()
    page.locator(".error-summary a[href='#hours-billing-all-Mon']").click()
    assert page.evaluate("document.activeElement.id") == "hours-billing-all-Mon"
    assert_accessible(page)


def test_a_partial_day_closure_added_by_form_shows_on_the_grid_and_in_what_if(page, live_server):
    """Presales closed 12:00-17:00 tomorrow in the UK: the grid shows the closure, what-if says closed at 13:00 and why."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/GB/closures")
    page.get_by_label("Part of a day", exact=True).check()
    page.get_by_label("First day (or the day)").fill("2026-11-25")
    page.get_by_label("Closed from, for part of a day").fill("12:00")
    page.get_by_label("Closed until, for part of a day").fill("17:00")
    page.get_by_label("technical", exact=True).uncheck()
    page.get_by_label("billing", exact=True).uncheck()
    page.get_by_label("Reason in en").fill("Office move")
    page.get_by_role("button", name="Add the closure").click()
    assert "Closure added to GB" in page.get_by_role("status").inner_text()
    assert "Wed 25 Nov 2026, 12:00–17:00; closes presales; “Office move” (en)" in page.locator("#closure-list").inner_text()
    page.goto(f"{live_server}/admin/lines/GB")
    tomorrow = page.locator("tr", has=page.get_by_role("rowheader", name="Wed 25 Nov")).inner_text()
    assert "closed 12:00–17:00 (closure: Office move)" in tomorrow
    row = what_if_row(page, live_server, "+448000326417", "2026-11-25", "13:00", "presales")
    assert "closed (closure: Office move)" in row and "opens tomorrow 09:00" in row


def test_a_closure_with_no_day_is_refused_with_the_error_beside_the_field(page, live_server):
    """No date: "choose a date" beside the first-day field, linked from the summary."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/GB/closures")
    page.locator("form[aria-labelledby=add]").evaluate("form => form.noValidate = true")
    page.get_by_role("button", name="Add the closure").click()
    assert page.locator("#date_from-error").inner_text() == "choose a date"
    assert page.locator("#date_from").get_attribute("aria-invalid") == "true"
    assert page.locator(".error-summary a[href='#date_from']").count() == 1


def test_the_emergency_switch_goes_on_after_a_confirmation_and_a_call_hears_its_message(page, live_server, served_app):
    """The confirmation names the number and the message; confirmed, a signed call for billing hears it."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/SE/emergency")
    assert "OFF" in page.locator("#switch-state").inner_text()
    page.get_by_label("billing", exact=True).check()
    page.get_by_label("technical", exact=True).uncheck()
    page.get_by_label("presales", exact=True).uncheck()
    page.get_by_label("Message in en").fill("Billing is down because of a system failure.")
    page.get_by_role("button", name="Turn the switch on…").click()
    assert page.locator("h1").inner_text() == "Turn the emergency switch on for Sweden?"
    assert ("Callers to +46 20 160 58 99 who choose billing will hear “Billing is down because of a system failure.” "
            "from now on") in page.locator("main").inner_text()
    assert versions(served_app) == [1]  # nothing yet
    assert_accessible(page)
    page.get_by_role("button", name="Yes, turn the switch on").click()
    assert "ON" in page.locator("#switch-state").inner_text()
    page.goto(f"{live_server}/admin")
    assert "Emergency switch on for billing: “Billing is down because of a system failure.” (en)" in page.locator("#row-SE").inner_text()
    client = served_app.test_client()
    said = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                      to="+46201605899", from_="+46701234567", answers=["2", "2", ""]).play().said()
    assert "Billing is down because of a system failure." in said


def test_deleting_a_line_and_rolling_back_ask_first_and_say_what_happens(page, live_server, served_app):
    """Delete Sweden: the confirmation says who answers its number; cancelled, nothing changes. Rollback asks too."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/SE")
    page.get_by_role("button", name="Delete SE…").click()
    assert "Calls to +46 20 160 58 99 will be answered by Other EEA markets (EEA) instead" in page.locator("main").inner_text()
    page.get_by_role("link", name="Cancel, change nothing").click()
    assert versions(served_app) == [1]
    page.get_by_label("Billing hours on Monday").fill("08:00-16:00")
    page.get_by_role("button", name="Save").click()
    page.goto(f"{live_server}/admin/history")
    diff = page.locator("section", has=page.locator("#version-2")).locator("tbody").inner_text()
    assert "SE: billing hours" in diff and "Mon–Fri 09:00–17:00" in diff and "Mon 08:00–16:00, Tue–Fri 09:00–17:00" in diff
    page.get_by_role("button", name="Roll back to version 1…").click()
    assert "Mon 08:00–16:00, Tue–Fri 09:00–17:00" in page.locator("main table").inner_text()
    page.get_by_role("button", name="Yes, roll back to version 1").click()
    assert "the table is now version 3" in page.get_by_role("status").inner_text()
    page.goto(f"{live_server}/admin/lines/SE")
    assert page.get_by_label("Billing hours on Monday").input_value() == "09:00-17:00"


def test_billing_hours_applied_to_every_eea_line_make_one_version(page, live_server, served_app):
    """Billing 08:00-18:00 on weekdays for Sweden, Germany and the EEA line: one version, one history entry naming them."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/bulk-hours")
    page.get_by_role("link", name="Tick every EEA line").click()
    assert [page.get_by_label(label).is_checked() for label in ("Sweden (SE), EEA", "Germany (DE), EEA",
                                                                "Other EEA markets (EEA), EEA", "United Kingdom (GB)")] \
        == [True, True, True, False]
    for day in WEEKDAYS:
        page.get_by_label(f"Hours on {day}").fill("08:00-18:00")
    page.get_by_role("button", name="Set these hours").click()
    assert "Billing hours set on SE, DE, EEA in version 2." in page.get_by_role("status").inner_text()
    assert versions(served_app) == [1, 2]
    diff = page.locator("section", has=page.locator("#version-2")).locator("tbody").inner_text()
    for line_id in ("SE", "DE", "EEA"):
        assert f"{line_id}: billing hours" in diff
    lines = parts_of(served_app).get(TableStore).document()["lines"]
    assert {line_id: lines[line_id]["queues"]["billing"]["hours"] for line_id in ("SE", "DE", "EEA", "GB")} == {
        "SE": "Mon-Fri 08:00-18:00", "DE": "Mon-Fri 08:00-18:00", "EEA": "Mon-Fri 08:00-18:00", "GB": "Mon-Fri 09:00-17:00"}


def test_a_notice_is_added_with_date_pickers_shown_active_and_an_id_cannot_be_reused(page, live_server):
    """A Swedish and English notice for today: listed as active; a second one with its id is refused beside the id."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/notices/new")
    page.get_by_label("Id").fill("mail")
    page.get_by_label("Text in en").fill("Mail is slow in Europe.")
    page.get_by_label("Text in sv").fill("E-posten är långsam i Europa.")
    page.get_by_label("Sweden (SE)").check()
    page.get_by_label("From", exact=True).fill("2026-11-24")
    page.get_by_label("From (time)").fill("08:00")
    page.get_by_label("To", exact=True).fill("2026-11-24")
    page.get_by_label("To (time)").fill("20:00")
    page.get_by_role("button", name="Save notice").click()
    assert "Notice mail saved." in page.get_by_role("status").inner_text()
    section = page.locator("section", has=page.locator("#notice-mail")).inner_text()
    assert "active" in section and "sv: E-posten är långsam i Europa." in section
    page.goto(f"{live_server}/admin/notices/new")
    page.get_by_label("Id").fill("mail")
    page.get_by_label("Text in en").fill("Something else.")
    page.get_by_label("From", exact=True).fill("2026-11-25")
    page.get_by_label("To", exact=True).fill("2026-11-26")
    page.get_by_role("button", name="Save notice").click()
    assert "exists already" in page.locator("#id-error").inner_text()
    page.goto(f"{live_server}/admin")
    assert "mail: Mail is slow in Europe." in page.locator("main").inner_text()


def test_what_if_shows_a_holiday_closure(page, live_server):
    """Christmas Day in Sweden: billing closed by the public holiday, opening on Monday 28 December."""
    sign_in(page, live_server)
    row = what_if_row(page, live_server, "+46201605899", "2026-12-25", "10:00", "billing")
    assert "closed (public holiday" in row and "opens Mon 28 Dec 2026 09:00" in row


def test_the_history_is_filtered_by_line_and_admin_and_shown_in_the_chosen_zone(page, live_server, served_app):
    """alice edits GB, bob SE: the filters find each one's version; Stockholm time reads an hour after UTC."""
    tables = parts_of(served_app).get(TableStore)

    def rename(line_id, name):
        def change(document):
            document["lines"][line_id]["name"] = name
            return document
        return change

    tables.write(rename("GB", "Britain"), author="alice", action="edit GB", expected=None)
    tables.write(rename("SE", "Sverige"), author="bob", action="edit SE", expected=None)
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/history")
    assert "on Tue 24 Nov 2026, 09:00 (UTC)" in page.locator("section", has=page.locator("#version-3")).inner_text()
    page.get_by_label("Line").select_option("GB")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("h2").all_inner_texts() == ["Version 2", "Version 1"]  # version 1 created every line
    assert "GB: name" in page.locator("tbody").inner_text() and "Britain" in page.locator("tbody").inner_text()
    page.get_by_label("Line").select_option("")
    page.get_by_role("combobox", name="Admin").select_option("bob")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("h2").all_inner_texts() == ["Version 3 (current)"]
    page.get_by_label("Show times in").select_option("Europe/Stockholm")
    page.get_by_role("button", name="Use this zone").click()
    assert "on Tue 24 Nov 2026, 10:00 (Europe/Stockholm)" in page.locator("main").inner_text()
    assert page.locator("h2").all_inner_texts() == ["Version 3 (current)"]  # the filter survives the choice


def test_a_notice_is_edited_into_the_future_and_then_reads_as_scheduled(page, live_server):
    """The edit form shows the notice's times; moved to tomorrow, the list says scheduled and the overview no longer lists it as current."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/notices/new")
    page.get_by_label("Id").fill("teams")
    page.get_by_label("Text in en").fill("Teams calls fail.")
    page.get_by_label("From", exact=True).fill("2026-11-24")
    page.get_by_label("To", exact=True).fill("2026-11-25")
    page.get_by_role("button", name="Save notice").click()
    page.get_by_role("link", name="Edit teams").click()
    assert page.get_by_label("From", exact=True).input_value() == "2026-11-24"
    page.get_by_label("From", exact=True).fill("2026-11-25")
    page.get_by_label("To", exact=True).fill("2026-11-26")
    page.get_by_role("button", name="Save notice").click()
    assert "scheduled" in page.locator("section", has=page.locator("#notice-teams")).inner_text()
    page.goto(f"{live_server}/admin")
    assert "teams: Teams calls fail." not in page.locator("main").inner_text()
    assert "Scheduled notices" in page.locator("main").inner_text()


def test_removing_a_closure_asks_first_and_then_reopens_the_day(page, live_server, served_app):
    """A staff day on Wednesday: the confirmation names it; removed, Wednesday's billing is open on the grid again."""
    tables = parts_of(served_app).get(TableStore)

    def staff_day(document):
        document["lines"]["GB"]["closures"] = [{"date": "2026-11-25", "reason": {"en": "Staff day"}, "queues": ["billing"]}]
        return document

    tables.write(staff_day, author="alice", action="closure", expected=None)
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/lines/GB/closures")
    page.get_by_role("button", name="Remove the closure Wed 25 Nov 2026, whole day; closes billing; “Staff day” (en)").click()
    assert "Wed 25 Nov 2026, whole day; closes billing; “Staff day” (en)." in page.locator("main").inner_text()
    page.get_by_role("button", name="Yes, remove the closure").click()
    assert "No closures." in page.locator("main").inner_text()
    page.goto(f"{live_server}/admin/lines/GB")
    wednesday = page.locator("table.week tr", has=page.get_by_role("rowheader", name="Wed 25 Nov")).inner_text()
    assert "Staff day" not in wednesday and wednesday.count("09:00–17:00") == 2
