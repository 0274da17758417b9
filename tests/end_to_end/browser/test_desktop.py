"""The agent desktop in headless Chromium, against the router on a real port with push routing through the
REST stand-in (twilio_simulator): the router places `client:1001` with Calls create
(https://www.twilio.com/docs/voice/api/call-resource), and the browser's Device is replaced at the SDK's
boundary by tests/end_to_end/browser/stand_ins/twilio_voice_device.js, which emits the SDK's own events
(Device `incoming`, Call `accept`, `disconnect`: https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice,
https://www.twilio.com/docs/voice/sdks/javascript/twiliocall,
https://twilio.github.io/twilio-voice.js/functions/Call.rejectEvent.html,
https://twilio.github.io/twilio-voice.js/functions/Call.disconnectEvent.html). Hold and transfer act on the call's conference
(https://www.twilio.com/docs/voice/api/conference-participant-resource) and the caller's call (Calls update).

The stand-in Device cannot answer the simulated leg itself: the test lets the switchboard's clock run once the
agent clicks Accept, and the leg to client:1001 picks up as Twilio's does when a Device accepts.
"""
from __future__ import annotations

import re
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from call_store.call_state import CallStatus, CallStore
from tests.end_to_end.browser.conftest import assert_accessible, horizontal_overflow
from tests.integration.agents.test_push_routing import ADMIN, SE_LINE, World
from twilio_simulator.twiml_verbs import Party
from verification.delivery import Outbox
from workforce.presence import AgentState

