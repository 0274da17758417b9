"""Push routing and the meeting, through signed webhooks and the REST stand-in.

The router rings the agent (Calls create, https://www.twilio.com/docs/voice/api/call-resource:
`Url` is requested when the called party answers, `Timeout` is how long it rings, the
`StatusCallback` hears the final status); the agent's leg hears the briefing and joins a
<Conference> (https://www.twilio.com/docs/voice/twiml/conference: `participantLabel`,
`statusCallbackEvent` join/leave/end sent to the first participant's `statusCallback`);
the caller leaves the queue by Queue Member update with `Url`
(https://www.twilio.com/docs/voice/api/queue-member: the Enqueue action hears
QueueResult=redirected, then the caller's leg requests Url) and joins the same room.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app
from call_store.call_state import CallStore
from call_store.offers import Dispatch
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.rest import TwilioRestApi
from twilio_simulator.twilio_player import CallPlayer, Party, Switchboard, flask_transport
from web.registry import parts_of
from workforce.presence import AgentPresence, AgentState

ADMIN = {"Authorization": "Bearer test-admin-token"}
AGENT_LINE = "+46850000000"
ANNA_PHONE, BERIT_PHONE = "+46701112233", "+46702223344"
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": [ANNA_PHONE]}
BERIT = {"name": "Berit", "pin": "4712", "password": "correct horse battery", "queues": ["technical"],
         "languages": ["sv"], "phones": [BERIT_PHONE]}
SE_LINE = "+46201605899"
BRIEFING_VERIFIED = "Organisation Contoso, verifierad via sin registrerade telefon."


class World:
    """The router, a switchboard playing every leg through its signed webhooks, and the REST stand-in."""

    def __init__(self, settings, redis_client, clock, wrap=lambda transport: transport):
        self.clock = clock
        send = {}
        self.board = Switchboard(transport=lambda *args, **kwargs: send["to"](*args, **kwargs), auth_token=TWILIO_TOKEN,
                                 base_url="http://localhost")
        self.api = TwilioRestApi(self.board, auth_token=TWILIO_TOKEN).start()
        self.settings = replace(settings, admin_token="test-admin-token", twilio_account_sid=self.board.engine.account_sid,
                                twilio_api_url=self.api.url, public_base_url="http://localhost")
        self.app = create_app({"settings": self.settings, "redis": redis_client, "clock": clock})
        self.client = self.app.test_client()
        send["to"] = wrap(flask_transport(self.app.test_client()))
        self.parts = parts_of(self.app)

    def agent(self, agent_id: str, record: dict, answer_after: float | None = 3, talk_seconds: float | None = 60,
              answers=("1",), **party):
        assert self.client.put(f"/admin/api/agents/{agent_id}", json=record, headers=ADMIN).status_code == 201
        self.board.engine.parties[record["phones"][0]] = Party(answer_after=answer_after, talk_seconds=talk_seconds,
                                                               answers=list(answers), **party)

    def available(self, agent_id: str, password: str = "correct horse battery", ring: str = "phone"):
        response = self.client.put("/agent/api/state", json={"state": "available", "ring": ring},
                                   auth=(agent_id, password))
        assert response.status_code == 200, response.get_json()
        self.settle()
        return response.get_json()

    def state(self, agent_id: str) -> AgentState:
        return self.parts.get(AgentPresence).get(agent_id).state

    def caller(self, from_: str = "+46701234567", answers=("1", "1", "1"), **options) -> CallPlayer:
        player = CallPlayer(switchboard=self.board, to=SE_LINE, from_=from_, answers=list(answers), stay=True, **options)
        player.play()
        self.settle()
        return player

    def settle(self):
        """Until the router's dispatching and everything it set off are done (call time stands still): rounds of
        both until a round adds no REST request (each dispatch may set off webhooks that kick it again; on a
        loaded machine a fixed number of rounds can stop one short)."""
        seen = -1
        for _ in range(20):
            assert self.parts.get(Dispatch).wait_idle(10)
            self.api.settle()
            if len(self.api.received) == seen and self.parts.get(Dispatch).wait_idle(0):
                return
            seen = len(self.api.received)

    def advance(self, seconds: float):
        for _ in range(int(seconds)):
            self.api.advance(1)
            self.settle()

    def created_calls(self) -> list[dict]:
        return [r for r in self.api.received if r["method"] == "POST" and r["path"].endswith("/Calls.json")]

    def legs_to(self, number: str):
        return [leg for leg in self.board.engine.legs.values() if leg.params.get("To") == number
                and leg.params.get("Direction") == "outbound-api"]

    def close(self):
        self.api.stop()
        assert self.api.errors == []


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = World(settings, redis_client, clock)
    yield here
    here.close()


def test_the_agent_hears_the_briefing_then_both_meet_in_the_calls_conference(world):
    """Anna available: the waiting caller's offer rings her phone; she hears the briefing in Swedish on her own leg,
    the caller hears only "connecting you" in theirs, and both end up in the conference named for the call."""
    world.agent("1001", ANNA)
    caller = world.caller()
    world.available("1001")
    [create] = world.created_calls()
    assert create["form"]["To"] == ANNA_PHONE and create["form"]["Timeout"] == "20"
    assert create["form"]["Url"].startswith("http://localhost/ivr/briefing?call=" + caller.call_sid)
    assert world.state("1001") is AgentState.OFFERED
    world.advance(40)
    [anna] = world.legs_to(ANNA_PHONE)
    assert anna.transcript.said()[-1] == "Tryck 1 för att ta samtalet."  # a voicemail picking up takes no caller
    heard_by_agent, heard_by_caller = anna.transcript.said(), caller.leg.transcript.said()
    assert BRIEFING_VERIFIED in heard_by_agent
    assert "Allvarlighetsgrad A." in heard_by_agent
    assert BRIEFING_VERIFIED not in heard_by_caller and "Allvarlighetsgrad A." not in heard_by_caller
    assert heard_by_caller[-1] == "Vi kopplar dig nu till en av våra medarbetare."
    room = "call-" + caller.call_sid
    [conference] = [c for c in world.board.engine.conferences.values() if c.name == room]
    assert set(conference.participants) == {anna.sid, caller.call_sid}
    assert world.state("1001") is AgentState.BUSY
    [redirect] = [r for r in world.api.received if "/Members/" in r["path"]]
    assert redirect["path"].endswith(f"/Members/{caller.call_sid}.json") and redirect["form"]["Url"].endswith("/ivr/meet?call=" + caller.call_sid)
    assert world.parts.get(CallStore).get(caller.call_sid).agent == "1001"


def test_after_the_call_the_agent_wraps_up_then_is_available_again(world):
    """The conference ends when they hang up: wrap-up for WRAP_UP_SECONDS (30), then available."""
    world.agent("1001", ANNA, talk_seconds=30)
    world.caller()
    world.available("1001")
    world.advance(90)
    assert world.state("1001") is AgentState.WRAP_UP
    world.clock.at += timedelta(seconds=31)
    assert world.state("1001") is AgentState.AVAILABLE


def test_an_agent_who_does_not_answer_goes_offline_missed_and_the_next_agent_gets_the_caller(world):
    """Anna (idle longest) never answers: after the 20 s ring she is offline-missed, and Berit is rung."""
    world.agent("1001", ANNA, answer_after=None)
    world.agent("1002", BERIT)
    world.available("1001")
    world.clock.at += timedelta(seconds=5)
    world.available("1002")
    caller = world.caller()
    assert [c["form"]["To"] for c in world.created_calls()] == [ANNA_PHONE]
    world.advance(21)
    assert world.state("1001") is AgentState.OFFLINE_MISSED
    assert [c["form"]["To"] for c in world.created_calls()] == [ANNA_PHONE, BERIT_PHONE]
    world.advance(40)
    [berit] = world.legs_to(BERIT_PHONE)
    assert caller.call_sid in [p for c in world.board.engine.conferences.values() for p in c.participants]
    assert "Organisation Contoso, verifierad via sin registrerade telefon." in berit.transcript.said()


def test_severity_a_is_offered_first_then_the_longest_wait(world):
    """Three callers wait (B early, A later, B earliest); one agent comes free: the A caller is rung for."""
    world.agent("1001", ANNA)
    early_b = world.caller(from_="+46701230001", answers=["1", "1", "2"])
    world.clock.at += timedelta(minutes=1)
    a = world.caller(from_="+46701230002", answers=["1", "1", "1"])
    world.available("1001")
    [create] = world.created_calls()
    assert f"call={a.call_sid}" in create["form"]["Url"] and early_b.call_sid not in create["form"]["Url"]


def test_the_longest_idle_skilled_agent_is_offered_the_caller(world):
    """Both are skilled; Berit became available 30 s before Anna, so Berit (idle longest) is rung."""
    world.agent("1001", ANNA)
    world.agent("1002", BERIT)
    world.available("1002")
    world.clock.at += timedelta(seconds=30)
    world.available("1001")
    world.caller()
    assert [c["form"]["To"] for c in world.created_calls()] == [BERIT_PHONE]


def test_the_caller_hangs_up_while_the_agent_rings_and_the_agent_is_available_again(world):
    """The caller gives up during the ring: the agent's leg is hung up and they are available at once."""
    world.agent("1001", ANNA, answer_after=None)
    caller = world.caller()
    world.available("1001")
    assert world.state("1001") is AgentState.OFFERED
    world.api.hang_up(caller.call_sid)
    world.settle()
    assert world.state("1001") is AgentState.AVAILABLE
    [anna] = world.legs_to(ANNA_PHONE)
    assert anna.ended


