"""In-call controls over the agent API, acting on the call's conference through the REST stand-in.

Conference Participant update (https://www.twilio.com/docs/voice/api/conference-participant-resource):
Hold + HoldUrl (the held participant alone hears it; Say, Play, Pause, Redirect only), Muted, Coaching with
CallSidToCoach; Participants create dials a leg in. Calls update
(https://www.twilio.com/docs/voice/api/call-resource): Url moves a live call out of its conference to new
TwiML; Status=completed ends it.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from call_store.call_state import CallStatus, CallStore
from call_store.waiting import WAITING
from prompts.catalogue import Catalogues
from tests.integration.agents.test_push_routing import ANNA, World
from workforce.presence import AgentState

CARL = {"name": "Carl", "pin": "4713", "password": "correct horse battery", "queues": ["billing"],
        "languages": ["en"], "phones": ["+46703334455"]}
SAM = {"name": "Sam", "pin": "4714", "password": "correct horse battery", "queues": ["technical"],
       "languages": ["en"], "phones": ["+46704445566"], "supervisor": True}
ANNA_AUTH = ("1001", "correct horse battery")


@pytest.fixture
def talking(settings, redis_client, clock, register):
    """Anna and a verified Contoso caller in the call's conference, both staying on the line."""
    from tests.conftest import CONTOSO

    register("100200", **CONTOSO)
    world = World(settings, redis_client, clock)
    world.agent("1001", ANNA, talk_seconds=None)
    caller = world.caller(talk_seconds=None)
    world.available("1001")
    world.advance(40)
    assert world.parts.get(CallStore).get(caller.call_sid).status is CallStatus.CONNECTED
    yield world, caller
    world.close()


def posted(world, path_end):
    return [r for r in world.api.received if r["method"] == "POST" and r["path"].endswith(path_end)]


def test_hold_plays_music_to_the_caller_only_and_resume_brings_them_back(talking):
    world, caller = talking
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/hold", json={"hold": True}, auth=ANNA_AUTH)
    assert response.status_code == 200
    world.settle()
    [update] = posted(world, f"/Participants/{caller.call_sid}.json")
    assert update["form"]["Hold"] == "true" and "/ivr/on-hold?lang=sv-SE" in update["form"]["HoldUrl"]
    thanks = world.parts.get(Catalogues)("sv-SE").text("hold_thanks")
    assert caller.leg.transcript.said()[-1] == thanks
    [anna] = world.legs_to(ANNA["phones"][0])
    assert thanks not in anna.transcript.said()
    world.client.post(f"/agent/api/calls/{caller.call_sid}/hold", json={"hold": False}, auth=ANNA_AUTH)
    world.settle()
    conference = next(c for c in world.board.engine.conferences.values() if c.name == "call-" + caller.call_sid)
    assert conference.participants[caller.call_sid].hold is False


def test_a_cold_transfer_requeues_at_the_first_arrival_with_verification_and_says_who_and_why(talking):
    """Anna sends the caller to billing: they wait there from their first arrival, still verified; Anna wraps
    up; Carl, rung next, hears that Anna transferred them and why."""
    world, caller = talking
    first_arrival = world.parts.get(CallStore).get(caller.call_sid).enqueued_at
    world.clock.at += timedelta(minutes=3)
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/transfer",
                                 json={"queue": "billing", "reason": "an invoice question"}, auth=ANNA_AUTH)
    assert response.status_code == 200
    world.settle()
    state = world.parts.get(CallStore).get(caller.call_sid)
    assert (state.status, state.verified.value, state.org_name) == (CallStatus.QUEUED, "yes", "Contoso")
    assert caller.leg.place == "queue"
    client = world.parts.get(redis.Redis)  # the waiting record keeps the first arrival
    assert client.zscore(WAITING + str(state.queue_name), caller.call_sid) == first_arrival.timestamp()
    assert world.state("1001") is AgentState.WRAP_UP
    world.agent("1003", CARL)
    world.available("1003", password="correct horse battery")
    world.advance(40)
    [carl] = world.legs_to(CARL["phones"][0])
    assert "Transferred by Anna: an invoice question." in carl.transcript.said()
    assert "Organisation Contoso, verified by their registered phone." in carl.transcript.said()
    assert "Waited 3 minutes." in carl.transcript.said()


def test_end_call_hangs_up_the_caller_and_the_agent_wraps_up_then_records_a_disposition(talking):
    world, caller = talking
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/end", auth=ANNA_AUTH).status_code == 200
    world.settle()
    assert caller.leg.ended and world.state("1001") is AgentState.WRAP_UP
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/wrap-up", json={"disposition": "resolved"},
                                 auth=ANNA_AUTH)
    assert response.get_json() == {"call_sid": caller.call_sid, "disposition": "resolved", "state": "available"}
    assert world.parts.get(CallStore).get(caller.call_sid).disposition == "resolved"
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/wrap-up", json={"disposition": "shrug"},
                             auth=ANNA_AUTH).status_code == 400


@pytest.mark.parametrize(("mode", "muted", "coaching"), [("listen", "true", "false"), ("coach", "false", "true"),
                                                         ("barge", "false", "false")])
def test_a_supervisor_listens_coaches_or_barges(talking, mode, muted, coaching):
    """Sam is dialled into the conference: muted to listen, coaching Anna's leg, or plainly to barge."""
    world, caller = talking
    world.agent("2001", SAM)
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/monitor", json={"mode": mode},
                                 auth=("2001", "correct horse battery"))
    assert response.status_code == 200, response.get_json()
    [create] = posted(world, "/Participants.json")
    form = create["form"]
    assert (form["To"], form["Muted"], form["Coaching"], form["Label"]) == ("+46704445566", muted, coaching, "supervisor-2001")
    [anna] = world.legs_to(ANNA["phones"][0])
    assert form.get("CallSidToCoach") == (anna.sid if mode == "coach" else None)
    world.advance(5)
    conference = next(c for c in world.board.engine.conferences.values() if c.name == "call-" + caller.call_sid)
    assert len(conference.participants) == 3


def test_only_the_agents_own_calls_and_only_supervisors_monitor(talking):
    """Another agent gets 404 for Anna's call; a non-supervisor 403 for monitoring; a malformed sid 404."""
    world, caller = talking
    world.agent("1003", CARL)
    carl = ("1003", "correct horse battery")
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/hold", json={"hold": True}, auth=carl).status_code == 404
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/monitor", json={"mode": "listen"},
                             auth=carl).status_code == 403
    assert world.client.post("/agent/api/calls/not-a-sid/end", auth=ANNA_AUTH).status_code == 404
    assert posted(world, f"/Participants/{caller.call_sid}.json") == []
