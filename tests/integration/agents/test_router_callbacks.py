"""Callbacks the router dials, through signed webhooks and the REST stand-in.

A due callback is offered to an agent like a caller (Calls create to the agent,
https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource); once the agent is in the
<Conference> (https://www.twilio.com/docs/voice/twiml/conference), the router dials the customer with Calls
create, `From` the line's own number (it must be a Twilio number of the account: the page's `From`), `Url`
played to whoever answers, `Timeout` how long it rings, and the `StatusCallback` told the final `CallStatus`
(no-answer, busy, failed, completed).
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from agents.board import QueueBoard
from call_store.call_state import CallStatus, CallStore
from call_store.callbacks import CallbackBook
from call_store.offers import Dispatch
from tests.conftest import CONTOSO
from tests.integration.agents.test_push_routing import ANNA, ANNA_PHONE, SE_LINE, World
from twilio_simulator.twilio_player import Party
from workforce.directory import AgentDirectory
from workforce.presence import AgentState

CUSTOMER = "+46701234567"  # registered on Contoso
BOOK_ON_HOLD = ["1", "1", "1", "1", "1"]  # Swedish, technical, severity A; after 30 s on hold 1 leaves; 1 confirms
CALLING = "Hej, det här är supporten. Vi ringer upp dig som du bad om."


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = World(replace(settings, callback_after=30), redis_client, clock)
    yield here
    here.close()


def book(world, answers=BOOK_ON_HOLD, **options):
    """A customer asks for a callback from the hold, then hangs up; the request, as stored."""
    world.caller(answers=answers, **options)
    world.advance(90)
    [callback] = world.parts.get(CallbackBook).outstanding()
    return callback


def customer(world, **party):
    world.board.engine.parties[CUSTOMER] = Party(**party)


def calls_to(world, number):
    return [c for c in world.created_calls() if c["form"]["To"] == number]


def test_a_due_callback_is_offered_the_agent_is_briefed_and_the_customer_is_dialled_from_the_lines_number(world):
    """Anna, available, is offered the callback: her briefing says it is a callback and since when the customer
    waited; when she takes it the router dials the customer from the Swedish line's number; the customer hears
    it is the callback they asked for (never the briefing) and meets Anna; the request is closed as reached."""
    callback = book(world)
    customer(world, answer_after=5, talk_seconds=None)
    world.agent("1001", ANNA, talk_seconds=None)
    world.clock.at += timedelta(minutes=4)
    world.available("1001")
    [ring] = calls_to(world, ANNA_PHONE)
    assert f"call=cb-{callback.id}" in ring["form"]["Url"] and ring["form"]["From"] == SE_LINE
    world.advance(10)
    [anna] = world.legs_to(ANNA_PHONE)
    said = anna.transcript.said()
    assert said[0] == "En återuppringning, begärd för 4 minuter sedan. Vi ringer kunden nu."
    assert "Har väntat 4 minuter." in said  # since the customer first joined the queue
    assert "Organisation Contoso, verifierad via sin registrerade telefon." in said
    [dial] = calls_to(world, CUSTOMER)
    assert dial["form"]["From"] == SE_LINE and dial["form"]["Timeout"] == "30"
    assert dial["form"]["Url"].endswith(f"/ivr/callback-meet?callback={callback.id}")
    world.advance(10)
    [leg] = world.legs_to(CUSTOMER)
    heard = leg.transcript.said()
    assert heard[:2] == [CALLING, "Vi kopplar dig nu till en av våra medarbetare."]
    assert not set(heard) & set(said[:-1])
    room = next(c for c in world.board.engine.conferences.values() if c.name == f"call-cb-{callback.id}")
    assert set(room.participants) == {anna.sid, leg.sid}
    done = world.parts.get(CallbackBook).get(callback.id)
    assert (done.status, done.outcome, [a["result"] for a in done.attempts]) == ("closed", "reached", ["answered"])
    state = world.parts.get(CallStore).get(leg.sid)
    assert (state.status, state.agent, state.org_name, state.caller) == (CallStatus.CONNECTED, "1001", "Contoso", CUSTOMER)
    assert world.state("1001") is AgentState.BUSY
    response = world.client.post(f"/agent/api/calls/{leg.sid}/hold", json={"hold": True}, auth=("1001", ANNA["password"]))
    assert response.status_code == 200  # a call like any other: the in-call controls work on it


def test_a_customer_who_never_answers_is_tried_three_times_ten_minutes_apart_then_closed_unreachable(world):
    """Each try rings out (no answer): it is recorded, Anna is freed at once, and the request waits ten minutes
    before the next; after the third it is closed as unreachable. Every try shows in the agent API's list."""
    callback = book(world)
    customer(world, answer_after=None)
    world.agent("1001", ANNA, talk_seconds=None, answers=("1", "1", "1"))  # she takes each offer
    world.available("1001")
    dispatch = world.parts.get(Dispatch)
    for attempt in range(1, 4):
        world.advance(45)  # Anna answers and takes it; the customer's phone rings 30 s
        assert len(calls_to(world, CUSTOMER)) == attempt
        assert world.state("1001") is AgentState.AVAILABLE
        assert [leg.ended for leg in world.legs_to(ANNA_PHONE)] == [True] * attempt
        if attempt == 1:  # the console's list shows the try and when the next is due
            [row] = world.parts.get(QueueBoard).live(world.parts.get(AgentDirectory).get("1001"))["callbacks"]
            tried = datetime.fromtimestamp(world.clock.at.timestamp(), ZoneInfo("Europe/Stockholm"))
            assert row.due == ((tried + timedelta(minutes=10)).strftime("%a %d %b %H:%M")
                               + f" (Europe/Stockholm); tries: no-answer {tried:%H:%M}")
        world.clock.at += timedelta(minutes=9)
        dispatch.kick()
        world.settle()
        assert len(calls_to(world, ANNA_PHONE)) == attempt  # not due yet
        world.clock.at += timedelta(minutes=1, seconds=1)
        dispatch.kick()
        world.settle()
    assert len(calls_to(world, ANNA_PHONE)) == 3
    done = world.parts.get(CallbackBook).get(callback.id)
    assert (done.status, done.outcome) == ("closed", "unreachable")
    assert [a["result"] for a in done.attempts] == ["no-answer"] * 3 and {a["agent"] for a in done.attempts} == {"1001"}
    listed = world.client.get("/agent/api/callbacks", auth=("1001", ANNA["password"])).get_json()
    assert listed["outstanding"] == [] and listed["closed"][0]["attempts"] == done.attempts
    admin = world.client.get("/admin/api/callbacks", headers={"Authorization": "Bearer test-admin-token"}).get_json()
    assert admin["closed"][0]["outcome"] == "unreachable"