def test_the_agent_hangs_up_during_the_briefing_and_the_caller_stays_first_in_the_queue(world):
    """Anna answers and hangs up during the briefing without taking the call (no key: the router ends her leg):
    the caller never left the queue and is still first; Anna is offline-missed, and Berit, available later,
    is rung for the same caller."""
    world.agent("1001", ANNA, answers=())
    world.agent("1002", BERIT, answer_after=None)
    caller = world.caller()
    world.clock.at += timedelta(minutes=1)
    later = world.caller(from_="+46701230009", answers=["1", "1", "1", "100200#"])
    world.available("1001")
    world.advance(6)
    assert world.state("1001") is AgentState.OFFLINE_MISSED
    queue = world.board.engine.queues["technical.sv.A"]
    assert [leg.sid for leg in queue.members][:2] == [caller.call_sid, later.call_sid]
    world.available("1002")
    assert f"call={caller.call_sid}" in world.created_calls()[-1]["form"]["Url"]


def test_the_rest_api_down_leaves_the_caller_queued_and_the_agent_available(world):
    """Calls create cannot reach Twilio: the agent keeps their place as available, the caller keeps waiting."""
    world.agent("1001", ANNA)
    caller = world.caller()
    world.api.stop()
    world.available("1001")
    assert world.state("1001") is AgentState.AVAILABLE
    assert caller.leg.place == "queue"
    world.api = TwilioRestApi(world.board, auth_token=TWILIO_TOKEN)  # closed by the fixture (already stopped)
    world.api.start()


