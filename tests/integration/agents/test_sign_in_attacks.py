"""A stranger attacking agents' sign-in over HTTP, as the red team did (issue 16): they may be
slowed down, but they cannot sign a real agent out, find agent ids by timing, or beat the
count by sending their guesses at once."""
from __future__ import annotations

import base64
import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from app import create_app
from tests.conftest import TWILIO_TOKEN
from tests.twiml import parse, signed_post

ADMIN = {"Authorization": "Bearer test-admin-token"}
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"],
        "languages": ["en"], "phones": ["+46701112233"]}
ATTACKER = {"REMOTE_ADDR": "203.0.113.66"}
OFFICE = {"REMOTE_ADDR": "198.51.100.10"}
AGENT_LINE = {"To": "+46850000000", "CallSid": "CA" + "a" * 32}
LOCKED = "Too many wrong attempts. Please try again later. Goodbye."
WRONG = "That is not right. Please try again."


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="test-admin-token"), "redis": redis_client, "clock": clock})


@pytest.fixture
def anna(client):
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201


def basic(agent_id: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{agent_id}:{password}".encode()).decode()}


def api_get(client, agent_id, password, source):
    return client.get("/agent/api/orgs/100200/contacts", headers=basic(agent_id, password), environ_base=source)


def console_sign_in(client, agent_id, password, source):
    page = client.get("/console/sign-in", environ_base=source).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return client.post("/console/sign-in", data={"agent_id": agent_id, "password": password, "csrf_token": token},
                       environ_base=source)


def pin_try(client, pin, caller, agent="1001", sid="CA" + "a" * 32):
    verbs = parse(signed_post(client, f"/ivr/agent-pin?agent={agent}&attempt=1",
                              {**AGENT_LINE, "From": caller, "Digits": pin, "CallSid": sid}, TWILIO_TOKEN).data)
    return verbs[0].says()[0] if verbs[0].says() else verbs[0].text


def test_a_strangers_wrong_passwords_do_not_sign_the_agent_out_of_the_api(client, anna):
    """Five wrong tries from the attacker's address: the attacker gets 429, the agent's own address still signs in."""
    assert [api_get(client, "1001", "guess", ATTACKER).status_code for _ in range(5)] == [401] * 5
    assert api_get(client, "1001", ANNA["password"], ATTACKER).status_code == 429
    assert api_get(client, "1001", ANNA["password"], OFFICE).status_code == 404  # signed in; no such organisation


def test_a_strangers_wrong_passwords_do_not_sign_the_agent_out_of_the_console(client, anna):
    """Five wrong tries from elsewhere; the agent signs in to the console from the office."""
    for _ in range(5):
        assert console_sign_in(client, "1001", "guess", ATTACKER).status_code == 401
    refused = console_sign_in(client, "1001", ANNA["password"], ATTACKER)
    assert refused.status_code == 429 and "Try again in" in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) > 0
    signed_in = console_sign_in(client, "1001", ANNA["password"], OFFICE)
    assert signed_in.status_code == 302 and signed_in.headers["Location"].endswith("/console")


def test_a_strangers_wrong_pins_do_not_sign_the_agent_out_of_the_agent_line(client, anna):
    """Five wrong PINs from a stranger's phone; the agent's own phone still signs in with the PIN."""
    assert [pin_try(client, "0000", "+15005550006") for _ in range(5)] == [WRONG] * 5
    assert pin_try(client, "4711", "+15005550006") == LOCKED
    assert pin_try(client, "4711", "+46701112233") != LOCKED


def test_one_address_cannot_spray_guesses_across_every_agent(client, anna):
    """Twenty wrong tries at twenty agent ids from one address; then that address is refused at any agent."""
    statuses = [api_get(client, str(2000 + n), "guess", ATTACKER).status_code for n in range(20)]
    assert statuses == [401] * 20
    assert api_get(client, "1001", ANNA["password"], ATTACKER).status_code == 429
    assert api_get(client, "1001", ANNA["password"], OFFICE).status_code == 404


