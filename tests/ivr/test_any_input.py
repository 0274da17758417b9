"""Whatever Twilio (or anyone) posts, a webhook answers 403 or valid TwiML: never a 5xx."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from tests.conftest import TWILIO_TOKEN
from tests.twiml import signed_post

PATHS = [
    "/ivr/voice", "/ivr/language?attempt=1", "/ivr/menu?attempt=2", "/ivr/severity?attempt=9", "/ivr/closed?offer=critical",
    "/ivr/verify-account?attempt=1", "/ivr/verify-pick?attempt=1", "/ivr/verify-channel?attempt=x", "/ivr/verify-code?attempt=1",
    "/ivr/partner", "/ivr/hold?lang=zz", "/ivr/queue-result", "/ivr/status", "/ivr/menu?attempt=-5",
]
VERBS = {"Say", "Play", "Pause", "Gather", "Redirect", "Enqueue", "Hangup", "Dial", "Leave", "Task"}
TWILIO_NAMES = ["CallSid", "To", "From", "Digits", "SpeechResult", "QueuePosition", "AvgQueueTime", "QueueTime",
                "QueueResult", "CallStatus", "Confidence"]
text = st.text(max_size=300)
values = st.one_of(text, st.sampled_from(["", "+46201605899", "+4969380789305", "anonymous", "1", "*", "#", "100200#", "9" * 5000]))
params = st.dictionaries(st.one_of(st.sampled_from(TWILIO_NAMES), text.filter(bool)), values, max_size=8)


def assert_valid_twiml(body: bytes) -> None:
    root = ET.fromstring(body)
    assert root.tag == "Response"
    assert {element.tag for element in root.iter()} - {"Response"} <= VERBS


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), form=params)
def test_any_signed_parameters_get_valid_twiml(client, path, form):
    """Missing, huge, non-ASCII or unknown parameters: 200 and a Response of known verbs."""
    response = signed_post(client, path, form, TWILIO_TOKEN)
    assert response.status_code == 200
    assert_valid_twiml(response.data)


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), form=params, signature=st.text(max_size=40))
def test_any_unsigned_request_is_refused(client, path, form, signature):
    """A made-up signature gets 403, whatever the parameters."""
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_repeated_parameters_are_signed_and_served(client):
    """Twilio-style form bodies with a key twice still validate and answer TwiML."""
    form = MultiDict([("CallSid", "CA" + "1" * 32), ("To", "+46201605899"), ("Digits", "1"), ("Digits", "2")])
    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://localhost/ivr/menu?attempt=1", form)
    response = client.post("/ivr/menu?attempt=1", data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert_valid_twiml(response.data)
