"""Transfers to a named agent and warm transfers, through signed webhooks and the REST stand-in.

A transfer to a named agent redirects the caller out of the conference (Calls update `Url`,
https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource) back into their own queue
(<Enqueue>, https://www.twilio.com/docs/voice/twiml/enqueue), where they are offered to that agent alone
(Calls create to the agent, https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import redis

from call_store.call_state import CallStatus, CallStore
from call_store.waiting import WAITING
from tests.integration.agents import test_in_call_controls
from tests.integration.agents.test_in_call_controls import ANNA_AUTH, posted
from tests.integration.agents.test_push_routing import BERIT, BERIT_PHONE
from workforce.presence import AgentState

talking = test_in_call_controls.talking  # Anna and a verified caller in the call's conference
PASSWORD = "correct horse battery"
DORA = {"name": "Dora", "pin": "4715", "password": PASSWORD, "queues": ["technical"], "languages": ["sv"],
        "phones": ["+46705556677"]}


def transfer(world, caller, **body):
    return world.client.post(f"/agent/api/calls/{caller.call_sid}/transfer", json=body, auth=ANNA_AUTH)


def test_a_transfer_to_a_named_agent_rings_that_agent_alone_who_hears_who_transferred_and_why(talking):
    """Anna passes the caller to Berit: Dora, idle longer and as skilled, is not rung; Berit's briefing says
    Anna transferred the caller and why, the caller keeps their verification, and Anna wraps up."""
    world, caller = talking
    world.agent("1004", DORA)
    world.available("1004")
    world.clock.at += timedelta(seconds=30)
    world.agent("1002", BERIT)
    world.available("1002")
    before = len(world.created_calls())
    response = transfer(world, caller, agent="1002", reason="nätverksfrågan")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"call_sid": caller.call_sid, "transferred_to_agent": "1002"}
    world.settle()
    [redirect] = posted(world, f"/Calls/{caller.call_sid}.json")
    assert redirect["form"]["Url"].endswith("/ivr/requeue?queue=technical")
    assert [c["form"]["To"] for c in world.created_calls()[before:]] == [BERIT_PHONE]
    assert world.state("1001") is AgentState.WRAP_UP and world.state("1004") is AgentState.AVAILABLE
    world.advance(40)
    [berit] = world.legs_to(BERIT_PHONE)
    assert "Kopplad från Anna: nätverksfrågan." in berit.transcript.said()
    assert "Organisation Contoso, verifierad via sin registrerade telefon." in berit.transcript.said()
    state = world.parts.get(CallStore).get(caller.call_sid)
    assert (state.status, state.agent, state.verified.value) == (CallStatus.CONNECTED, "1002", "yes")
    assert world.state("1002") is AgentState.BUSY


def test_a_named_agent_who_does_not_answer_leaves_the_caller_first_in_their_queue_for_anyone(talking):
    """Berit never answers: she goes offline-missed, the caller waits in their own queue from their first arrival,
    verified still, and Dora, available next, is rung for them."""
    world, caller = talking
    first_arrival = world.parts.get(CallStore).get(caller.call_sid).enqueued_at
    world.agent("1002", BERIT, answer_after=None)
    world.available("1002")
    world.clock.at += timedelta(minutes=2)
    assert transfer(world, caller, agent="1002", reason="nätverket").status_code == 200
    world.settle()
    world.advance(21)
    assert world.state("1002") is AgentState.OFFLINE_MISSED
    state = world.parts.get(CallStore).get(caller.call_sid)
    assert (state.status, state.verified.value, caller.leg.place) == (CallStatus.QUEUED, "yes", "queue")
    client = world.parts.get(redis.Redis)
    assert client.zscore(WAITING + str(state.queue_name), caller.call_sid) == first_arrival.timestamp()
    world.agent("1004", DORA)
    world.available("1004")
    assert world.created_calls()[-1]["form"]["To"] == DORA["phones"][0]
    world.advance(40)
    assert world.parts.get(CallStore).get(caller.call_sid).agent == "1004"


@pytest.mark.parametrize(("body", "errors"), [
    ({"agent": "1002", "reason": "x"}, {"agent": "Berit is offline, not available"}),
    ({"agent": "9999", "reason": "x"}, {"agent": "no such agent"}),
    ({"agent": "1001", "reason": "x"}, {"agent": "that is you"}),
    ({"agent": "1002", "queue": "billing"}, {"agent": "give exactly one of queue and agent",
                                              "queue": "give exactly one of queue and agent"}),
    ({"reason": "x"}, {"agent": "give exactly one of queue and agent", "queue": "give exactly one of queue and agent"}),
])
def test_a_transfer_to_an_agent_who_cannot_take_it_is_refused_with_a_field_error(talking, body, errors):
    """Offline, unknown, oneself, or both or neither of queue and agent: 400 naming the field; nothing moves."""
    world, caller = talking
    world.agent("1002", BERIT)
    response = transfer(world, caller, **body)
    assert (response.status_code, response.get_json()) == (400, {"errors": errors})
    assert posted(world, f"/Calls/{caller.call_sid}.json") == []
    assert world.parts.get(CallStore).get(caller.call_sid).status is CallStatus.CONNECTED


def test_the_rest_api_down_refuses_the_transfer_and_the_caller_stays_with_the_agent(talking):
    """Calls update fails (503): 502 to the agent, the caller is still in the conference and reserved for nobody."""
    world, caller = talking
    world.agent("1002", BERIT)
    world.available("1002")
    world.api.outage(503)
    response = transfer(world, caller, agent="1002", reason="x")
    world.api.outage(None)
    assert response.status_code == 502
    assert world.parts.get(redis.Redis).hgetall("offers-reserved") == {}
    assert caller.leg.place == "conference" and world.state("1002") is AgentState.AVAILABLE
