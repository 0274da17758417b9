"""Callbacks as a stranger would abuse them (issue 16): no premium-rate or other costly number is
booked, whether keyed or as the caller ID, and only the agent who claimed a callback (or a
supervisor) can close it."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from call_store.callbacks import CallbackBook
from tests.integration.ivr.test_callbacks import app, call  # noqa: F401  (the same app and caller)
from web.registry import parts_of

SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)  # UK billing closed: a callback is offered
PREMIUM = "+449098790000"
BOOKED = "Thank you. We will call you back on the number ending in"
ADMIN = {"Authorization": "Bearer t"}


@pytest.mark.parametrize("keyed", ["09098790000#", "00449098790000#", "08712345678#"])  # premium rate, shared cost
def test_a_withheld_caller_cannot_book_a_callback_to_a_premium_or_shared_cost_number(client, app, clock, keyed):
    """Keyed at the closed queue's offer: "not valid", asked again; nothing booked."""
    clock.at = SATURDAY_NOON
    transcript = call(client, ["2", "2", "2", keyed], from_="anonymous")
    assert "That number is not valid." in transcript.said()
    assert not any(text.startswith(BOOKED) for text in transcript.said())
    assert parts_of(app).get(CallbackBook).outstanding() == []


def test_a_premium_rate_caller_id_is_not_offered_for_the_callback(client, app, clock):
    """Caller ID +449098790000 (spoofable): not read back for confirmation; the caller must key a number."""
    clock.at = SATURDAY_NOON
    transcript = call(client, ["2", "2", "1"], from_=PREMIUM)
    assert not any("Press 1 to confirm" in text for text in transcript.said())
    assert parts_of(app).get(CallbackBook).outstanding() == []


@pytest.fixture
def app_with_admin(settings, redis_client, clock):
    from dataclasses import replace

    from app import create_app
    return create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})


def console(app, agent_id):
    client = app.test_client()
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/console/sign-in", data={"agent_id": agent_id, "password": "correct horse battery", "csrf_token": token})
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console").get_data(as_text=True)).group(1)
    return lambda action, callback_id: client.post(f"/console/callbacks/{callback_id}/{action}", data={"csrf_token": token})


def test_only_the_claiming_agent_or_a_supervisor_closes_a_callback(app_with_admin):
    """Unclaimed: nobody closes it; claimed by 1001: 2002 cannot, 1001 can; another claimed one: the supervisor can."""
    app = app_with_admin
    client = app.test_client()
    for agent_id, supervisor in (("1001", False), ("2002", False), ("3003", True)):
        body = {"name": f"Agent {agent_id}", "pin": "4711", "password": "correct horse battery", "queues": ["billing"],
                "languages": ["en"], "phones": [], "supervisor": supervisor}
        assert client.put(f"/admin/api/agents/{agent_id}", json=body, headers=ADMIN).status_code == 201
    book = parts_of(app).get(CallbackBook)
    first, second = (book.request(sid=f"CA{n}", number="+447911123456", line="GB", queue_name="billing.en.B",
                                  language="en-GB", place=n) for n in (1, 2))
    anna, bert, sue = console(app, "1001"), console(app, "2002"), console(app, "3003")
    bert("close", first.id)
    assert book.get(first.id).status == "open"  # unclaimed: must be claimed first
    anna("claim", first.id)
    bert("close", first.id)
    assert book.get(first.id).status == "claimed"
    anna("close", first.id)
    assert book.get(first.id).status == "closed"
    bert("claim", second.id)
    sue("close", second.id)
    assert book.get(second.id).status == "closed"