def test_two_processes_offering_at_once_make_one_offer(world, redis_client, clock):
    """Two routers on one Redis pass at the same moment, many times over: each caller and agent is claimed once."""
    world.agent("1001", ANNA, answer_after=None)
    world.caller()
    other = create_app({"settings": world.settings, "redis": redis_client, "clock": clock})
    presence = world.parts.get(AgentPresence)
    presence.set_by_agent("1001", AgentState.AVAILABLE, ANNA_PHONE)
    both = [world.parts.get(Dispatch), parts_of(other).get(Dispatch)]
    start = threading.Barrier(2)
    made = []

    def run(dispatch):
        start.wait()
        made.append(dispatch.dispatch_once())

    threads = [threading.Thread(target=run, args=(dispatch,)) for dispatch in both]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    world.settle()
    assert sorted(made) == [0, 1]
    assert len(world.created_calls()) == 1


def test_an_offer_whose_router_died_times_out_and_is_made_again(world):
    """A router claims the offer and dies before ringing: once the offer's time is up, the caller is offered again."""
    world.agent("1001", ANNA)
    caller = world.caller()
    presence = world.parts.get(AgentPresence)
    presence.set_by_agent("1001", AgentState.AVAILABLE, ANNA_PHONE)
    assert presence.offer(caller.call_sid, ["1001"], 20) == ("1001", ANNA_PHONE)  # claimed; the process dies here
    world.parts.get(Dispatch).kick()
    world.settle()
    assert world.created_calls() == []  # the claim still holds
    world.clock.at += timedelta(seconds=36)
    world.parts.get(Dispatch).kick()
    world.settle()
    [create] = world.created_calls()
    assert create["form"]["To"] == ANNA_PHONE and f"call={caller.call_sid}" in create["form"]["Url"]
