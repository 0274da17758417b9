"""What operators see: Prometheus metrics and logs that carry the CallSid, never a whole number or a code."""
from __future__ import annotations

import json
import logging

from runtime.logs import CallContext, JsonLines
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport


def test_metrics_count_calls_queues_and_webhook_latency(client, register):
    """After a call to the UK line: the call, its queue and the webhooks' latency are in /metrics."""
    register("100200", **CONTOSO)
    CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
               to="+448000326417", from_="+447911123456", answers=["2"]).play()
    text = client.get("/metrics").get_data(as_text=True)
    assert 'router_calls_total{line="GB"}' in text
    assert 'router_enqueued_total{line="GB",queue="billing"}' in text
    assert 'router_verification_total{action="check",result="registered-phone"}' in text
    assert 'router_webhook_seconds_bucket{endpoint="ivr.voice",le="0.05"}' in text


def test_log_lines_carry_the_call_sid_and_masked_numbers(client, caplog):
    """The voice webhook's log line names the CallSid and shows the caller as +4479******56."""
    caplog.handler.addFilter(CallContext())
    caplog.set_level(logging.INFO)
    CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
               call_sid="CA" + "3" * 32, to="+448000326417", from_="+447911123456", answers=[], max_requests=1).play()
    voice = next(record for record in caplog.records if record.name == "ivr.views" and "call CA" in record.getMessage())
    assert voice.call_sid == "CA" + "3" * 32
    assert "+4479******56" in voice.getMessage() and "+447911123456" not in caplog.text


def test_json_log_lines_are_one_object_each():
    """LOG_FORMAT=json: a line parses as JSON with time, level, logger, call_sid and message."""
    record = logging.LogRecord("ivr.views", logging.INFO, __file__, 1, "call %s", ("CA1",), None)
    record.call_sid = "CA1"
    entry = json.loads(JsonLines().format(record))
    assert (entry["level"], entry["logger"], entry["call_sid"], entry["message"]) == ("INFO", "ivr.views", "CA1", "call CA1")
