"""The agent desktop's server side: the screen pop the router shows before hello (from its own records, whatever
rings), the roster for the transfer picker, the console's own JSON API (session cookie + CSRF header), and the
wrap-up that knows which call it is about.

Push routing rings the agent with Calls create (https://www.twilio.com/docs/voice/api/call-resource); the
in-call controls act on the call's conference
(https://www.twilio.com/docs/voice/api/conference-participant-resource), as in test_in_call_controls.py.
"""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest

from call_store.call_state import CallStatus, CallStore
from tests.conftest import CONTOSO
from tests.integration.agents.test_push_routing import ANNA, BERIT, World
from workforce.presence import AgentPresence, AgentState

UNKNOWN_CALLER = "+46709998877"  # on no organisation's profile


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = World(settings, redis_client, clock)
    yield here
    here.close()


def console(world, agent_id="1001", password="correct horse battery"):
    """A console session for the agent (its own client, so its cookie is its own), and its CSRF token."""
    client = world.app.test_client()
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed_in = client.post("/console/sign-in", data={"agent_id": agent_id, "password": password, "csrf_token": token})
    assert signed_in.status_code == 302
    page = client.get("/console").get_data(as_text=True)
    return client, re.search(r'data-csrf="([^"]+)"', page).group(1)


def pop_text(page: str) -> str:
    """The screen pop's words, tags stripped."""
    match = re.search(r'<section id="screen-pop-.*?</section>', page, re.DOTALL)
    assert match, "no screen pop on the page"
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", match.group(0))).split())


def test_the_offered_caller_pops_up_before_hello_with_everything_the_agent_needs(world):
    """Offered (Anna's phone rings, nobody has said hello): line and language by name, queue, a coloured
    severity badge, organisation and how verified, plan and the policy's first response with its deadline
    (standard plan, A: within one hour of joining the queue at 10:00 Stockholm time), time waited, call."""
    world.agent("1001", ANNA, answer_after=None)
    world.caller()
    world.clock.at += timedelta(minutes=3)
    world.available("1001")
    assert world.state("1001") is AgentState.OFFERED
    client, _ = console(world)
    page = client.get("/console").get_data(as_text=True)
    text = pop_text(page)
    assert "Offered to you now: technical.sv.A" in text
    assert "Line Sweden" in text and "Caller's language Swedish" in text and "sv-SE" not in text
    assert 'class="severity severity-a">Severity A — critical' in page
    assert "Organisation Contoso" in text and "Verified: Contoso, by calling from a registered phone" in text
    assert "Plan standard" in text and "First response promised within one hour (by 11:00 Europe/Stockholm)" in text
    assert "Waited 3 min" in text and "Transferred from —" in text and "Type Call" in text
    assert "Your phone is ringing" in text
    assert 'data-announce="Call offered to you: technical.sv.A, Sweden, Swedish, Severity A — critical."' in page
    assert 'id="desk" aria-labelledby="desk-heading" data-state="offered"' in page


def test_an_unverified_caller_pops_up_red_and_plainly_not_to_be_trusted(world):
    """A caller on no profile who keys no account number: "Not verified: do not access the account"."""
    world.agent("1001", ANNA, answer_after=None)
    world.caller(from_=UNKNOWN_CALLER, answers=["1", "1", "2", "", "", ""])
    world.available("1001")
    client, _ = console(world)
    page = client.get("/console").get_data(as_text=True)
    assert '<strong class="unverified-banner">Not verified: do not access the account</strong>' in page
    assert "First response promised within 8 hours (by 18:00 Europe/Stockholm)" in pop_text(page)
    assert 'data-verify="yes"' in page


def test_nothing_pops_up_for_an_agent_who_is_not_offered_anything(world):
    world.agent("1001", ANNA)
    client, _ = console(world)
    page = client.get("/console").get_data(as_text=True)
    assert "screen-pop-" not in page and 'data-state="offline"' in page and 'data-call=""' in page


def test_the_roster_lists_every_agent_with_skills_and_state_for_the_picker(world):
    """GET /agent/api/agents (HTTP Basic) and the console's own /console/api/agents: the same list, by name."""
    world.agent("1001", ANNA)
    world.agent("1002", BERIT)
    world.available("1002")
    by_api = world.client.get("/agent/api/agents", auth=("1001", "correct horse battery"))
    assert by_api.status_code == 200
    agents = by_api.get_json()["agents"]
    assert [(a["agent_id"], a["name"], a["state"]) for a in agents] == [("1001", "Anna", "offline"),
                                                                       ("1002", "Berit", "available")]
    assert agents[1]["queues"] == ["technical"] and agents[1]["languages"] == ["sv"]
    assert agents[1]["since"] == world.clock.at.isoformat()
    client, _ = console(world)
    assert client.get("/console/api/agents").get_json()["agents"] == agents
    assert world.client.get("/agent/api/agents").status_code == 401


