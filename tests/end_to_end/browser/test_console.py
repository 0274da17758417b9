"""The agent console in headless Chromium: sign in, watch callers appear without a reload, keep focus,
claim a callback, verify a chosen call by code, and be sent to sign-in when the session ends."""
from __future__ import annotations

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from call_store.callbacks import CallbackBook
from tests.end_to_end.browser.conftest import ADMIN_TOKEN, assert_accessible, horizontal_overflow
from tests.conftest import TWILIO_TOKEN
from verification.delivery import Outbox
from web.registry import parts_of
from web.sessions import PageSessions

ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}
CONTOSO = {"name": "Contoso", "registered_phones": ["+46701234567"], "registered_emails": ["jane.doe@contoso.com"],
           "purchased_via": "direct", "plan": "standard"}
CALLER = "+447911999888"


def admin_put(base: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


def place_call(base: str, answers: list[str], hold_cycles: int = 1, caller: str = CALLER):
    from twilio_simulator.twilio_player import CallPlayer, http_transport

    return CallPlayer(transport=http_transport(), auth_token=TWILIO_TOKEN, base_url=base, to="+448000326417",
                      from_=caller, answers=answers, hold_cycles=hold_cycles, stay=True).play()


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/console")
    page.get_by_label("Agent number").fill("1001")
    page.get_by_label("Password").fill(ANNA["password"])
    page.get_by_role("button", name="Sign in").click()
    page.locator("#live").wait_for()


def a_callback(app, number="+447911555444"):
    return parts_of(app).get(CallbackBook).request(
        sid="CA" + "1" * 32, number=number, line="GB", queue_name="billing.en.B", language="en-GB", place=0)


@pytest.fixture
def anna(live_server):
    admin_put(live_server, "/admin/api/agents/1001", ANNA)


def test_an_agent_signs_in_and_sees_a_waiting_caller_appear_by_itself(page, live_server, anna):
    """The page is open before the caller arrives; the pushed update shows them within seconds, unverified,
    with a coloured severity badge in words, the agent's skills marked, and one note for the missing estimate."""
    sign_in(page, live_server)
    assert "Nobody is waiting." in page.locator("#live").inner_text()
    place_call(live_server, ["2", "", "", ""])  # billing; no account number: goes on unverified
    row = page.locator("tr.waiting")
    row.wait_for(timeout=10_000)
    text = row.inner_text()
    assert "billing.en.B" in text and "not verified" in text and "Severity B — high" in text
    assert "your skills" in text and "nothing to go on" not in text
    assert row.locator(".severity-b").count() == 1
    assert page.locator("#estimate-note").count() == 1
    assert "your skills" in page.locator(".legend").inner_text()
    assert_accessible(page)


def test_a_new_caller_keeps_the_focus_where_it_is_and_only_they_are_announced(page, live_server, served_app, anna):
    """Focus on "Claim callback" survives the update that brings a new caller; the live region names that caller
    and nothing else (not the callbacks already there, not the whole section)."""
    a_callback(served_app)
    sign_in(page, live_server)
    claim = page.get_by_role("button", name="Claim callback to +447911555444")
    claim.focus()
    assert page.locator("#live").get_attribute("aria-live") is None
    place_call(live_server, ["2", "", "", ""])
    page.locator("tr.waiting").wait_for(timeout=10_000)
    announcement = page.locator("#announcements")
    page.wait_for_function("() => document.getElementById('announcements').textContent.length > 0")
    assert announcement.inner_text().startswith("New caller waiting in billing.en.B")
    assert "callback" not in announcement.inner_text().lower()
    assert page.evaluate("() => document.activeElement.textContent") == "Claim callback to +447911555444"


def test_an_agent_claims_a_callback_and_closes_it(page, live_server, served_app, anna):
    """An open request shows a Claim button; claimed, it shows the agent and a Close button; closed, it is gone."""
    a_callback(served_app, CALLER)
    sign_in(page, live_server)
    page.get_by_role("button", name=f"Claim callback to {CALLER}").click()
    expect(page.locator(".notice")).to_contain_text("Callback claimed")
    expect(page.locator("tr.callback")).to_contain_text("claimed by 1001")
    page.get_by_role("button", name=f"Close callback to {CALLER}").click()
    expect(page.locator("#live")).to_contain_text("No callback requests.")


def test_an_ended_session_sends_the_agent_to_the_sign_in_page(page, live_server, served_app, anna):
    """Ended from elsewhere (a new password does this), the open console goes to sign-in by itself,
    as a page of its own, not the sign-in form inside the console."""
    sign_in(page, live_server)
    assert parts_of(served_app).get(PageSessions).end_all("/console", "1001") == 1
    page.wait_for_url(re.compile(r"/console/sign-in$"), timeout=10_000)
    assert page.locator("h1").count() == 1 and page.locator("#live").count() == 0
    assert page.get_by_label("Agent number").is_visible()


def test_an_agent_verifies_the_call_they_chose_and_its_row_turns_verified(page, live_server, served_app, anna):
    """Verify on a caller's row, the account number, the organisation's contacts masked to pick from, send,
    the code from the outbox read out, check: the result beside the form, the row verified at once."""
    admin_put(live_server, "/admin/api/orgs/100200", CONTOSO)
    place_call(live_server, ["2", "", "", ""])
    sign_in(page, live_server)
    page.get_by_role("link", name=re.compile("Verify the caller in billing.en.B")).click()
    page.get_by_label("Account number the caller gives").fill("100200")
    page.get_by_role("button", name="Find the organisation").click()
    page.locator("#verify fieldset").wait_for()
    contacts = page.locator("#verify fieldset label").all_inner_texts()
    assert len(contacts) == 2 and "+46701234567" not in " ".join(contacts) and "jane.doe" not in " ".join(contacts)
    page.get_by_label(re.compile("e-mail to")).check()
    page.get_by_role("button", name="Send the code").click()
    expect(page.locator("#verify-result")).to_contain_text("Code sent to")
    code = re.search(r"\b(\d{6})\b", parts_of(served_app).get(Outbox).messages()[0]["body"]).group(1)
    page.get_by_label("Code the caller reads out").fill(code)
    page.get_by_role("button", name="Check the code").click()
    expect(page.locator("#verify-result")).to_contain_text("Verified: the call is marked verified")
    row = page.locator("tr.waiting")
    expect(row).to_have_class(re.compile(r"\bverified\b"))
    assert "verified" in row.get_attribute("class").split() and "Contoso (by agent 1001)" in row.inner_text()
    assert_accessible(page)


def test_the_console_fits_a_phone_with_callers_callbacks_and_the_verify_step(phone_page, live_server, served_app, anna):
    """At 390 px the tables become stacked rows: nothing sticks out sideways, and axe-core finds nothing."""
    admin_put(live_server, "/admin/api/orgs/100200", CONTOSO)
    a_callback(served_app)
    place_call(live_server, ["2", "", "", ""])
    sign_in(phone_page, live_server)
    phone_page.get_by_role("link", name=re.compile("Verify the caller")).click()
    phone_page.get_by_label("Account number the caller gives").fill("100200")
    phone_page.get_by_role("button", name="Find the organisation").click()
    phone_page.wait_for_load_state("load")
    phone_page.locator("#verify fieldset").wait_for()
    assert horizontal_overflow(phone_page) == 0
    assert_accessible(phone_page)
