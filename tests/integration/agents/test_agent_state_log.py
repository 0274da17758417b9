"""Agents' state changes in the event log (runtime/event_log.py, staged after each change of presence):
each real change once, none for a change the router refused, and the agent an expired offer held freed."""
from __future__ import annotations

from datetime import timedelta

from call_store.events import CallEvents
from runtime.unit_of_work import unit_of_work
from workforce.presence import AgentPresence, AgentState

CALLER = "CA" + "c" * 32


def logged(redis_client, clock) -> list[tuple[str, str]]:
    events = CallEvents(redis_client, clock).events(clock.at - timedelta(hours=1), clock.at + timedelta(hours=1))
    return [(event.agent, event.state) for event in events if event.kind == "agent-state"]


def test_each_change_is_logged_once_and_a_refused_one_not_at_all(redis_client, clock):
    presence = AgentPresence(redis_client, clock)
    presence.set_by_agent("1001", AgentState.AVAILABLE)
    presence.set_by_agent("1001", AgentState.AVAILABLE)  # no change: nothing logged
    assert presence.offer(CALLER, ["1001"], 20) == ("1001", "")
    assert presence.advance("1001", CALLER, "briefing", 600)
    assert presence.set_by_agent("1001", AgentState.OFFLINE) is AgentState.BUSY  # refused while busy
    with unit_of_work(redis_client):  # the conference's end, staged as the webhook stages it
        presence.staging_end("1001", CALLER, "wrap-up")
    assert logged(redis_client, clock) == [("1001", "available"), ("1001", "offered"), ("1001", "busy"),
                                           ("1001", "wrap-up")]


def test_an_offer_that_ran_out_frees_its_agent_in_the_log_too(redis_client, clock):
    presence = AgentPresence(redis_client, clock)
    presence.set_by_agent("1002", AgentState.AVAILABLE)
    presence.offer(CALLER, ["1002"], 20)
    clock.at += timedelta(seconds=60)
    assert presence.expire([CALLER]) == 1
    assert logged(redis_client, clock) == [("1002", "available"), ("1002", "offered"), ("1002", "available")]
