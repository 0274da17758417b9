"""The public numbers page in headless Chromium, as a caller looking for a number uses it."""
from __future__ import annotations


def test_a_caller_picks_their_country_and_sees_the_line_that_serves_it(page, live_server):
    """Norway has no line of its own: choosing it shows the EEA line and its German number."""
    page.goto(f"{live_server}/numbers")
    assert page.locator("section.line").count() == 7
    page.get_by_label("Your country or region").select_option("NO")
    page.get_by_role("button", name="Show").click()
    assert page.locator("section.line").count() == 1
    assert page.get_by_role("heading", name="Other EEA markets").is_visible()
    assert "+49 69 380789305" in page.locator("section.line").inner_text()
    page.screenshot(path="/tmp/numbers.png", full_page=True)
