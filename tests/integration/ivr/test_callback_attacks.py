"""Callbacks as a stranger would abuse them (issue 16): no premium-rate or other costly number is
booked, whether keyed or as the caller ID; open callbacks are capped per number rung, per caller ID
that booked them and, for withheld callers, by the number they key and one shared budget; and only
the agent who claimed a callback (or a supervisor) can close it.

Every booking here goes through the signed webhooks Twilio sends (`/ivr/callback-confirm`,
`/ivr/callback-number`) from the `<Gather>` the router answers with
(https://www.twilio.com/docs/voice/twiml/gather: `Digits` posted to the `action` URL).
"""
from __future__ import annotations

import re
import threading
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from app import create_app
from call_store.callbacks import CallbackBook
from tests.conftest import TWILIO_TOKEN
from tests.integration.ivr.test_callbacks import call
from tests.twiml import parse, signed_post
from web.registry import parts_of

SATURDAY_NOON = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)  # UK billing closed: a callback is offered
PREMIUM = "+449098790000"
BOOKED = "Thank you. We will call you back on the number ending in"
ADMIN = {"Authorization": "Bearer t"}
ATTACKER = "+447911000099"
VICTIMS = ["07911123457#", "07911123458#", "07911123459#", "07911123460#"]
ALREADY = "We already have a callback booked for you, or to that number, and will call you back as promised."
UNAVAILABLE = "We cannot book a callback right now. Please call again later."


def book(client, keyed: str, from_: str, n: int):
    """One call to the UK's closed billing queue asking to be called back on `keyed`: what it was told."""
    answers = ["2", "2", "2", keyed] if from_ != "anonymous" else ["2", "2", keyed]
    return call(client, answers, from_=from_, sid="CA" + f"{n:032x}").said()


@pytest.fixture
def app(settings, redis_client, clock):
    """The router as test_callbacks.py has it (a callback offered after 30 s on hold), with its default caps."""
    return create_app({"settings": replace(settings, callback_after=30), "redis": redis_client, "clock": clock})


def at_the_number_question(client, sid: str) -> str:
    """A withheld call, through its signed webhooks, up to the question for a number to call back
    (billing, then the closed queue's callback offer): the question's action path."""
    params = {"CallSid": sid, "To": "+448000326417", "From": "anonymous"}
    path, digits = "/ivr/voice", ""
    while not path.startswith("/ivr/callback-number"):
        reply = signed_post(client, path, {**params, **({"Digits": digits} if digits else {})}, TWILIO_TOKEN)
        gather = next(verb for verb in parse(reply.data) if verb.name == "Gather")
        path, digits = "/ivr/" + gather.attrs["action"], "2"
    return path


def booked_numbers(app) -> list[str]:
    return sorted(callback.number for callback in parts_of(app).get(CallbackBook).outstanding())


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


def test_one_caller_id_cannot_book_callbacks_to_any_number_of_victims(client, app, clock):
    """The same caller ID, keying a new victim's number each call: two are booked (the default
    CALLBACK_LIMIT_PER_NUMBER), the third is told one is booked already and none is added."""
    clock.at = SATURDAY_NOON
    for n, keyed in enumerate(VICTIMS[:2]):
        assert any(text.startswith(BOOKED) for text in book(client, keyed, ATTACKER, n))
    said = book(client, VICTIMS[2], ATTACKER, 2)
    assert ALREADY in said and not any(text.startswith(BOOKED) for text in said)
    assert booked_numbers(app) == ["+447911123457", "+447911123458"]


def test_a_victim_is_not_booked_again_and_again_whoever_asks(client, app, clock):
    """Withheld callers (identified by the number they key) and callers with other caller IDs
    all keying one victim's number: two open callbacks to it, no more."""
    clock.at = SATURDAY_NOON
    callers = ["anonymous", "+447911000001", "anonymous", "+447911000002"]
    told = [book(client, VICTIMS[0], caller, n) for n, caller in enumerate(callers)]
    assert [any(text.startswith(BOOKED) for text in said) for said in told] == [True, True, False, False]
    assert all(ALREADY in said for said in told[2:])
    assert booked_numbers(app) == ["+447911123457"] * 2


@pytest.fixture
def small_app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, callback_limit_per_number=1, callback_limit_withheld=2),
                       "redis": redis_client, "clock": clock})


