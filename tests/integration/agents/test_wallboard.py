"""The wallboard's figures from a scripted set of calls, played through signed webhooks and the REST
stand-in exactly as in push routing (tests/integration/agents/test_push_routing.py, whose Twilio pages
it shares: Calls https://www.twilio.com/docs/voice/api/call-resource, Queue Member
https://www.twilio.com/docs/voice/api/queue-member, whose update sends the Enqueue action
QueueResult=redirected, and <Enqueue> https://www.twilio.com/docs/voice/twiml/enqueue, whose action
hears QueueResult=hangup when the caller hangs up in the queue).

Four callers to Sweden's technical queue (technical.sv.A): one answered after 20 s (talk 120 s), one
after 90 s (over the 60 s threshold; talk 60 s), one hangs up after 120 s, one after 10 s. Service level
= 1 answered within 60 s / (2 answered + 1 abandoned after 60 s) = 1/3."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from tests.conftest import CONTOSO
from tests.integration.agents.test_push_routing import ANNA, World
from workforce.presence import AgentState

SUPERVISOR = {"name": "Sara", "pin": "4799", "password": "correct horse battery", "queues": ["technical"],
              "languages": ["sv"], "phones": ["+46709998877"], "supervisor": True}
KEY = ("SE", "technical.sv.A")


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = World(settings, redis_client, clock)
    yield here
    here.close()


def console(world, agent_id: str, password: str = "correct horse battery"):
    client = world.app.test_client()
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    signed = client.post("/console/sign-in", data={"agent_id": agent_id, "password": password, "csrf_token": token})
    assert signed.status_code == 302
    return client


def offline(world, agent_id: str):
    response = world.client.put("/agent/api/state", json={"state": "offline"}, auth=(agent_id, ANNA["password"]))
    assert response.status_code == 200, response.get_json()


def answered_call(world, waits: int, talks: int, from_: str):
    """A caller waits `waits` s with Anna offline; she comes available and takes them; they talk `talks` s."""
    caller = world.caller(from_=from_)
    world.clock.at += timedelta(seconds=waits)
    world.available("1001")
    world.advance(40)  # ring, answer, briefing, the meeting (the router's clock stands still meanwhile)
    assert world.state("1001") is AgentState.BUSY
    world.clock.at += timedelta(seconds=talks)
    world.advance(70)  # the conference ends (Anna's talk_seconds): the caller's call completes
    assert caller.leg.ended
    offline(world, "1001")
    return caller


def abandoned_call(world, waits: int, from_: str):
    caller = world.caller(from_=from_)
    world.clock.at += timedelta(seconds=waits)
    world.api.hang_up(caller.call_sid)
    world.settle()
    return caller


@pytest.fixture
def scripted(world):
    world.agent("1001", ANNA, talk_seconds=60, answers=("1", "1"))
    world.agent("1009", SUPERVISOR)
    answered_call(world, waits=20, talks=120, from_="+46701234567")
    answered_call(world, waits=90, talks=60, from_="+447911123456")
    abandoned_call(world, waits=120, from_="+46701234567")
    abandoned_call(world, waits=10, from_="+447911123456")
    return world


def figures_of(text: str, label: str = "technical.sv.A (SE)") -> dict[str, str]:
    """A queue card's figures (dt -> dd text), by default Sweden's technical queue's."""
    card = re.search(rf'<h3 id="queue-\d+">{re.escape(label)}</h3>(.*?)</article>', text, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt><dd[^>]*>(.*?)</dd>", card, re.S)
    return {name: " ".join(re.sub(r"<[^>]+>", " ", value).split()) for name, value in pairs}


def test_the_wallboard_shows_the_scripted_calls_figures(scripted):
    """Waiting 0; service level 33 % (far below the 80 % target, in words); 2 of 4 answered, 2 abandoned;
    average wait 55 s ((20 + 90) / 2), average handle 1 min 30 s ((120 + 60) / 2)."""
    page = console(scripted, "1009").get("/console/wallboard")
    assert page.status_code == 200
    figures = figures_of(page.get_data(as_text=True))
    assert figures["Waiting now"] == "0"
    assert figures["Service level"] == "✗ 33 % far below target"
    assert figures["Answered"] == "2 of 4 offered"
    assert figures["Abandoned"] == "2"
    assert figures["Average wait"] == "55 s"
    assert figures["Average handle time"] == "1 min 30 s"


def test_the_day_csv_has_the_same_figures(scripted):
    """One row for the queue and one for all queues, with every counter the board is made from."""
    response = console(scripted, "1009").get("/console/wallboard/day.csv")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["line"], row["queue"]) for row in rows] == [KEY, ("all", "all")]
    for row in rows:
        assert {name: row[name] for name in ("day", "offered", "answered", "answered_within_threshold", "abandoned",
                                              "abandoned_after_threshold", "service_level_percent",
                                              "average_wait_seconds", "average_abandoned_wait_seconds",
                                              "average_handle_seconds", "handled", "threshold_seconds")} == {
            "day": "2026-11-24", "offered": "4", "answered": "2", "answered_within_threshold": "1", "abandoned": "2",
            "abandoned_after_threshold": "1", "service_level_percent": "33.3", "average_wait_seconds": "55.0",
            "average_abandoned_wait_seconds": "65.0", "average_handle_seconds": "90.0", "handled": "2",
            "threshold_seconds": "60"}


