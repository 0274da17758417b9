"""axe-core (WCAG 2.1 A/AA and best practices) on every page a person opens, signed in where needed,
and no admin page wider than a 390 px phone."""
from __future__ import annotations

import pytest

from countries.store import TableStore
from tests.end_to_end.browser.conftest import ADMIN_TOKEN, assert_accessible, horizontal_overflow
from web.registry import parts_of

ADMIN_PAGES = ["/admin", "/admin/history", "/admin/notices", "/admin/notices/new", "/admin/notices/teams",
               "/admin/what-if", "/admin/what-if?to=%2B864000890365&date=2026-11-24&time=10:00",
               "/admin/lines/SE", "/admin/lines/CN", "/admin/lines/GB/closures", "/admin/lines/GB/emergency",
               "/admin/lines/SE/emergency", "/admin/lines/IE?new=1", "/admin/bulk-hours?preset=eea",
               "/admin/organisations", "/admin/organisations/new", "/admin/agents", "/admin/agents/new", "/admin/audit"]


@pytest.fixture
def lived_in(served_app):
    """A table with a history: a notice, a closure, the switch on for Sweden's billing, changed hours."""
    tables = parts_of(served_app).get(TableStore)

    def change(document):
        document["notices"] = [{"id": "teams", "text": {"en": "Teams calls fail.", "sv": "Teams-samtal misslyckas."},
                                "from": "2026-11-24T08:00:00+00:00", "to": "2026-11-25T08:00:00+00:00", "lines": ["SE"]}]
        document["lines"]["GB"]["closures"] = [{"date": "2026-11-26", "reason": {"en": "Staff day"}, "queues": ["billing"]},
                                               {"from": "2026-11-25 12:00", "to": "2026-11-25 17:00", "yearly": True}]
        document["lines"]["SE"]["emergency"] = {"queues": ["billing"], "message": {"en": "Billing is down."}}
        document["lines"]["SE"]["queues"]["billing"]["hours"] = "Mon-Fri 08:00-16:00"
        return document

    tables.write(change, author="alice", action="edit", expected=None)
    return served_app


def sign_in(page, live_server):
    page.goto(f"{live_server}/admin/sign-in")
    page.get_by_label("Admin token").fill(ADMIN_TOKEN)
    page.get_by_role("button", name="Sign in").click()


def test_the_public_numbers_page_has_no_accessibility_violations(page, live_server):
    """What a caller reads before calling."""
    page.goto(f"{live_server}/numbers")
    assert_accessible(page)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_each_admin_page_has_no_accessibility_violations(page, live_server, lived_in, path):
    """Signed in as an admin, each page as it first loads, with a notice, closures and the switch on in the table."""
    sign_in(page, live_server)
    page.goto(f"{live_server}{path}")
    assert page.locator("h1").count() == 1
    assert_accessible(page)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_no_admin_page_overflows_a_phone(phone_page, live_server, lived_in, path):
    """At 390 px wide nothing sticks out sideways, the page still passes axe-core, and the CSP blocks nothing on it."""
    blocked = []
    phone_page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)
    sign_in(phone_page, live_server)
    phone_page.goto(f"{live_server}{path}")
    assert horizontal_overflow(phone_page) == 0
    assert blocked == []
    assert_accessible(phone_page)


def test_the_sign_in_pages_have_no_accessibility_violations(page, live_server):
    """The admin's and the agent's sign-in forms."""
    for path in ("/admin/sign-in", "/console/sign-in"):
        page.goto(f"{live_server}{path}")
        assert_accessible(page)