def test_a_busy_customer_is_retried_and_reached_on_the_second_try(world):
    """Busy the first time (recorded as busy), answered the second: closed as reached, two tries recorded."""
    callback = book(world)
    customer(world, busy=True)
    world.agent("1001", ANNA, talk_seconds=None, answers=("1", "1"))
    world.available("1001")
    world.advance(20)
    assert [a["result"] for a in world.parts.get(CallbackBook).get(callback.id).attempts] == ["busy"]
    customer(world, answer_after=2, talk_seconds=None)
    world.clock.at += timedelta(minutes=10, seconds=1)
    world.parts.get(Dispatch).kick()
    world.advance(20)
    done = world.parts.get(CallbackBook).get(callback.id)
    assert (done.outcome, [a["result"] for a in done.attempts]) == ("reached", ["busy", "answered"])


def test_a_callback_is_only_dialled_while_its_queue_is_open(world):
    """Friday 17:30 in Stockholm billing is closed: a billing callback is not offered to Anna, available and
    skilled; on Monday at 09:00 it is."""
    world.clock.at = datetime(2026, 11, 27, 16, 30, tzinfo=timezone.utc)
    world.caller(answers=["1", "2", "2", "1"], from_=CUSTOMER)  # Swedish, billing (closed): 2 for a callback, confirm
    [callback] = world.parts.get(CallbackBook).outstanding()
    assert callback.queue_name == "billing.en.B"
    world.agent("1001", ANNA, talk_seconds=None)
    world.available("1001")
    assert world.created_calls() == []
    world.clock.at = datetime(2026, 11, 30, 8, 0, 30, tzinfo=timezone.utc)
    world.parts.get(Dispatch).kick()
    world.settle()
    [ring] = world.created_calls()
    assert ring["form"]["To"] == ANNA_PHONE and f"call=cb-{callback.id}" in ring["form"]["Url"]