def test_many_addresses_at_one_agent_are_slowed_but_the_agent_signs_in_from_a_known_address(client, anna, clock):
    """Past ten wrong tries at one agent from many addresses, a new address must wait; the agent's usual one need not."""
    assert api_get(client, "1001", ANNA["password"], OFFICE).status_code == 404  # the office is known
    for n in range(10):
        assert api_get(client, "1001", "guess", {"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 401
    slowed = api_get(client, "1001", "guess", {"REMOTE_ADDR": "192.0.2.200"})
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) >= 1
    assert api_get(client, "1001", ANNA["password"], OFFICE).status_code == 404


def test_an_unknown_agent_takes_as_long_to_refuse_as_a_wrong_password(client, anna):
    """The red team timed 85-90 ms for an agent and 2 ms for none: now both cost one scrypt."""
    def timed(agent_id, n):
        started = time.perf_counter()
        assert api_get(client, agent_id, "guess", {"REMOTE_ADDR": f"192.0.2.{n}"}).status_code == 401
        return time.perf_counter() - started

    existing = statistics.median(timed("1001", n) for n in range(4))
    missing = statistics.median(timed("9999", 100 + n) for n in range(4))
    assert missing > 0.5 * existing, (existing, missing)


def test_48_concurrent_wrong_passwords_get_exactly_five_checks(app, anna):
    """All sent at once from one address: five are checked (401), the others refused unchecked (429)."""
    start = threading.Barrier(48)

    def attempt(_):
        client = app.test_client()
        start.wait()
        return api_get(client, "1001", "guess", ATTACKER).status_code

    with ThreadPoolExecutor(max_workers=48) as pool:
        statuses = list(pool.map(attempt, range(48)))
    assert statuses.count(401) == 5 and statuses.count(429) == 43


def test_40_concurrent_pin_guesses_from_one_phone_get_exactly_five_checks(app, anna):
    """Forty wrong PINs keyed at once: five are checked, and the right PIN as the next guess is refused."""
    start = threading.Barrier(40)
    guesses = [f"{n:04d}" for n in range(1000, 1040)]

    def attempt(pin):
        client = app.test_client()
        start.wait()
        return pin_try(client, pin, "+15005550006", sid="CA" + pin.rjust(32, "0"))

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(attempt, guesses))
    assert answers.count(WRONG) == 5 and answers.count(LOCKED) == 35
    assert pin_try(app.test_client(), "4711", "+15005550006") == LOCKED


def test_a_forged_forwarded_for_header_does_not_make_a_new_source(client, anna):
    """Without TRUSTED_PROXY_HOPS, X-Forwarded-For is the client's own word and is ignored."""
    for n in range(5):
        client.get("/agent/api/orgs/100200/contacts", headers={**basic("1001", "guess"), "X-Forwarded-For": f"192.0.2.{n}"},
                   environ_base=ATTACKER)
    again = client.get("/agent/api/orgs/100200/contacts", headers={**basic("1001", "guess"), "X-Forwarded-For": "192.0.2.99"},
                       environ_base=ATTACKER)
    assert again.status_code == 429


def test_behind_a_trusted_proxy_the_address_it_saw_is_the_source(settings, redis_client, clock):
    """TRUSTED_PROXY_HOPS=1: the load balancer's X-Forwarded-For entry names the source, not the balancer."""
    app = create_app({"settings": replace(settings, admin_token="test-admin-token", trusted_proxy_hops=1),
                      "redis": redis_client, "clock": clock})
    client = app.test_client()
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201
    balancer = {"REMOTE_ADDR": "10.0.0.2"}
    for _ in range(5):
        client.get("/agent/api/orgs/100200/contacts", headers={**basic("1001", "guess"), "X-Forwarded-For": "203.0.113.66"},
                   environ_base=balancer)
    office = client.get("/agent/api/orgs/100200/contacts",
                        headers={**basic("1001", ANNA["password"]), "X-Forwarded-For": "198.51.100.10"}, environ_base=balancer)
    assert office.status_code == 404