def test_the_events_csv_lists_each_call_and_agent_state_change(scripted):
    """Every queued, answered, ended and abandoned event in order, with its wait or handle time; Anna's states."""
    response = console(scripted, "1009").get("/console/wallboard/events.csv?from=2026-11-24&to=2026-11-24")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    calls = [(row["kind"], row["wait_seconds"] or row["handle_seconds"]) for row in rows if row["kind"] != "agent-state"]
    assert calls == [("queued", ""), ("answered", "20"), ("ended", "120"), ("queued", ""), ("answered", "90"),
                     ("ended", "60"), ("queued", ""), ("abandoned", "120"), ("queued", ""), ("abandoned", "10")]
    assert {row["queue"] for row in rows if row["kind"] != "agent-state"} == {"SE/technical.sv.A"}
    anna = [row["state"] for row in rows if row["kind"] == "agent-state" and row["agent"] == "1001"]
    assert anna == ["available", "offered", "busy", "wrap-up", "offline"] * 2
    assert console(scripted, "1009").get("/console/wallboard/events.csv?from=2026-11-25").get_data(as_text=True) \
        .splitlines()[1:] == []


def test_metrics_carry_the_same_figures(scripted):
    """/metrics (from this machine) has the board's figures as router_wallboard_* gauges."""
    text = scripted.client.get("/metrics").get_data(as_text=True)
    labels = '{line="SE",queue="technical.sv.A"}'
    expected = {"offered_today": 4.0, "answered_today": 2.0, "answered_within_threshold_today": 1.0,
                "abandoned_today": 2.0, "abandoned_after_threshold_today": 1.0, "waiting": 0.0,
                "average_wait_seconds": 55.0, "average_handle_seconds": 90.0}
    for name, value in expected.items():
        assert f"router_wallboard_{name}{labels} {value}" in text.splitlines(), name
    [level] = [line for line in text.splitlines() if line.startswith("router_wallboard_service_level_ratio" + labels)]
    assert float(level.split()[-1]) == pytest.approx(1 / 3)
    assert 'router_wallboard_agents{state="offline"} 2.0' in text.splitlines()


def test_a_caller_waiting_now_shows_on_the_board_with_the_longest_wait(world):
    """A caller in the queue 75 s: waiting 1, longest wait 1 min 15 s marked as over the 60 s threshold in words."""
    world.agent("1009", SUPERVISOR)
    world.caller()
    world.clock.at += timedelta(seconds=75)
    figures = figures_of(console(world, "1009").get("/console/wallboard/figures").get_data(as_text=True))
    assert figures["Waiting now"] == "1"
    assert figures["Longest wait"] == "✗ 1 min 15 s, over 60 s"
    assert figures["Service level"] == "– – no calls yet"


