"""Nobody stranded: a caller queued by the apology while Redis was away is recorded as soon as it is back,
from what their next hold webhook carries, keeps their arrival time and is offered to agents like everyone
else; and the apology speaks the language the caller chose, which their signed webhook URL carries.

Twilio's waitUrl request carries the standard call parameters plus QueueSid, QueuePosition, QueueTime
(seconds in the queue so far), AvgQueueTime and CurrentQueueSize
(https://www.twilio.com/docs/voice/twiml/enqueue)."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import redis

from app import create_app
from call_store.call_state import CallState, CallStatus, CallStore
from call_store.waiting import WaitingRoom
from routing.queues import QueueName
from runtime.redis_connection import client_options
from tests.conftest import TWILIO_TOKEN
from tests.redis_process import RedisProcess
from tests.twiml import parse, signed_post
from web.registry import parts_of

SWEDEN = {"To": "+46201605899", "From": "+46701234567"}
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}
ADMIN = {"Authorization": "Bearer test-admin-token"}


@pytest.fixture
def server(tmp_path):
    process = RedisProcess(tmp_path / "redis").start()
    yield process
    process.stop()


@pytest.fixture
def app(settings, server, clock):
    client = redis.Redis.from_url(server.url, **client_options(0.25))
    return create_app({"settings": replace(settings, admin_token="test-admin-token"), "redis": client, "clock": clock})


def test_the_apology_speaks_the_language_the_caller_chose(app, server):
    """A Swedish-line caller chose English; Redis goes; the next step's apology is in English and queues them
    for English technical support, with a hold URL that will record them once Redis is back."""
    client = app.test_client()
    sid = "CA" + "c" * 32
    signed_post(client, "/ivr/voice", {**SWEDEN, "CallSid": sid}, TWILIO_TOKEN)
    chosen = parse(signed_post(client, "/ivr/language?attempt=1", {**SWEDEN, "CallSid": sid, "Digits": "2"}, TWILIO_TOKEN).data)
    menu_url = chosen[0].attrs["action"]
    assert parse_qs(urlsplit(menu_url).query)["lang"] == ["en-GB"]
    server.stop()
    verbs = parse(signed_post(client, "/ivr/" + menu_url, {**SWEDEN, "CallSid": sid, "Digits": "1"}, TWILIO_TOKEN).data)
    assert verbs[0].text == "We are sorry, we are having technical difficulties. Please hold while we connect you to technical support."
    assert verbs[0].attrs["language"] == "en-GB"
    assert verbs[1].text == "technical.en.B"
    assert parse_qs(urlsplit(verbs[1].attrs["waitUrl"]).query)["recover"] == ["1"]


def test_a_caller_queued_during_an_outage_is_recorded_on_their_next_hold_and_served_in_arrival_order(app, server, clock):
    """Queued by the apology with Redis down, then Redis back: their hold webhook (QueueTime 300) records them
    as having arrived five minutes ago, so an agent is offered them before a caller who came in a minute ago."""
    client = app.test_client()
    stranded = "CA" + "d" * 32
    server.stop()
    apology = parse(signed_post(client, "/ivr/voice", {**SWEDEN, "CallSid": stranded}, TWILIO_TOKEN).data)
    wait_url = apology[-1].attrs["waitUrl"]
    server.start()
    later = "CA" + "e" * 32
    parts = parts_of(app)
    waiting, calls = parts.get(WaitingRoom), parts.get(CallStore)
    waiting.joined(later, QueueName.parse("technical.sv.B"))  # queued normally, a minute ago
    calls.put(CallState(sid=later, line="SE", queue_name=QueueName.parse("technical.sv.B"), status=CallStatus.QUEUED))
    clock.at = clock.at + timedelta(minutes=1)
    hold = signed_post(client, "/ivr/" + wait_url, {**SWEDEN, "CallSid": stranded, "QueueSid": "QU" + "0" * 32,
                                                     "QueuePosition": "1", "QueueTime": "300", "AvgQueueTime": "120",
                                                     "CurrentQueueSize": "2"}, TWILIO_TOKEN)
    assert parse(hold.data)[-1].name == "Play"
    recorded = {entry.sid: entry for entry in waiting.everyone()}
    assert str(recorded[stranded].queue) == "technical.sv.B"
    assert recorded[stranded].since == pytest.approx((clock.at - timedelta(seconds=300)).timestamp())
    state = calls.get(stranded)
    assert (state.line, state.status, str(state.queue_name), state.caller) == ("SE", CallStatus.QUEUED, "technical.sv.B", "+46701234567")
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201
    agent = {"To": "+46850000000", "From": "+46701112233", "CallSid": "CA" + "a" * 32}
    signed_post(client, "/ivr/agent", agent, TWILIO_TOKEN)
    offered = parse(signed_post(client, "/ivr/agent-pin?agent=1001&attempt=1", {**agent, "Digits": "4711"}, TWILIO_TOKEN).data)
    assert offered[-1].name == "Dial" and offered[-1].children[0].text == "technical.sv.B"
    console_order = [entry.sid for entry in sorted(waiting.everyone(), key=lambda entry: entry.since)]
    assert console_order == [stranded, later]
    again = signed_post(client, "/ivr/" + wait_url, {**SWEDEN, "CallSid": stranded, "QueuePosition": "1", "QueueTime": "330"},
                        TWILIO_TOKEN)
    assert parse(again.data) and {entry.sid: entry for entry in waiting.everyone()}[stranded].since == recorded[stranded].since
