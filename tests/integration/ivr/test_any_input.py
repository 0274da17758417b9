"""Whatever Twilio (or anyone) posts, a webhook answers 403 or valid TwiML: never a 5xx,
and never by way of the catch-all (an apology is not an answer: it means a step failed)."""
from __future__ import annotations

import logging
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


def answer_problems(client, caplog, path: str, form: dict) -> list[str]:
    """What is wrong with the router's answer to one signed webhook: not 200, not TwiML of known verbs,
    or an error logged on the way (the catch-all's apology always logs one)."""
    caplog.clear()
    with caplog.at_level(logging.ERROR):
        response = signed_post(client, path, form, TWILIO_TOKEN)
    problems = [f"status {response.status_code}"] if response.status_code != 200 else []
    try:
        assert_valid_twiml(response.data)
    except (AssertionError, ET.ParseError) as error:
        problems.append(f"not TwiML: {error}")
    problems += [f"logged {record.levelname} from {record.name}: {record.getMessage()}"
                 for record in caplog.records if record.levelno >= logging.ERROR]
    return problems


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), form=params)
def test_any_signed_parameters_get_valid_twiml_from_their_own_step(client, caplog, path, form):
    """Missing, huge, non-ASCII or unknown parameters: 200, a Response of known verbs, and no error on the way."""
    assert answer_problems(client, caplog, path, form) == []


def test_the_property_fails_when_a_step_raises(client, app, caplog, monkeypatch):
    """The check above cannot pass on the apology: with a bug in the menu step, it reports it."""
    from ivr.answer_flow import AnswerFlow
    from web.registry import parts_of

    monkeypatch.setattr(parts_of(app).get(AnswerFlow), "menu", lambda call: 1 / 0)
    problems = answer_problems(client, caplog, "/ivr/menu?attempt=1", {"CallSid": "CA1", "To": "+46201605899", "Digits": "1"})
    assert any("ZeroDivisionError" in problem or "webhook /ivr/menu failed" in problem for problem in problems)


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
