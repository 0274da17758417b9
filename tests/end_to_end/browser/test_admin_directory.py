"""The directory's pages in headless Chromium: organisations found by phone and edited, agents with
skills and a reset password, and the verification audit filtered by organisation and result."""
from __future__ import annotations

import base64

from tests.end_to_end.browser.conftest import assert_accessible, horizontal_overflow
from tests.end_to_end.browser.test_admin_pages import sign_in
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

FABRIKAM = {"name": "Fabrikam", "registered_phones": ["+442071234567"], "registered_emails": ["it@fabrikam.example"],
            "purchased_via": "partner", "plan": "elevated"}


def register(served_app, account, fields):
    parts_of(served_app).get(Directory).put(parse_organisation(account, fields))


def test_an_admin_finds_an_organisation_by_its_phone_and_edits_it(page, live_server, served_app):
    """Typed as people write it, +46 70 123 45 67 finds Contoso only; its plan becomes elevated, which the API then shows."""
    register(served_app, "100200", CONTOSO)
    register(served_app, "300400", FABRIKAM)
    sign_in(page, live_server)
    page.get_by_role("link", name="Organisations").click()
    page.get_by_label("Find by name, account number or registered phone").fill("+46 70 123 45 67")
    page.get_by_role("button", name="Find").click()
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "Contoso (100200)" in rows.inner_text() and "+46 70 123 45 67" in rows.inner_text()
    page.get_by_role("link", name="Contoso (100200)").click()
    page.get_by_label("elevated").check()
    page.get_by_label("Registered phones").fill("+46701234567\n+46 8 123 456 78")
    page.get_by_role("button", name="Save organisation").click()
    assert "Organisation Contoso (100200) saved." in page.get_by_role("status").inner_text()
    saved = parts_of(served_app).get(Directory).get("100200")
    assert saved.plan == "elevated" and saved.registered_phones == ("+46701234567", "+46812345678")
    page.get_by_label("Find by name, account number or registered phone").fill("fabri")
    page.get_by_role("button", name="Find").click()
    assert page.locator("tbody tr").inner_text().startswith("Fabrikam (300400)")
    assert_accessible(page)


def test_an_organisation_with_a_bad_phone_is_refused_beside_the_field_and_a_taken_account_number_too(page, live_server, served_app):
    """The API's rules: a national number is not valid, named beside the phones; an existing account number is refused."""
    register(served_app, "100200", CONTOSO)
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/organisations/new")
    page.get_by_label("Account number").fill("100200")
    page.get_by_label("Name", exact=True).fill("Northwind")
    page.get_by_label("Registered phones").fill("0701234567")
    page.get_by_role("button", name="Save organisation").click()
    assert "is not valid" in page.locator("#registered_phones-error").inner_text()
    assert page.locator("#registered_phones").get_attribute("aria-invalid") == "true"
    page.get_by_label("Registered phones").fill("+46701234599")
    page.get_by_role("button", name="Save organisation").click()
    assert "exists already" in page.locator("#account_number-error").inner_text()
    assert_accessible(page)


def test_deleting_an_organisation_asks_first(page, live_server, served_app):
    """The confirmation says its callers go on unverified; confirmed, it is gone."""
    register(served_app, "100200", CONTOSO)
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/organisations/100200")
    page.get_by_role("button", name="Delete organisation 100200…").click()
    assert "will no longer be recognised as Contoso" in page.locator("main").inner_text()
    assert parts_of(served_app).get(Directory).get("100200") is not None
    page.get_by_role("button", name="Yes, delete Contoso").click()
    assert parts_of(served_app).get(Directory).get("100200") is None


def test_an_admin_adds_an_agent_makes_them_supervisor_and_resets_their_password(page, live_server, served_app):
    """The new password works on the agent API and the old one no longer does; skills and role are kept."""
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/agents/new")
    page.get_by_label("Agent number").fill("1001")
    page.get_by_label("Name", exact=True).fill("Anna")
    page.get_by_label("technical").check()
    page.get_by_label("billing").check()
    page.get_by_label("Languages they speak").fill("sv, en")
    page.get_by_label("Registered phones").fill("+46 70 111 22 33")
    page.get_by_label("PIN", exact=True).fill("4711")
    page.get_by_label("Password", exact=True).fill("correct horse battery")
    page.get_by_role("button", name="Save agent").click()
    assert "Agent Anna (1001) saved." in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Anna (1001)").click()
    page.get_by_label("Supervisor").check()
    page.get_by_label("New password").fill("staple battery horse")
    page.get_by_role("button", name="Save agent").click()
    assert "saved with a new password" in page.get_by_role("status").inner_text()
    row = page.locator("tbody tr").inner_text()
    assert "technical, billing" in row and "supervisor" in row and "+46 70 111 22 33" in row
    client = served_app.test_client()

    def contacts(password):
        auth = base64.b64encode(f"1001:{password}".encode()).decode()
        return client.get("/agent/api/orgs/1/contacts", headers={"Authorization": f"Basic {auth}"}).status_code

    assert (contacts("staple battery horse"), contacts("correct horse battery")) == (404, 401)  # 404: signed in, no such org
    assert_accessible(page)


def test_the_audit_is_filtered_by_organisation_and_result(page, live_server, served_app):
    """Contoso's caller passes by registered phone; an agent checks a code nobody sent for Fabrikam: each filter finds its own."""
    register(served_app, "100200", CONTOSO)
    register(served_app, "300400", FABRIKAM)
    client = served_app.test_client()
    CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost", to="+46201605899",
               from_="+46701234567", answers=["2", "1", "1"]).play()
    client.put("/admin/api/agents/1001", headers={"Authorization": "Bearer browser-admin-token"},
               json={"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"], "languages": ["en"]})
    auth = base64.b64encode(b"1001:correct horse battery").decode()
    client.post("/agent/api/verification/check", json={"account_number": "300400", "code": "123456"},
                headers={"Authorization": f"Basic {auth}"})
    sign_in(page, live_server)
    page.goto(f"{live_server}/admin/audit")
    assert page.locator("tbody tr").count() == 2
    page.get_by_label("Organisation").select_option("100200")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("tbody tr").count() == 1 and "verified" in page.locator("tbody tr").inner_text()
    page.get_by_label("Organisation").select_option("")
    page.get_by_label("Result").select_option("unknown")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tbody tr")
    assert row.count() == 1 and "Fabrikam (300400)" in row.inner_text() and "agent 1001" in row.inner_text()
    page.get_by_label("From (day, UTC)").fill("2026-11-25")
    page.get_by_role("button", name="Filter").click()
    assert "No entry matches." in page.locator("main").inner_text()
    assert_accessible(page)


def test_the_directory_pages_fit_a_phone(phone_page, live_server, served_app):
    """Organisations, agents and the audit at 390 px: nothing sticks out sideways, and axe-core finds nothing."""
    register(served_app, "100200", CONTOSO)
    sign_in(phone_page, live_server)
    for path in ("/admin/organisations", "/admin/organisations/100200", "/admin/organisations/new", "/admin/agents",
                 "/admin/agents/new", "/admin/audit"):
        phone_page.goto(f"{live_server}{path}")
        assert horizontal_overflow(phone_page) == 0, path
        assert_accessible(phone_page)
