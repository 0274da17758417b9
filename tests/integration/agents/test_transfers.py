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


# Warm transfer: Conference Participant resource (https://www.twilio.com/docs/voice/api/conference-participant-resource):
# update `Hold` + `HoldUrl` (music to the held participant alone), `EndConferenceOnExit`, `AnnounceUrl` (an
# announcement to that participant); Participants create (`To`, `From`, `Label`, `Timeout`, `EndConferenceOnExit`,
# `StatusCallback` + `StatusCallbackEvent` for the new leg); Participants delete removes a participant.

BRIEFED = "Kopplad från Anna: behöver nätverksteamet."


def consult(world, caller, **body):
    return world.client.post(f"/agent/api/calls/{caller.call_sid}/consult", json=body, auth=ANNA_AUTH)


def room_of(world, caller):
    return next(c for c in world.board.engine.conferences.values()
                if c.name == "call-" + caller.call_sid and c.status != "completed")


@pytest.fixture
def consulting(talking):
    """Anna consults Berit about the caller; Berit answers after 3 s and is briefed in the conference."""
    world, caller = talking
    world.agent("1002", BERIT, talk_seconds=None)
    world.available("1002")
    response = consult(world, caller, agent="1002", reason="behöver nätverksteamet")
    assert response.status_code == 200, response.get_json()
    world.settle()
    world.advance(10)
    return world, caller, response.get_json()


def test_a_consult_holds_the_caller_dials_the_target_in_and_briefs_them_alone(consulting):
    """The caller hears the hold music; Berit is dialled in with Participants create and briefed on her own
    participant; neither the caller nor Anna hears the briefing; Berit is busy, the three are in the room."""
    world, caller, answer = consulting
    [berit] = world.legs_to(BERIT_PHONE)
    assert answer == {"call_sid": caller.call_sid, "consulting": "1002", "leg": berit.sid}
    [hold] = posted(world, f"/Participants/{caller.call_sid}.json")
    assert hold["form"]["Hold"] == "true" and "/ivr/on-hold?lang=sv-SE" in hold["form"]["HoldUrl"]
    [create] = posted(world, "/Participants.json")
    form = create["form"]
    assert (form["To"], form["Label"], form["EndConferenceOnExit"], form["Timeout"]) == (BERIT_PHONE, "consult", "false", "20")
    assert "/ivr/consult-status?call=" + caller.call_sid in form["StatusCallback"]
    assert BRIEFED in berit.transcript.said()
    assert "Organisation Contoso, verifierad via sin registrerade telefon." in berit.transcript.said()
    [anna] = world.legs_to("+46701112233")
    assert BRIEFED not in caller.leg.transcript.said() and BRIEFED not in anna.transcript.said()
    assert set(room_of(world, caller).participants) == {caller.call_sid, anna.sid, berit.sid}
    assert room_of(world, caller).participants[caller.call_sid].hold is True
    assert world.state("1002") is AgentState.BUSY and world.state("1001") is AgentState.BUSY


def test_completing_the_consult_leaves_the_caller_off_hold_with_the_target_whose_call_it_is(consulting):
    """Anna completes: she leaves (wrap-up) without ending the conference; the caller, off hold, talks with Berit,
    who now holds the call's controls; when Berit hangs up she wraps up."""
    world, caller, _ = consulting
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/consult/complete", auth=ANNA_AUTH)
    assert response.get_json() == {"call_sid": caller.call_sid, "transferred_to_agent": "1002"}
    world.settle()
    [anna], [berit] = world.legs_to("+46701112233"), world.legs_to(BERIT_PHONE)
    room = room_of(world, caller)
    assert set(room.participants) == {caller.call_sid, berit.sid} and anna.ended
    assert room.participants[caller.call_sid].hold is False and room.participants[berit.sid].end_on_exit is True
    assert world.state("1001") is AgentState.WRAP_UP and world.state("1002") is AgentState.BUSY
    state = world.parts.get(CallStore).get(caller.call_sid)
    assert (state.agent, state.agent_leg, state.consult_agent) == ("1002", berit.sid, "")
    berit_auth = ("1002", PASSWORD)
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/hold", json={"hold": True}, auth=berit_auth).status_code == 200
    world.api.hang_up(berit.sid)
    world.settle()
    assert caller.leg.ended and world.state("1002") is AgentState.WRAP_UP