STAND_IN = (Path(__file__).resolve().parent / "stand_ins" / "twilio_voice_device.js").read_text(encoding="utf-8")
PASSWORD = "correct horse battery"
ANNA = {"name": "Anna", "pin": "4711", "password": PASSWORD, "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}
BERIT = {"name": "Berit", "pin": "4712", "password": PASSWORD, "queues": ["technical"], "languages": ["sv"],
         "phones": ["+46702223344"]}
CONTOSO = {"name": "Contoso", "registered_phones": ["+46701234567"], "registered_emails": ["jane.doe@contoso.com"],
           "purchased_via": "direct", "plan": "standard"}
STRANGER = "+46709998877"  # on no organisation's profile: waits unverified


class Desktop:
    """The router (push routing on, browser phone configured) on a real port, its switchboard and REST stand-in."""

    def __init__(self, settings, redis_client, clock):
        voice = replace(settings, twilio_api_key="SK" + "b" * 32, twilio_api_secret="b" * 32,
                        twilio_twiml_app_sid="AP" + "c" * 32)
        self.world = World(voice, redis_client, clock)
        self.server = make_server("127.0.0.1", 0, self.world.app, threaded=True)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.client = self.world.client

    def agent(self, agent_id: str, record: dict) -> None:
        assert self.client.put(f"/admin/api/agents/{agent_id}", json=record, headers=ADMIN).status_code == 201
        # The Device picks up when the agent accepts: the leg answers once the test lets time run.
        self.world.board.engine.parties[f"client:{agent_id}"] = Party(answer_after=1, talk_seconds=None)

    def caller(self, from_: str = STRANGER, answers=("1", "1", "1", "", "", "")):
        from twilio_simulator.twilio_player import CallPlayer

        player = CallPlayer(switchboard=self.world.board, to=SE_LINE, from_=from_, answers=list(answers), stay=True,
                            talk_seconds=None)
        player.play()
        self.world.settle()
        return player

    def open(self, browser, agent_id: str, viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or {"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.route("**/static/vendor/twilio-voice/twilio.min.js",
                   lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN))
        page.goto(f"{self.url}/console")
        page.get_by_label("Agent number").fill(agent_id)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.locator("#live").wait_for()
        expect(page.locator("#softphone-status")).to_contain_text("Browser phone ready")
        return page

    def posted(self, path_end: str) -> list[dict]:
        return [r for r in self.world.api.received if r["method"] == "POST" and r["path"].endswith(path_end)]

    def close(self):
        self.server.shutdown()
        self.world.close()


@pytest.fixture
def desktop(settings, redis_client, clock):
    here = Desktop(settings, redis_client, clock)
    here.client.put("/admin/api/orgs/100200", json=CONTOSO, headers=ADMIN)
    here.agent("1001", ANNA)
    here.agent("1002", BERIT)
    yield here
    here.close()


def go_available_in_the_browser(page) -> None:
    page.get_by_label("Available", exact=True).check()
    page.get_by_label("In this browser").check()
    page.get_by_role("button", name="Change my state").click()
    expect(page.locator("#state-result")).to_have_text("You are available.")
    expect(page.locator("#my-state")).to_have_text("Available")


def test_an_agent_takes_an_offered_call_in_the_browser_from_screen_pop_to_wrap_up(desktop, browser):
    """Sign in, go available in the browser; the router offers a caller (Calls create to client:1001); the
    screen pop shows before hello; accept; hold and resume; verify the caller by code (the code read from the
    outbox) and see the pop turn verified; transfer back to a queue, where their row is verified; wrap up with a
    disposition and a countdown. Meanwhile a second agent's page sees Anna go busy without a reload, and keeps
    its keyboard focus. axe-core finds nothing at each step."""
    anna = desktop.open(browser, "1001")
    berit = desktop.open(browser, "1002")
    berit_button = berit.get_by_role("button", name="Change my state")
    berit_button.focus()
    go_available_in_the_browser(anna)
    expect(berit.locator("#agent-1001 .agent-state")).to_have_text("Available")
    assert_accessible(anna)

    caller = desktop.caller()
    [create] = desktop.posted("/Calls.json")
    assert create["form"]["To"] == "client:1001"
    pop = anna.locator(f"#screen-pop-{caller.call_sid}")
    expect(pop).to_contain_text("Offered to you now: technical.sv.A")
    for words in ("Sweden", "Swedish", "Severity A — critical", "Not verified: do not access the account",
                  "within one hour", "Waited", "Call"):
        expect(pop).to_contain_text(words)
    expect(pop.locator(".severity-a")).to_have_count(1)
    expect(anna.locator("#announcements")).to_contain_text("Call offered to you: technical.sv.A")
    expect(anna.locator("#my-state")).to_have_text("Offered a call")
    [leg] = desktop.world.legs_to("client:1001")
    anna.evaluate("sid => window.standIn.ring({CallSid: sid, From: 'client:1001'})", leg.sid)
    accept = anna.get_by_role("button", name="Accept the call")
    expect(accept).to_be_focused()
    assert_accessible(anna)
    accept.click()
    desktop.world.advance(10)  # the accepted leg answers, the router joins both in the call's conference
    assert desktop.world.parts.get(CallStore).get(caller.call_sid).status is CallStatus.CONNECTED
    expect(anna.locator("#my-state")).to_have_text("Busy: on a call")
    expect(anna.locator("#in-call")).to_be_visible()
    expect(berit.locator("#agent-1001 .agent-state")).to_have_text("Busy: on a call")
    assert berit.evaluate("() => document.activeElement.textContent") == "Change my state"
    expect(anna.locator(".my-state .time-in-state")).to_have_text(re.compile(r"^\d+ s$|^\d+ min \d+ s$"))
    expect(berit.locator("#agent-1001 .time-in-state")).to_have_text(re.compile(r"^\d+ s$|^\d+ min \d+ s$"))

    hold = anna.get_by_role("button", name="Hold the caller")
    hold.click()
    expect(anna.locator("#in-call-result")).to_have_text("The caller is on hold, hearing music.")
    resume = anna.get_by_role("button", name="Resume the caller")
    expect(resume).to_have_attribute("aria-pressed", "true")
    [held] = desktop.posted(f"/Participants/{caller.call_sid}.json")
    assert held["form"]["Hold"] == "true"
    resume.click()
    expect(anna.locator("#in-call-result")).to_have_text("The caller is back with you.")
    assert desktop.posted(f"/Participants/{caller.call_sid}.json")[-1]["form"]["Hold"] == "false"

    expect(anna.locator("#call-verify")).to_be_visible()
    anna.get_by_label("Caller's account number").fill("100200")
    anna.get_by_role("button", name="Show the registered contacts").click()
    contacts = anna.locator("#verify-contacts label")
    expect(contacts).to_have_count(2)
    assert "jane.doe" not in " ".join(contacts.all_inner_texts()) and "+46701234567" not in " ".join(contacts.all_inner_texts())
    anna.get_by_label(re.compile("e-mail to")).check()
    anna.get_by_role("button", name="Send a code to that contact").click()
    expect(anna.locator("#verify-status")).to_contain_text("Code sent to")
    code = re.search(r"\b(\d{6})\b", desktop.world.parts.get(Outbox).messages()[0]["body"]).group(1)
    anna.get_by_label("The code the caller read out").fill(code)
    anna.get_by_role("button", name="Check the caller's code").click()
    expect(anna.locator("#verify-status")).to_contain_text("Verified: the call is marked verified")
    expect(pop).to_have_class(re.compile(r"\bverified\b"))
    expect(pop).to_contain_text("Verified: Contoso, by agent 1001")
    assert_accessible(anna)

    expect(anna.locator("#transfer-agent option")).to_have_count(1)
    assert "Berit (1002)" in anna.locator("#transfer-agent option").inner_text()
    anna.get_by_label("Queue", exact=True).select_option("technical")
    anna.get_by_label("Reason (the next agent hears it)").fill("needs a second look")
    anna.get_by_role("button", name="Transfer the caller now").click()
    expect(anna.locator("#in-call-result")).to_have_text("Transferred to technical.")
    desktop.world.settle()
    desktop.world.advance(2)
    row = anna.locator(f"#call-{caller.call_sid}")
    expect(row).to_have_class(re.compile(r"\bverified\b"))
    expect(row).to_contain_text("Contoso (by agent 1001)")

    expect(anna.locator("#my-state")).to_have_text("Wrap-up")
    wrap_up = anna.locator("#wrap-up")
    expect(wrap_up).to_be_visible()
    # Counted down from WRAP_UP_SECONDS (30) by the router's clock (held still here, so from page load on).
    left = int(anna.locator("#wrap-up-left").inner_text())
    assert 0 < left <= 30
    anna.wait_for_function("left => parseInt(document.getElementById('wrap-up-left').textContent, 10) < left", arg=left)
    assert_accessible(anna)
    wrap_up.get_by_label("Escalated").check()
    anna.get_by_role("button", name="Finish wrap-up").click()
    expect(anna.locator("#wrap-up-result")).to_have_text("Recorded as escalated; you are available.")
    assert desktop.world.parts.get(CallStore).get(caller.call_sid).disposition == "escalated"
    assert desktop.world.state("1001") in (AgentState.AVAILABLE, AgentState.OFFERED)  # and may be offered again
    assert horizontal_overflow(anna) == 0


def test_a_warm_transfer_consults_an_agent_picked_from_the_roster_then_completes(desktop, browser):
    """In a call, Berit (available) picked in the roster: "Talk to them first" holds the caller and calls Berit
    into the conference; once she has joined, Complete leaves the caller with her and Anna in wrap-up."""
    anna = desktop.open(browser, "1001")
    go_available_in_the_browser(anna)
    caller = desktop.caller()
    expect(anna.locator(f"#screen-pop-{caller.call_sid}")).to_be_visible()
    anna.evaluate("() => window.standIn.ring({})")
    anna.get_by_role("button", name="Accept the call").click()
    desktop.world.advance(10)
    expect(anna.locator("#in-call")).to_be_visible()
    assert desktop.client.put("/agent/api/state", json={"state": "available", "ring": "browser"},
                              auth=("1002", PASSWORD)).status_code == 200
    anna.get_by_label("To an agent").check()
    expect(anna.locator("#transfer-agent option")).to_have_text(["Berit (1002), available: technical in sv"])  # live
    anna.get_by_label("Agent (available ones first)").select_option("1002")
    anna.get_by_role("button", name="Talk to them first (warm transfer)").click()
    expect(anna.locator("#in-call-result")).to_contain_text("calling agent 1002 into the call")
    desktop.world.settle()
    desktop.world.advance(10)
    expect(anna.locator("#consult-bar")).to_be_visible()
    expect(anna.locator("#consult-who")).to_contain_text("Consulting Berit (1002)")
    assert_accessible(anna)
    anna.get_by_role("button", name="Complete the transfer").click()
    expect(anna.locator("#in-call-result")).to_contain_text("the caller stays with agent 1002")
    desktop.world.settle()
    assert desktop.world.parts.get(CallStore).get(caller.call_sid).agent == "1002"
    expect(anna.locator("#my-state")).to_have_text("Wrap-up")


def test_the_desktop_fits_a_phone_while_offered_and_in_a_call(desktop, browser):
    """At 390 px, the screen pop, the in-call bar and the roster stack: nothing overflows, axe-core finds nothing."""
    anna = desktop.open(browser, "1001", viewport={"width": 390, "height": 844})
    go_available_in_the_browser(anna)
    caller = desktop.caller()
    expect(anna.locator(f"#screen-pop-{caller.call_sid}")).to_be_visible()
    anna.evaluate("() => window.standIn.ring({})")
    expect(anna.get_by_role("button", name="Accept the call")).to_be_visible()
    assert horizontal_overflow(anna) == 0
    assert_accessible(anna)
    anna.get_by_role("button", name="Accept the call").click()
    desktop.world.advance(10)
    expect(anna.locator("#call-verify")).to_be_visible()
    assert horizontal_overflow(anna) == 0
    assert_accessible(anna)
