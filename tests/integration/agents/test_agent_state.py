"""An agent reads and sets their own state over the agent API (HTTP Basic): available or offline, where
offers ring; the router's states (offered, busy, wrap-up) are not theirs to change; wrap-up ends by itself."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app
from web.registry import parts_of
from workforce.presence import AgentPresence, AgentState

ADMIN = {"Authorization": "Bearer test-admin-token"}
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"],
        "languages": ["sv"], "phones": ["+46701112233"]}
AUTH = ("1001", "correct horse battery")


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="test-admin-token"), "redis": redis_client,
                       "clock": clock})


@pytest.fixture
def anna(client):
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201


def test_a_new_agent_is_offline_until_they_say_otherwise(client, anna):
    body = client.get("/agent/api/state", auth=AUTH).get_json()
    assert (body["state"], body["since"], body["call_sid"]) == ("offline", None, None)


def test_available_on_the_phone_then_in_the_browser_then_offline(client, anna, clock):
    """Available since now, rung on the registered phone; the browser rings client:<id>; offline again."""
    body = client.put("/agent/api/state", json={"state": "available"}, auth=AUTH).get_json()
    assert (body["state"], body["ring"], body["since"]) == ("available", "+46701112233", clock.at.isoformat())
    body = client.put("/agent/api/state", json={"state": "available", "ring": "browser"}, auth=AUTH).get_json()
    assert body["ring"] == "client:1001"
    assert client.put("/agent/api/state", json={"state": "offline"}, auth=AUTH).get_json()["state"] == "offline"


@pytest.mark.parametrize("body", [{"state": "busy"}, {"state": "wrap-up"}, {}, {"state": "available", "ring": "fax"},
                                  {"state": ["available"]}])
def test_states_that_are_not_the_agents_to_set_are_refused(client, anna, body):
    """Only available and offline are the agent's; a bad ring is refused; nothing changes."""
    response = client.put("/agent/api/state", json=body, auth=AUTH)
    assert response.status_code == 400 and response.get_json()["errors"]
    assert client.get("/agent/api/state", auth=AUTH).get_json()["state"] == "offline"


def test_without_the_password_there_is_no_state(client, anna):
    assert client.get("/agent/api/state").status_code == 401
    assert client.put("/agent/api/state", json={"state": "available"}, auth=("1001", "wrong password!")).status_code == 401


def test_while_offered_or_busy_the_router_state_stands(client, anna, app):
    """Offered a caller: going offline is refused with 409 until the offer ends."""
    presence = parts_of(app).get(AgentPresence)
    client.put("/agent/api/state", json={"state": "available"}, auth=AUTH)
    assert presence.offer("CA" + "1" * 32, ["1001"], 20) == ("1001", "+46701112233")
    response = client.put("/agent/api/state", json={"state": "offline"}, auth=AUTH)
    assert response.status_code == 409 and response.get_json()["state"] == "offered"
    presence.end("1001", "CA" + "1" * 32, "wrap-up")
    assert client.get("/agent/api/state", auth=AUTH).get_json()["state"] == "wrap-up"


def test_wrap_up_lasts_its_seconds_then_the_agent_is_available_and_idle_from_its_end(client, anna, app, clock):
    presence = parts_of(app).get(AgentPresence)
    client.put("/agent/api/state", json={"state": "available"}, auth=AUTH)
    presence.offer("CA" + "1" * 32, ["1001"], 20)
    presence.end("1001", "CA" + "1" * 32, "wrap-up")
    clock.at += timedelta(seconds=29)
    assert presence.get("1001").state is AgentState.WRAP_UP
    clock.at += timedelta(seconds=1)
    state = presence.get("1001")
    assert (state.state, state.since) == (AgentState.AVAILABLE, clock.at)


def test_one_offer_per_caller_and_per_agent(client, anna, app):
    """The script claims a caller once and an agent once: a second caller finds no agent, a second agent no caller."""
    presence = parts_of(app).get(AgentPresence)
    client.put("/agent/api/state", json={"state": "available"}, auth=AUTH)
    assert presence.offer("CA" + "1" * 32, ["1001"], 20) == ("1001", "+46701112233")
    assert presence.offer("CA" + "2" * 32, ["1001"], 20) is None
    assert presence.offer("CA" + "1" * 32, ["1001"], 20) is None
