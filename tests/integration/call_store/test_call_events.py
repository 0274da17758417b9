"""The call events' store against a real Redis: each caller counted once however often a leave is
reported, transfers end the talk and start a new wait, callbacks, the day boundary in the board's time
zone, and the 30 days' expiry."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from call_store.events import DAY, KEEP_SECONDS, CallEvents
from routing.queues import QueueName
from runtime.unit_of_work import unit_of_work

TECH = QueueName.parse("technical.sv.A")
BILLING = QueueName.parse("billing.en.B")
SID = "CA" + "a" * 32


@pytest.fixture
def events(redis_client, clock):
    return CallEvents(redis_client, clock, threshold_seconds=60, zone="Europe/Stockholm")


def test_a_leave_reported_three_times_counts_once(events, clock):
    """The Enqueue action, the status callback and a replayed webhook all report the caller gone: one abandon."""
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=75)
    events.abandoned(SID)
    events.call_over(SID)
    events.abandoned(SID)
    day = events.snapshot().today["SE/technical.sv.A"]
    assert (day.offered, day.abandoned, day.abandoned_after, day.abandoned_wait_sum, day.answered) == (1, 1, 1, 75, 0)


def test_joining_twice_keeps_the_first_arrival(events, clock):
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=30)
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=10)
    events.answered(SID)
    day = events.snapshot().today["SE/technical.sv.A"]
    assert (day.offered, day.answered, day.answered_within, day.wait_sum, day.waits[2]) == (1, 1, 1, 40, 1)


def test_a_transfer_ends_the_talk_and_the_caller_waits_anew_in_the_next_queue(events, clock):
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=5)
    events.answered(SID)
    clock.at += timedelta(seconds=200)
    events.transferred(SID, "billing")
    events.queued(SID, "SE", BILLING)
    clock.at += timedelta(seconds=70)
    events.answered(SID)
    clock.at += timedelta(seconds=30)
    events.call_over(SID)
    today = events.snapshot().today
    tech, billing = today["SE/technical.sv.A"], today["SE/billing.en.B"]
    assert (tech.transferred, tech.handled, tech.handle_sum) == (1, 1, 200)
    assert (billing.offered, billing.answered, billing.answered_within, billing.wait_sum) == (1, 1, 0, 70)
    assert (billing.handled, billing.handle_sum, billing.service_level) == (1, 30, 0.0)


def test_a_caller_who_leaves_for_a_callback_is_not_abandoned(events, clock, redis_client):
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=300)
    events.left_for_callback(SID)
    pipe = redis_client.pipeline()
    events.stage_callback_requested(pipe, SID, "SE", TECH, only_if="test:booking-that-was-refused")
    pipe.set("test:booking", "1")
    events.stage_callback_requested(pipe, SID, "SE", TECH, only_if="test:booking")
    pipe.execute()
    events.callback_dialled(SID, "SE", TECH, "1001")
    day = events.snapshot().today["SE/technical.sv.A"]
    assert (day.abandoned, day.callbacks_requested, day.callbacks_dialled, day.service_level) == (0, 1, 1, None)
    kinds = [event.kind for event in events.events(clock.at - timedelta(hours=1), clock.at)]
    assert kinds == ["queued", "callback", "callback-requested", "callback-dialled"]


def test_who_waits_now_and_the_minutes_moves(events, clock, redis_client):
    """Two callers join a minute apart, one is answered: one waits; the moves give +1, +1, -1 by minute."""
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(seconds=60)
    events.queued("CA" + "b" * 32, "SE", TECH)
    clock.at += timedelta(seconds=60)
    events.answered(SID)
    snapshot = events.snapshot()
    minute = int(clock.at.timestamp() // 60)
    assert snapshot.moves["SE/technical.sv.A"] == {minute - 2: 1, minute - 1: 1, minute: -1}
    assert snapshot.waiting["SE/technical.sv.A"] == [(clock.at - timedelta(seconds=60)).timestamp()]


def test_the_day_and_hour_are_the_boards_time_zone(events, clock, redis_client):
    """23:30 UTC on 24 November is 00:30 on the 25th in Stockholm: that day's hash, hour 00."""
    clock.at = datetime(2026, 11, 24, 23, 30, tzinfo=timezone.utc)
    events.queued(SID, "SE", TECH)
    events.answered(SID)
    assert redis_client.hget(DAY + "2026-11-25", "SE/technical.sv.A|h00|answered") == "1"
    assert not redis_client.exists(DAY + "2026-11-24")
    assert events.today().isoformat() == "2026-11-25"


def test_every_key_expires_after_thirty_days_and_one(events, redis_client):
    events.queued(SID, "SE", TECH)
    events.answered(SID)
    for key in redis_client.scan_iter("wb:day:*"):
        assert KEEP_SECONDS - 5 < redis_client.ttl(key) <= KEEP_SECONDS == 31 * 24 * 3600
    for key in redis_client.scan_iter("ev:*"):
        assert redis_client.ttl(key) > 30 * 24 * 3600


def test_inside_a_unit_of_work_the_events_wait_for_its_writes_and_none_land_if_it_fails(events, redis_client):
    """Staged with the webhook's writes: nothing before the unit ends, nothing at all if it raises."""
    with pytest.raises(RuntimeError), unit_of_work(redis_client):
        events.queued(SID, "SE", TECH)
        raise RuntimeError("the webhook failed")
    assert events.snapshot().today == {}
    with unit_of_work(redis_client):
        events.queued(SID, "SE", TECH)
        assert events.snapshot().today == {}
    assert events.snapshot().today["SE/technical.sv.A"].offered == 1


def test_a_clock_behind_the_streams_last_entry_still_records(events, clock):
    """Another process's clock ahead of ours: the entry takes Redis' own id rather than failing the webhook."""
    events.queued(SID, "SE", TECH)
    clock.at -= timedelta(minutes=5)
    events.abandoned(SID)
    assert [event.kind for event in events.events(clock.at - timedelta(hours=1), clock.at + timedelta(hours=1))] == [
        "abandoned", "queued"]


def test_a_caller_whose_hang_up_never_came_stops_counting_as_waiting_once_their_call_could_not_last(redis_client, clock):
    """Joined 4 hours and a second ago (CALL_TTL), never reported gone: not waiting now; the one after is."""
    events = CallEvents(redis_client, clock, stale_after_seconds=4 * 3600)
    events.queued(SID, "SE", TECH)
    clock.at += timedelta(hours=4, seconds=1)
    events.queued("CA" + "b" * 32, "SE", TECH)
    assert events.snapshot().waiting["SE/technical.sv.A"] == [clock.at.timestamp()]
