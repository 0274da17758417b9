"""With TWILIO_WORKFLOW_SID set, calls go to TaskRouter with the same routing facts as a Task."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport

WORKFLOW = "WW" + "0" * 32


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, twilio_workflow_sid=WORKFLOW), "redis": redis_client, "clock": clock})


def test_the_enqueue_names_the_workflow_and_carries_the_task(client, register):
    """A verified Swedish technical A caller: workflowSid on <Enqueue>, a <Task> with type, language, severity,
    verified, organisation and country."""
    register("100200", **CONTOSO)
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to="+46201605899", from_="+46701234567", answers=["1", "1", "1"]).play()
    assert transcript.errors == []
    enqueue = next(event for event in transcript.events if event.kind == "enqueue")
    assert enqueue.attrs["workflowSid"] == WORKFLOW
    task = enqueue.attrs["task"]
    assert {key: task[key] for key in ("type", "language", "severity", "verified", "organisation", "country")} == {
        "type": "technical", "language": "sv", "severity": "A", "verified": True, "organisation": "100200", "country": "SE"}