def test_an_agent_who_is_not_a_supervisor_is_refused(world):
    """Anna signs in to the console but the wallboard, its figures and its exports answer 403."""
    world.agent("1001", ANNA)
    client = console(world, "1001")
    for path in ("/console/wallboard", "/console/wallboard/figures", "/console/wallboard/day.csv",
                 "/console/wallboard/events.csv"):
        assert client.get(path).status_code == 403, path


def test_the_console_links_the_wallboard_for_supervisors_only(world):
    world.agent("1001", ANNA)
    world.agent("1009", SUPERVISOR)
    link = 'href="/console/wallboard"'
    assert link in console(world, "1009").get("/console").get_data(as_text=True)
    assert link not in console(world, "1001").get("/console").get_data(as_text=True)


def test_without_a_session_the_wallboard_sends_to_sign_in(world):
    response = world.app.test_client().get("/console/wallboard")
    assert response.status_code == 302 and response.headers["Location"].endswith("/console/sign-in")


def test_a_supervisor_listens_to_a_live_call(world):
    """The Listen button dials the supervisor into the call's conference, muted (Participants create,
    https://www.twilio.com/docs/voice/api/conference-participant-resource: `Muted`)."""
    world.agent("1001", ANNA, talk_seconds=300)
    world.agent("1009", SUPERVISOR)
    caller = world.caller()
    world.available("1001")
    world.advance(40)
    client = console(world, "1009")
    page = client.get("/console/wallboard").get_data(as_text=True)
    assert f'id="listen-{caller.call_sid}"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post(f"/console/wallboard/calls/{caller.call_sid}/monitor", data={"mode": "listen", "csrf_token": token})
    assert response.status_code == 302
    [join] = [r for r in world.api.received if r["method"] == "POST" and r["path"].endswith("/Participants.json")]
    assert join["form"]["To"] == SUPERVISOR["phones"][0] and join["form"]["Muted"] == "true"
    assert "Calling you now: you will be listening (muted)" in client.get("/console/wallboard").get_data(as_text=True)


def test_a_cold_transfer_ends_the_talk_in_the_first_queue_and_offers_the_caller_to_the_next(world):
    """Anna takes a technical caller after 20 s, talks 3 minutes and transfers them to billing (Calls update
    `Url`, https://www.twilio.com/docs/voice/api/call-resource): technical has 1 transferred, handle 3 min;
    billing has the caller offered and waiting, their wait there starting at the transfer."""
    from call_store.call_state import CallStore

    world.agent("1001", ANNA, talk_seconds=None)
    world.agent("1009", SUPERVISOR)
    caller = world.caller(talk_seconds=None)
    world.clock.at += timedelta(seconds=20)
    world.available("1001")
    world.advance(40)
    world.clock.at += timedelta(minutes=3)
    response = world.client.post(f"/agent/api/calls/{caller.call_sid}/transfer", json={"queue": "billing", "reason": "invoice"},
                                 auth=("1001", ANNA["password"]))
    assert response.status_code == 200
    world.settle()
    billing = str(world.parts.get(CallStore).get(caller.call_sid).queue_name)
    world.clock.at += timedelta(seconds=30)
    text = console(world, "1009").get("/console/wallboard/day.csv").get_data(as_text=True)
    rows = {(row["line"], row["queue"]): row for row in csv.DictReader(io.StringIO(text))}
    technical = rows[KEY]
    assert (technical["answered"], technical["transferred"], technical["handled"], technical["average_handle_seconds"]) == (
        "1", "1", "1", "180.0")
    assert (rows[("SE", billing)]["offered"], rows[("SE", billing)]["answered"]) == ("1", "0")
    figures = figures_of(console(world, "1009").get("/console/wallboard/figures").get_data(as_text=True), f"{billing} (SE)")
    assert (figures["Waiting now"], figures["Longest wait"], figures["Answered"]) == ("1", "30 s", "0 of 1 offered")