def test_the_rest_api_down_when_dialling_the_customer_frees_the_agent_and_keeps_the_request(world):
    """Anna takes the callback but Calls create for the customer fails: a router-error try (not counted) is
    recorded and she is available again; the request is open for a later try."""
    callback = book(world)
    customer(world, answer_after=2)
    world.agent("1001", ANNA, talk_seconds=None)
    world.available("1001")  # her phone rings (Calls create went through)
    world.api.outage(503)
    world.advance(15)  # she answers, takes it and joins the room: the customer cannot be dialled
    world.api.outage(None)
    world.settle()
    done = world.parts.get(CallbackBook).get(callback.id)
    assert (done.status, [a["result"] for a in done.attempts]) == ("open", ["router-error"])
    assert world.state("1001") is AgentState.AVAILABLE
    assert [c["status"] for c in calls_to(world, CUSTOMER)] == [503] and world.legs_to(CUSTOMER) == []


def test_an_agent_who_does_not_answer_the_callback_offer_leaves_it_for_the_next_agent_untried(world):
    """Anna never answers: she is offline-missed; the request has no try recorded and stays open."""
    callback = book(world)
    world.agent("1001", ANNA, answer_after=None)
    world.available("1001")
    world.advance(25)
    assert world.state("1001") is AgentState.OFFLINE_MISSED
    done = world.parts.get(CallbackBook).get(callback.id)
    assert (done.status, done.attempts) == ("open", [])


def test_a_callback_claimed_by_hand_while_its_offer_rings_is_not_dialled_and_the_agent_is_not_at_fault(world):
    """Carl claims the request in the console while Anna's phone rings for it: Anna answers to "the caller has hung
    up", is available again (not offline-missed), and the customer is never dialled by the router."""
    callback = book(world)
    world.agent("1001", ANNA, answer_after=5)
    world.available("1001")
    assert world.parts.get(CallbackBook).claim(callback.id, "1003")
    world.advance(20)
    [anna] = world.legs_to(ANNA_PHONE)
    assert anna.transcript.said() == ["Uppringaren har lagt på."]
    assert world.state("1001") is AgentState.AVAILABLE
    assert calls_to(world, CUSTOMER) == []


def test_only_the_customers_unanswered_tries_count_towards_the_limit(redis_client, clock):
    """Tries that failed on the router's side (router-error, agent-left) are recorded but never close a request;
    the third no-answer, busy or failed one does."""
    book = CallbackBook(redis_client, clock)
    callback = book.request(sid="CA1", number=CUSTOMER, line="SE", queue_name="technical.sv.A", language="sv-SE",
                            place=clock().timestamp())
    for result in ["router-error", "agent-left", "no-answer", "router-error", "busy", "agent-left", "failed"]:
        assert book.get(callback.id).status == "open"
        assert book.start_attempt(callback.id, "1001", "CAagent", "CFroom")
        assert book.start_attempt(callback.id, "1002", "CAother", "CFroom") is False  # one try at a time
        book.attempt_failed(callback.id, result, 600, 3)
    done = book.get(callback.id)
    assert (done.status, done.outcome, done.failed_attempts, len(done.attempts)) == ("closed", "unreachable", 3, 7)
    assert book.outstanding() == [] and [c.id for c in book.recently_closed()] == [callback.id]
