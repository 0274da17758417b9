"""The agent console in headless Chromium: sign in, watch a caller appear, claim a callback."""
from __future__ import annotations

import json
import urllib.request

from call_store.callbacks import CallbackBook
from tests.end_to_end.browser.conftest import ADMIN_TOKEN
from tests.conftest import TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, http_transport
from web.registry import parts_of

ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}


def admin_put(base: str, path: str, body: dict) -> None:
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(), method="PUT",
                                     headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()


def place_call(base: str, answers: list[str], hold_cycles: int = 1):
    return CallPlayer(transport=http_transport(), auth_token=TWILIO_TOKEN, base_url=base, to="+448000326417",
                      from_="+447911999888", answers=answers, hold_cycles=hold_cycles, stay=True).play()


def sign_in(page, base: str) -> None:
    page.goto(f"{base}/console")
    page.get_by_label("Agent number").fill("1001")
    page.get_by_label("Password").fill(ANNA["password"])
    page.get_by_role("button", name="Sign in").click()


def test_an_agent_signs_in_and_sees_a_waiting_caller_appear_by_itself(page, live_server):
    """The page is open before the caller arrives; the live view shows them within seconds, unverified."""
    admin_put(live_server, "/admin/api/agents/1001", ANNA)
    sign_in(page, live_server)
    assert "Nobody is waiting." in page.locator("#live").inner_text()
    place_call(live_server, ["2", "", "", ""])  # billing; no account number: goes on unverified
    row = page.locator("tr.waiting")
    row.wait_for(timeout=10_000)
    assert "billing.en.B" in row.inner_text() and "not verified" in row.inner_text()
    page.screenshot(path="/tmp/console.png", full_page=True)


def test_an_agent_claims_a_callback_and_closes_it(page, live_server, served_app):
    """An open request shows a Claim button; claimed, it shows the agent and a Close button; closed, it is gone."""
    admin_put(live_server, "/admin/api/agents/1001", ANNA)
    parts_of(served_app).get(CallbackBook).request(
        sid="CA" + "1" * 32, number="+447911999888", line="GB", queue_name="billing.en.B", language="en-GB", place=0)
    sign_in(page, live_server)
    page.get_by_role("button", name="Claim callback to +447911999888").click()
    assert "Callback claimed" in page.get_by_role("status").inner_text()
    assert "claimed by 1001" in page.locator("tr.callback").inner_text()
    page.get_by_role("button", name="Close callback to +447911999888").click()
    assert "No callback requests." in page.locator("#live").inner_text()
