"""What the last session found: answered callers count towards their queue's pace, and an offer whose router
died is made again by the dispatcher's own timer, with no other event to set it off.

Queue Member update (https://www.twilio.com/docs/voice/api/queue-member): the dequeued caller's <Enqueue>
action hears QueueResult=redirected (https://www.twilio.com/docs/voice/twiml/enqueue#attributes-action)
before their leg requests the new Url.
"""
from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app
from call_store.offers import Dispatch
from call_store.waiting import SERVED
from tests.conftest import CONTOSO
from tests.integration.agents.test_push_routing import ANNA, ANNA_PHONE, World
from web.registry import parts_of
from workforce.presence import AgentPresence, AgentState


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = World(replace(settings, dispatch_tick_seconds=0.05), redis_client, clock)
    yield here
    here.parts.get(Dispatch).stop()
    here.close()


def test_a_caller_an_agent_took_counts_towards_the_queues_pace(world, redis_client):
    """Twilio's QueueResult=redirected comes before /ivr/meet: the pick-up is counted once, as served."""
    world.agent("1001", ANNA)
    caller = world.caller()
    world.available("1001")
    world.advance(40)
    assert [e.text for e in caller.leg.transcript.events if e.kind == "request" and "queue-result" in e.text]
    assert redis_client.llen(SERVED + "technical.sv.A") == 1


def test_an_offer_whose_router_was_killed_is_made_again_by_the_timer_alone(world, redis_client, clock):
    """Another router claims the caller for Anna and is killed before ringing her. Nothing else happens (no hold
    pass, no agent change): once the claim's time is up, this router's timer alone rings Anna for the caller."""
    world.agent("1001", ANNA)
    caller = world.caller()
    dispatch = world.parts.get(Dispatch)
    dispatch.kick()  # this router has served a webhook: its timer runs
    world.settle()
    killed = create_app({"settings": replace(world.settings, dispatch_tick_seconds=0), "redis": redis_client,
                         "clock": clock})
    presence = parts_of(killed).get(AgentPresence)
    presence.set_by_agent("1001", AgentState.AVAILABLE, ANNA_PHONE)
    assert presence.offer(caller.call_sid, ["1001"], 20) == ("1001", ANNA_PHONE)  # claimed; the process dies here
    time.sleep(0.3)
    assert world.created_calls() == []  # the claim holds while it may still ring
    clock.at += timedelta(seconds=36)
    deadline = time.monotonic() + 5
    while not world.created_calls() and time.monotonic() < deadline:
        time.sleep(0.05)
    world.settle()
    [create] = world.created_calls()
    assert create["form"]["To"] == ANNA_PHONE and f"call={caller.call_sid}" in create["form"]["Url"]