def test_the_console_api_needs_the_session_and_for_a_change_its_csrf_token(world):
    """No session: 401 (the page goes to sign-in). A change without the session's token in X-CSRF-Token: 403,
    nothing changed. With it: the agent is available, on the browser phone."""
    world.agent("1001", ANNA)
    stranger = world.app.test_client()
    assert stranger.get("/console/api/state").status_code == 401
    client, token = console(world)
    refused = client.put("/console/api/state", json={"state": "available", "ring": "browser"})
    assert refused.status_code == 403 and world.state("1001") is AgentState.OFFLINE
    wrong = client.put("/console/api/state", json={"state": "available"}, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    done = client.put("/console/api/state", json={"state": "available", "ring": "browser"}, headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.get_json()["ring"] == "client:1001"
    assert world.state("1001") is AgentState.AVAILABLE
    page = client.get("/console").get_data(as_text=True)
    assert "offered calls ring in this browser" in page


def test_hold_from_the_console_reaches_the_calls_conference(world):
    """The console's hold goes through the same controls as the agent API: Participant update with Hold."""
    world.agent("1001", ANNA, talk_seconds=None)
    caller = world.caller(talk_seconds=None)
    world.available("1001")
    world.advance(40)
    assert world.parts.get(CallStore).get(caller.call_sid).status is CallStatus.CONNECTED
    client, token = console(world)
    page = client.get("/console").get_data(as_text=True)
    assert f'data-call="{caller.call_sid}"' in page and 'data-state="busy"' in page and "Your call: technical.sv.A" in page
    held = client.post(f"/console/api/calls/{caller.call_sid}/hold", json={"hold": True}, headers={"X-CSRF-Token": token})
    assert held.status_code == 200
    world.settle()
    [update] = [r for r in world.api.received if r["path"].endswith(f"/Participants/{caller.call_sid}.json")]
    assert update["form"]["Hold"] == "true"
    # A reloaded console still knows the caller is on hold (its button offers to resume them), until resumed.
    assert 'data-hold="yes"' in client.get("/console").get_data(as_text=True)
    assert world.client.get("/agent/api/desk", auth=("1001", "correct horse battery")).get_json()["call"]["on_hold"]
    resumed = client.post(f"/console/api/calls/{caller.call_sid}/hold", json={"hold": False}, headers={"X-CSRF-Token": token})
    assert resumed.status_code == 200
    assert 'data-hold="no"' in client.get("/console").get_data(as_text=True)


def test_after_the_call_the_desk_shows_the_last_call_and_its_wrap_up_ends_with_a_disposition(world):
    """Call over: wrap-up, the last call still on the desk (the router remembers it), a disposition recorded
    from the console ends the wrap-up at once."""
    world.agent("1001", ANNA, talk_seconds=30)
    caller = world.caller()
    world.available("1001")
    world.advance(90)
    assert world.state("1001") is AgentState.WRAP_UP
    assert world.parts.get(AgentPresence).get("1001").last == caller.call_sid
    client, token = console(world)
    page = client.get("/console").get_data(as_text=True)
    assert f'data-call="{caller.call_sid}"' in page and "Your last call: technical.sv.A" in page
    until = world.parts.get(AgentPresence).get("1001").until.timestamp()
    assert f'data-until="{until}"' in page
    done = client.post(f"/console/api/calls/{caller.call_sid}/wrap-up", json={"disposition": "resolved"},
                       headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.get_json()["state"] == "available"
    assert world.parts.get(CallStore).get(caller.call_sid).disposition == "resolved"
    assert "screen-pop-" not in client.get("/console").get_data(as_text=True)


def test_an_agent_who_transferred_the_caller_still_wraps_up_that_call(world):
    """A cold transfer gives the caller back to a queue (the call is no longer Anna's), yet Anna's wrap-up is
    about it: her disposition is taken, and nobody else's call can be disposed of that way."""
    world.agent("1001", ANNA, talk_seconds=None)
    caller = world.caller(talk_seconds=None)
    world.available("1001")
    world.advance(40)
    client, token = console(world)
    moved = client.post(f"/console/api/calls/{caller.call_sid}/transfer", json={"queue": "billing", "reason": "invoice"},
                        headers={"X-CSRF-Token": token})
    assert moved.status_code == 200
    world.settle()
    world.advance(2)
    assert world.state("1001") is AgentState.WRAP_UP
    assert world.parts.get(CallStore).get(caller.call_sid).agent != "1001"
    world.agent("1002", BERIT)
    berit, berit_token = console(world, "1002")
    assert berit.post(f"/console/api/calls/{caller.call_sid}/wrap-up", json={"disposition": "resolved"},
                      headers={"X-CSRF-Token": berit_token}).status_code == 404
    done = client.post(f"/console/api/calls/{caller.call_sid}/wrap-up", json={"disposition": "escalated"},
                       headers={"X-CSRF-Token": token})
    assert done.status_code == 200 and done.get_json()["state"] == "available"


def test_the_screen_pop_is_also_a_get_for_other_tools(world):
    """GET /agent/api/desk: the same facts as the page, as JSON (for a CRM beside the console, say)."""
    world.agent("1001", ANNA, answer_after=None)
    caller = world.caller()
    world.available("1001")
    body = world.client.get("/agent/api/desk", auth=("1001", "correct horse battery")).get_json()
    assert body["state"] == "offered" and body["state_words"] == "Offered a call" and body["call_sid"] == caller.call_sid
    pop = body["call"]
    assert (pop["call_sid"], pop["line"], pop["language"], pop["queue"], pop["severity"]) == (
        caller.call_sid, "Sweden", "Swedish", "technical.sv.A", "Severity A — critical")
    assert pop["verified"] is True and pop["organisation"] == "Contoso" and pop["plan"] == "standard"
    assert pop["first_response"] == "within one hour (by 11:00 Europe/Stockholm)" and pop["kind"] == "Call"
    client, _ = console(world)
    assert client.get("/console/api/desk").get_json() == body