def test_withheld_callers_share_one_budget_and_the_limits_are_settings(small_app, clock):
    """CALLBACK_LIMIT_WITHHELD=2: the third withheld booking, to a fresh number, is refused as
    unavailable; CALLBACK_LIMIT_PER_NUMBER=1: a caller ID's second booking is refused."""
    clock.at = SATURDAY_NOON
    client = small_app.test_client()
    before = {scope: refused(client, scope) for scope in ("withheld", "caller")}
    assert any(text.startswith(BOOKED) for text in book(client, VICTIMS[0], "anonymous", 0))
    assert any(text.startswith(BOOKED) for text in book(client, VICTIMS[1], "anonymous", 1))
    assert UNAVAILABLE in book(client, VICTIMS[2], "anonymous", 2)
    assert any(text.startswith(BOOKED) for text in book(client, VICTIMS[3], ATTACKER, 3))
    assert ALREADY in book(client, "07911123461#", ATTACKER, 4)
    assert booked_numbers(small_app) == ["+447911123457", "+447911123458", "+447911123460"]
    assert {scope: refused(client, scope) - before[scope] for scope in before} == {"withheld": 1, "caller": 1}


def refused(client, scope: str) -> float:
    """Refusals of `scope` so far, as /metrics shows them to the alerting."""
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(rf'router_callbacks_total\{{event="refused-{scope}"\}} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0


def test_a_closed_callback_frees_its_place_under_the_cap(app_with_admin, clock):
    """Claimed and closed by the agent, the victim's number may be booked again."""
    clock.at = SATURDAY_NOON
    client = app_with_admin.test_client()
    assert client.put("/admin/api/agents/1001", headers=ADMIN, json={
        "name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["billing"], "languages": ["en"],
        "phones": [], "supervisor": False}).status_code == 201
    for n in range(2):
        book(client, VICTIMS[0], "anonymous", n)
    assert ALREADY in book(client, VICTIMS[0], "anonymous", 2)
    anna = console(app_with_admin, "1001")
    first = parts_of(app_with_admin).get(CallbackBook).outstanding()[0]
    anna("claim", first.id)
    assert ALREADY in book(client, VICTIMS[0], "anonymous", 3)  # claimed is still open
    anna("close", first.id)
    assert any(text.startswith(BOOKED) for text in book(client, VICTIMS[0], "anonymous", 4))
    assert len(booked_numbers(app_with_admin)) == 2


def test_concurrent_bookings_cannot_pass_the_cap_together(app, clock):
    """Twelve calls keying the same number at the same instant, as a script would send them: the check
    and the booking are one step in Redis, so exactly two are booked and ten are refused."""
    clock.at = SATURDAY_NOON
    client = app.test_client()
    sids = ["CA" + f"{0xC0 + n:032x}" for n in range(12)]
    paths = {sid: at_the_number_question(client, sid) for sid in sids}
    start, answers = threading.Barrier(len(sids)), {}

    def key_number(sid):
        own = app.test_client()
        start.wait()
        reply = signed_post(own, paths[sid],
                            {"CallSid": sid, "To": "+448000326417", "From": "anonymous", "Digits": VICTIMS[0]}, TWILIO_TOKEN)
        answers[sid] = reply.get_data(as_text=True)

    threads = [threading.Thread(target=key_number, args=(sid,)) for sid in sids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum("We will call you back on the number ending in 3 4 5 7" in text for text in answers.values()) == 2
    assert sum("already have a callback booked" in text for text in answers.values()) == 10
    assert booked_numbers(app) == ["+447911123457"] * 2


def test_a_replayed_booking_webhook_books_once_and_answers_as_before(client, app, clock):
    """Twilio retries, or an attacker sends the captured `/ivr/callback-number` again: still one
    callback, and the caller hears the same confirmation."""
    clock.at = SATURDAY_NOON
    sid = "CA" + "7" * 32
    book(client, VICTIMS[0], "anonymous", 0x7777)  # another call's booking, which this one's must not disturb
    base = {"CallSid": sid, "To": "+448000326417", "From": "anonymous"}
    path = at_the_number_question(client, sid)
    first, again = (signed_post(client, path, {**base, "Digits": VICTIMS[1]}, TWILIO_TOKEN).get_data(as_text=True)
                    for _ in range(2))
    assert "ending in 3 4 5 8" in first and first == again
    assert booked_numbers(app) == ["+447911123457", "+447911123458"]
