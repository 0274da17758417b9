"""A call's record in Redis: created with the fields a call starts with, in place of a partial record a
late update left behind; read back as it was written; empty fields never written (they read as their
defaults); one call's writes in one webhook joined into one HSET."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from call_store.call_state import CallState, CallStatus, CallStore
from routing.model import Queue, Severity
from runtime.unit_of_work import unit_of_work
from verification.codes import CodeBook
from verification.directory import Directory

SID = "CA" + "c" * 32
STARTED = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


@pytest.fixture
def calls(redis_client, clock):
    return CallStore(redis_client, 3600, Directory(redis_client), CodeBook(redis_client, clock, "a secret"))


def test_a_created_record_reads_back_as_the_state_it_made(calls, redis_client):
    state = calls.create(sid=SID, line="SE", dialed="+46850000000", caller="+46701234567", caller_country="SE",
                         attestation="", started_at=STARTED, table_version=3, language="")
    assert state == CallState(sid=SID, line="SE", dialed="+46850000000", caller="+46701234567",
                              caller_country="SE", started_at=STARTED, table_version=3)
    assert calls.get(SID) == state
    assert redis_client.hgetall("call:" + SID) == {
        "sid": SID, "line": "SE", "dialed": "+46850000000", "caller": "+46701234567", "caller_country": "SE",
        "started_at": STARTED.isoformat(), "table_version": "3"}
    assert 3595 < redis_client.ttl("call:" + SID) <= 3600


def test_creating_over_a_partial_record_leaves_nothing_of_it(calls, redis_client):
    calls.close(SID, CallStatus.COMPLETED, STARTED)  # a status callback that outlived the call's record
    assert calls.get(SID) is None
    calls.create(sid=SID, line="SE", started_at=STARTED)
    assert calls.get(SID).status is CallStatus.IVR and "ended_at" not in redis_client.hgetall("call:" + SID)


def test_a_put_state_is_written_without_its_empty_fields(calls, redis_client):
    state = CallState(sid=SID, line="SE", queue=Queue.BILLING, severity=Severity.C, org="900001")
    calls.put(state)
    record = redis_client.hgetall("call:" + SID)
    assert all(record.values()) and "agent" not in record
    assert calls.get(SID) == state


def test_one_webhooks_updates_of_a_record_land_as_one_write(calls, redis_client):
    calls.create(sid=SID, line="SE", started_at=STARTED)
    redis_client.config_resetstat()
    with unit_of_work(redis_client):
        calls.update(SID, queue=Queue.TECHNICAL, severity=Severity.B)
        calls.update(SID, org="900001", severity=Severity.A)
        calls.update(SID, status=CallStatus.QUEUED)
    stats = redis_client.info("commandstats")
    assert stats["cmdstat_hset"]["calls"] == 1 and stats["cmdstat_expire"]["calls"] == 1
    state = calls.get(SID)
    assert (state.queue, state.severity, state.org, state.status) == (Queue.TECHNICAL, Severity.A, "900001",
                                                                      CallStatus.QUEUED)
