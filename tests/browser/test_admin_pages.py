"""The admin pages in headless Chromium: sign in, the table at a glance, an edit
with an error beside its field, history with the diff, rollback, notices."""
from __future__ import annotations

from tests.browser.conftest import ADMIN_TOKEN


def sign_in(page, live_server):
    page.goto(f"{live_server}/admin")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()


def test_an_admin_signs_in_and_sees_every_line_with_its_queues_now(page, live_server):
    """Tuesday 10:00 Stockholm: Sweden's row shows its number formatted and billing open."""
    sign_in(page, live_server)
    row = page.locator("#row-SE")
    assert "+46 20 160 58 99" in row.inner_text()
    assert "billing: open" in row.inner_text()
    assert page.locator("tbody tr").count() == 7


def test_a_wrong_token_is_refused(page, live_server):
    """The sign-in page says so and the admin pages stay closed."""
    page.goto(f"{live_server}/admin/sign-in")
    page.get_by_label("Admin token").fill("nope")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#token-error").inner_text() == "That token is not valid."
    page.goto(f"{live_server}/admin/history")
    assert page.url.startswith(f"{live_server}/admin/sign-in")


def test_an_edit_shows_the_error_beside_its_field_then_saves_and_can_be_rolled_back(page, live_server):
    """Bad hours are named beside the billing hours field; fixed, they save; history shows the diff; rollback restores."""
    sign_in(page, live_server)
    page.get_by_role("link", name="Edit United Kingdom").click()
    hours = page.locator("#billing_hours")
    hours.fill("Mon-Fri 9-17")
    page.get_by_role("button", name="Save").click()
    assert "Mon-Fri 9-17" in page.locator("#billing_hours-error").inner_text()
    assert page.locator("#billing_hours").get_attribute("aria-invalid") == "true"
    page.locator("#billing_hours").fill("Mon-Fri 08:00-16:00")
    page.get_by_role("button", name="Save").click()
    assert "Saved GB as version 2." in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="History").click()
    diff = page.locator("section", has=page.locator("#version-2")).locator("tbody").inner_text()
    assert "GB.queues.billing.hours" in diff and "Mon-Fri 09:00-17:00" in diff and "Mon-Fri 08:00-16:00" in diff
    page.get_by_role("button", name="Roll back to version 1").click()
    assert "the table is now version 3" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Lines").click()
    page.get_by_role("link", name="Edit United Kingdom").click()
    assert page.locator("#billing_hours").input_value() == "Mon-Fri 09:00-17:00"


def test_an_admin_adds_a_notice(page, live_server):
    """The notice form saves a Swedish and English text; the page lists it."""
    sign_in(page, live_server)
    page.get_by_role("link", name="Notices").click()
    page.get_by_label("Id").fill("mail")
    page.get_by_label("Text").fill("en: Mail is slow in Europe.\nsv: E-posten är långsam i Europa.")
    page.get_by_label("Lines").fill("SE")
    page.get_by_label("From").fill("2026-11-24T08:00:00+00:00")
    page.get_by_label("To").fill("2026-11-24T20:00:00+00:00")
    page.get_by_role("button", name="Save notice").click()
    assert "Notice mail saved." in page.get_by_role("status").inner_text()
    assert "sv: E-posten är långsam i Europa." in page.locator("section", has=page.locator("#notice-mail")).inner_text()


def test_what_if_shows_a_holiday_closure(page, live_server):
    """Christmas Day in Sweden: billing closed by the public holiday."""
    sign_in(page, live_server)
    page.get_by_role("link", name="What if").click()
    page.get_by_label("Number dialled").fill("+46201605899")
    page.get_by_label("At").fill("2026-12-25T10:00:00+01:00")
    page.get_by_role("button", name="Show").click()
    assert "closed (public holiday" in page.locator("tr", has_text="billing").inner_text()
