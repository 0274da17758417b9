"""axe-core (WCAG 2.1 A/AA and best practices) on every page a person opens, signed in where needed."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ADMIN_TOKEN, assert_accessible


def test_the_public_numbers_page_has_no_accessibility_violations(page, live_server):
    """What a caller reads before calling."""
    page.goto(f"{live_server}/numbers")
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/admin", "/admin/history", "/admin/notices", "/admin/what-if", "/admin/lines/SE"])
def test_each_admin_page_has_no_accessibility_violations(page, live_server, path):
    """Signed in as an admin, each page as it first loads."""
    page.goto(f"{live_server}/admin/sign-in")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server}{path}")
    assert page.locator("h1").count() == 1
    assert_accessible(page)


def test_the_sign_in_pages_have_no_accessibility_violations(page, live_server):
    """The admin's and the agent's sign-in forms."""
    for path in ("/admin/sign-in", "/console/sign-in"):
        page.goto(f"{live_server}{path}")
        assert_accessible(page)