def test_cancelling_the_consult_sends_the_target_away_and_the_caller_back_to_the_first_agent(consulting):
    """Anna cancels: Berit is removed (available again), the caller comes off hold with Anna, who keeps the call."""
    world, caller, _ = consulting
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/consult/cancel", auth=ANNA_AUTH)
    assert response.get_json() == {"call_sid": caller.call_sid, "cancelled_consult": "1002"}
    world.settle()
    [anna], [berit] = world.legs_to("+46701112233"), world.legs_to(BERIT_PHONE)
    room = room_of(world, caller)
    assert set(room.participants) == {caller.call_sid, anna.sid} and berit.ended
    assert room.participants[caller.call_sid].hold is False
    assert world.state("1002") is AgentState.AVAILABLE and world.state("1001") is AgentState.BUSY
    state = world.parts.get(CallStore).get(caller.call_sid)
    assert (state.agent, state.consult_agent, state.status) == ("1001", "", CallStatus.CONNECTED)
    assert world.client.post(f"/agent/api/calls/{caller.call_sid}/consult/complete", auth=ANNA_AUTH).status_code == 409


def test_a_consulted_agent_who_never_answers_is_missed_and_the_caller_comes_back_to_the_first_agent(talking):
    """Berit's phone rings out (Timeout 20): she is offline-missed; the caller comes off hold by themselves, with Anna."""
    world, caller = talking
    world.agent("1002", BERIT, answer_after=None)
    world.available("1002")
    assert consult(world, caller, agent="1002").status_code == 200
    world.settle()
    assert world.state("1002") is AgentState.OFFERED
    assert room_of(world, caller).participants[caller.call_sid].hold is True
    world.advance(21)
    assert world.state("1002") is AgentState.OFFLINE_MISSED
    assert room_of(world, caller).participants[caller.call_sid].hold is False
    assert world.parts.get(CallStore).get(caller.call_sid).consult_agent == ""
    assert world.state("1001") is AgentState.BUSY


def test_a_consult_of_a_queue_dials_the_longest_idle_skilled_agent_other_than_oneself(talking):
    """{"queue": "technical"}: Dora (idle longer than Berit, both technical in Swedish) is dialled; Carl (billing
    in English) never is; a queue nobody available covers is a field error."""
    world, caller = talking
    world.agent("1004", DORA)
    world.available("1004")
    world.clock.at += timedelta(seconds=30)
    world.agent("1002", BERIT)
    world.available("1002")
    response = consult(world, caller, queue="presales")
    assert (response.status_code, response.get_json()) == (
        400, {"errors": {"queue": "no agent for presales in the caller's language is available"}})
    response = consult(world, caller, queue="technical")
    assert response.get_json()["consulting"] == "1004"
    [create] = posted(world, "/Participants.json")
    assert create["form"]["To"] == DORA["phones"][0]
    assert consult(world, caller, agent="1002").status_code == 409  # one consult at a time


def test_the_rest_api_down_refuses_the_consult_and_the_target_keeps_their_place(talking):
    """Twilio answers 503: 502 to Anna; Berit is available in her old place, nobody is consulted."""
    world, caller = talking
    world.agent("1002", BERIT)
    world.available("1002")
    world.api.outage(503)
    response = consult(world, caller, agent="1002")
    world.api.outage(None)
    assert response.status_code == 502
    assert world.state("1002") is AgentState.AVAILABLE
    assert world.parts.get(redis.Redis).hgetall("consults") == {}
    assert world.parts.get(CallStore).get(caller.call_sid).consult_agent == ""
