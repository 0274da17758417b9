"""Agents' benchmark: push routing with N simulated agents while callers arrive, through the REST stand-in.

    python -m bench.agents                              # 200 agents, 500 callers (the issue's goal)
    python -m bench.agents --agents 20 --callers 50 --arrival-seconds 10

The router runs in this process on a real redis-server (started here), with push routing on: its
Twilio REST calls go through the `twilio` library to the stand-in (`twilio_simulator/rest.py`,
every request checked against Twilio's contract), which plays every leg in real time and sends the
legs' webhooks to the router, signed, through its WSGI app. Agents: half ring on a phone (they
answer after 2-6 s, hear the briefing and press 1; one in 30 never answers), half in the browser
(`client:<id>`, they click after 1-3 s); each talks 15-40 s (`--talk`), then wrap-up (`--wrap-up`). Callers
(technical support, open around the clock, from a registered phone: 30% severity A, the rest B) arrive
evenly over `--arrival-seconds` and wait for as long as it takes. The router runs on the wall clock.

It prints, per connection (a caller and an agent both in the call's conference):

* router time from "caller queued with an agent free" to "both in the conference": from the later of
  the moment the router queued the caller (its Enqueue answer) and the moment the agent who took the
  call last became available (the state change, or the end of their wrap-up), to the end of the
  caller's `meet` webhook, less every simulated ring of that caller's offers (Calls create received
  -> the agent's leg answered, or its no-answer). p50, p95, p99, max. Also the router's own share on
  that path: the wait until its Calls create reached the stand-in, plus its briefing, accept,
  conference-join and meet webhooks; the rest is the stand-in's queueing (one pump thread);
* offers per connection (Calls create to agents), REST requests per connection (all of them);
* Redis round trips per webhook: the server's read events during the run (the dispatch thread's
  included) over the webhooks answered;
* double offers: a caller with two agent legs live at once, or an agent with two;
* lost callers: any caller not in a conference when the run ends (or whose call failed).

Everything is on 127.0.0.1; every wait is bounded (`--timeout`).
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import redis

from tests.redis_process import RedisProcess

TOKEN = "bench-auth-token"
ADMIN = {"Authorization": "Bearer bench-admin-token"}
PUBLIC = "http://router.bench"
SE_LINE = "+46201605899"
REGISTERED = "+46701234567"
PASSWORD = "correct horse battery"


@dataclass
class Observed:
    """What the bench sees happen, by wall clock (time.monotonic)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    webhooks: list[tuple[str, dict, float, float, int]] = field(default_factory=list)  # path, query+form, start, end, status
    rest: list[tuple[float, str, str, dict, int, dict | None]] = field(default_factory=list)  # t, method, path, form, status, body
    enqueued: dict[str, float] = field(default_factory=dict)  # caller -> Enqueue answered
    available: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))  # agent -> became available
    bad_answers: int = 0


def timed_transport(app, seen: Observed):
    """The stand-in's webhooks into the router's WSGI app, each timed, as Twilio would send them."""
    from twilio_simulator.twilio_player import flask_transport

    send = flask_transport(app.test_client())

    def post(url: str, params: dict, headers: dict, method: str = "POST"):
        started = time.monotonic()
        status, content_type, body = send(url, params, headers, method)
        ended = time.monotonic()
        parts = urlsplit(url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        with seen.lock:
            seen.webhooks.append((parts.path, {**query, **params}, started, ended, status))
            if status != 200:
                seen.bad_answers += 1
            if parts.path == "/ivr/hold" or "<Enqueue" in body:
                seen.enqueued.setdefault(params.get("CallSid", ""), ended)
        return status, content_type, body

    return post


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(agents: int, callers: int, arrival_seconds: float, wrap_up: int, timeout: float, seed: int,
        talk: tuple[float, float] = (15.0, 40.0)) -> dict:
    from app import create_app
    from call_store.offers import Dispatch
    from runtime.redis_connection import client_options
    from runtime.settings import Settings
    from twilio_simulator.rest import TwilioRestApi
    from twilio_simulator.twilio_player import Party, Switchboard
    from web.registry import parts_of

    rng = random.Random(seed)
    folder = Path(tempfile.mkdtemp(prefix="bench-agents-"))
    server = RedisProcess(folder / "redis").start()
    seen = Observed()
    send: dict = {}
    board = Switchboard(transport=lambda *args, **kwargs: send["to"](*args, **kwargs), auth_token=TOKEN, base_url=PUBLIC)
    api = TwilioRestApi(board, auth_token=TOKEN, realtime=True)
    handle = api.handle

    def timed_handle(method, target, authorization, raw):
        status, body = handle(method, target, authorization, raw)
        form = {key: values[0] for key, values in parse_qs(raw).items()} if raw else {}
        with seen.lock:
            seen.rest.append((time.monotonic(), method, urlsplit(target).path, form, status, body))
        return status, body

    api.handle = timed_handle
    api.start()
    client = redis.Redis.from_url(server.url, **client_options(1.0))
    settings = Settings(twilio_auth_token=TOKEN, instance_dir=str(folder / "instance"), admin_token="bench-admin-token",
                        twilio_account_sid=board.engine.account_sid, twilio_api_url=api.url, public_base_url=PUBLIC,
                        wrap_up_seconds=wrap_up, ring_timeout=20, log_level="WARNING")
    app = create_app({"settings": settings, "redis": client})  # the wall clock: wrap-ups end in real time
    send["to"] = timed_transport(app, seen)
    admin = app.test_client()
    dispatch = parts_of(app).get(Dispatch)
    load_before = os.getloadavg()
    try:
        assert admin.put("/admin/api/orgs/100200", headers=ADMIN, json={
            "name": "Contoso", "registered_phones": [REGISTERED], "registered_emails": ["it@contoso.com"],
            "purchased_via": "direct", "plan": "standard"}).status_code in (200, 201)
        agent_ids = [str(5000 + n) for n in range(agents)]
        for n, agent_id in enumerate(agent_ids):
            phone = f"+4670999{n:04d}"
            browser = n % 2 == 1
            record = {"name": f"Agent {agent_id}", "pin": "4711", "password": PASSWORD,
                      "queues": ["technical", "billing", "presales"], "languages": ["sv", "en"], "phones": [phone]}
            assert admin.put(f"/admin/api/agents/{agent_id}", json=record, headers=ADMIN).status_code == 201
            talk_seconds = rng.uniform(*talk)
            if browser:
                board.engine.parties[f"client:{agent_id}"] = Party(answer_after=rng.uniform(1, 3), talk_seconds=talk_seconds)
            else:
                never = n % 30 == 0
                board.engine.parties[phone] = Party(answer_after=None if never else rng.uniform(2, 6),
                                                    talk_seconds=talk_seconds, answers=["1"] * 1000)
        # Wrap-up ends are when agents become available again: watched through the router's conference events.
        for n, agent_id in enumerate(agent_ids):
            response = admin.put("/agent/api/state", json={"state": "available", "ring": "browser" if n % 2 else "phone"},
                                 auth=(agent_id, PASSWORD))
            assert response.status_code == 200, response.get_json()
            with seen.lock:
                seen.available[agent_id].append(time.monotonic())
        started = time.monotonic()
        legs = []
        for n in range(callers):
            due = started + arrival_seconds * n / max(callers, 1)
            time.sleep(max(0.0, due - time.monotonic()))
            severity = "1" if rng.random() < 0.3 else "2"  # A, else B
            legs.append(board.inbound(to=SE_LINE, from_=REGISTERED,
                                      party=Party(answers=["1", "1", severity], hold_cycles=None, talk_seconds=None)))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            connected = sum(1 for leg in legs if _met(seen, leg.sid))
            if connected == len(legs) or all(leg.ended or _met(seen, leg.sid) for leg in legs):
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        dispatch.wait_idle(10)
        load_after = os.getloadavg()
        reads = int(client.info("stats")["total_reads_processed"])
        return report(seen, legs, agent_ids, api, elapsed, reads, load_before, load_after, wrap_up)
    finally:
        api.stop()
        client.close()
        server.stop()


def _met(seen: Observed, caller_sid: str) -> bool:
    with seen.lock:
        return any(path == "/ivr/meet" and params.get("CallSid") == caller_sid for path, params, *_ in seen.webhooks)


def report(seen: Observed, legs, agent_ids, api, elapsed, reads, load_before, load_after, wrap_up) -> dict:
    with seen.lock:
        webhooks, rest = list(seen.webhooks), list(seen.rest)
    available = {agent: list(times) for agent, times in seen.available.items()}
    for path, params, start, end, _status in webhooks:  # a conference's end: the agent's wrap-up, then available
        if path == "/ivr/conference" and params.get("StatusCallbackEvent") == "conference-end" and params.get("agent"):
            available[params["agent"]].append(start + wrap_up)  # the router sets the wrap-up's end as it starts
    offers = [(t, form, body) for t, method, path, form, status, body in rest
              if method == "POST" and path.endswith("/Calls.json") and status == 201]
    offers_of: dict[str, list] = defaultdict(list)  # caller -> [(created, agent, leg sid)]
    for t, form, body in offers:
        query = {key: values[0] for key, values in parse_qs(urlsplit(form.get("Url", "")).query).items()}
        offers_of[query.get("call", "")].append((t, query.get("agent", ""), body["sid"]))
    answered: dict[str, float] = {}  # agent leg -> briefing requested (the leg was answered)
    ended: dict[str, float] = {}  # agent leg -> final offer-status
    by_caller: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for path, params, start, end, _status in webhooks:
        if path == "/ivr/briefing":
            answered.setdefault(params.get("CallSid", ""), start)
        if path == "/ivr/offer-status" and params.get("CallStatus") in ("completed", "no-answer", "busy", "failed",
                                                                         "canceled"):
            ended.setdefault(params.get("CallSid", ""), start)
        caller = params.get("call") or (params.get("CallSid") if path == "/ivr/meet" else "")
        if caller:
            by_caller[caller][path].append((start, end, params))
    router_times, own_shares, connections, details = [], [], 0, []
    t0 = min((start for _, _, start, _, _ in webhooks), default=0.0)
    for leg in legs:
        meets = by_caller[leg.sid].get("/ivr/meet")
        made = offers_of.get(leg.sid, [])
        if not meets or not made:
            continue
        connections += 1
        connected = meets[0][1]
        created, agent, agent_leg = made[-1]
        # The router's own wrap-up end is a little before ours (we see the webhook, not its clock): within 0.5 s
        # of the offer, a free time is the one this offer followed.
        became_free = min(created, max((t for t in available.get(agent, []) if t <= created + 0.5), default=created))
        start = max(seen.enqueued.get(leg.sid, created), became_free)
        ring = sum(max(0.0, answered.get(sid, ended.get(sid, t)) - t) for t, _, sid in made)
        router_times.append(max(0.0, connected - start - ring))
        details.append((router_times[-1], leg.sid[-6:], agent, round(seen.enqueued.get(leg.sid, 0) - t0, 2),
                        round(became_free - t0, 2), [round(t - t0, 2) for t, _, _ in made], round(connected - t0, 2)))
        own = max(0.0, made[0][0] - start)
        for path in ("/ivr/briefing", "/ivr/accept", "/ivr/meet"):
            own += sum(end - begin for begin, end, params in by_caller[leg.sid].get(path, [])
                       if path == "/ivr/meet" or params.get("CallSid") == agent_leg)
        own += sum(end - begin for begin, end, params in by_caller[leg.sid].get("/ivr/conference", [])
                   if params.get("StatusCallbackEvent") == "participant-join" and params.get("ParticipantLabel") == "agent")
        own_shares.append(own)
    double = 0
    intervals_by_agent: dict[str, list] = defaultdict(list)
    for caller, made in offers_of.items():
        spans = sorted((t, ended.get(sid, float("inf")), agent) for t, agent, sid in made)
        double += sum(1 for (_, a_end, _), (b_start, _, _) in pairwise(spans) if b_start < a_end)
        for t, end, agent in spans:
            intervals_by_agent[agent].append((t, end))
    for spans in intervals_by_agent.values():
        spans.sort()
        double += sum(1 for (_, a_end), (b_start, _) in pairwise(spans) if b_start < a_end)
    lost = sum(1 for leg in legs if not by_caller[leg.sid].get("/ivr/meet"))
    figures = {
        "agents": len(agent_ids), "callers": len(legs), "connections": connections, "elapsed": elapsed,
        "webhooks": len(webhooks), "webhooks_refused": seen.bad_answers,
        "router_p50": percentile(router_times, 0.50), "router_p95": percentile(router_times, 0.95),
        "router_p99": percentile(router_times, 0.99), "router_max": max(router_times, default=float("nan")),
        "own_p50": percentile(own_shares, 0.50), "own_p99": percentile(own_shares, 0.99),
        "offers_per_connection": len(offers) / connections if connections else float("nan"),
        "rest_per_connection": len(rest) / connections if connections else float("nan"),
        "rest_refused": sum(1 for entry in rest if entry[4] >= 400),
        "redis_round_trips_per_webhook": reads / len(webhooks) if webhooks else float("nan"),
        "double_offers": double, "lost": lost, "simulation_errors": list(api.errors),
        "load_before": load_before, "load_after": load_after,
        "worst": sorted(details, reverse=True)[:8],
    }
    return figures


def print_figures(f: dict) -> None:
    ms = 1000
    print(f"agents {f['agents']}, callers {f['callers']}: {f['connections']} connected in {f['elapsed']:.1f} s; "
          f"{f['webhooks']} webhooks ({f['webhooks_refused']} not 200)")
    print("  router time, queued with an agent free -> both in the conference (less simulated ring):")
    print(f"    p50 {f['router_p50'] * ms:.0f} ms   p95 {f['router_p95'] * ms:.0f} ms   p99 {f['router_p99'] * ms:.0f} ms"
          f"   max {f['router_max'] * ms:.0f} ms")
    print(f"    of which the router's own (dispatch wait + briefing, accept, join, meet webhooks): "
          f"p50 {f['own_p50'] * ms:.0f} ms   p99 {f['own_p99'] * ms:.0f} ms")
    print(f"  offers per connection {f['offers_per_connection']:.2f}   REST requests per connection "
          f"{f['rest_per_connection']:.2f} ({f['rest_refused']} refused)")
    print(f"  Redis round trips per webhook {f['redis_round_trips_per_webhook']:.2f} (all the router's Redis traffic, "
          "its dispatch thread's included, over the webhooks)")
    print(f"  double offers {f['double_offers']}   lost callers {f['lost']}   simulation errors "
          f"{len(f['simulation_errors'])}")
    if os.environ.get("BENCH_WORST"):
        for row in f["worst"]:
            print("   worst:", row)
    print(f"  load average {f['load_before'][0]:.1f} before, {f['load_after'][0]:.1f} after "
          f"({os.cpu_count()} cores)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--callers", type=int, default=500)
    parser.add_argument("--arrival-seconds", type=float, default=30.0, help="callers arrive evenly over this long")
    parser.add_argument("--wrap-up", type=int, default=5, help="WRAP_UP_SECONDS for the run")
    parser.add_argument("--timeout", type=float, default=600.0, help="the longest the run waits for every caller")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--talk", type=float, nargs=2, default=(15.0, 40.0), metavar=("MIN", "MAX"),
                        help="seconds each agent talks, drawn evenly between these")
    args = parser.parse_args(argv)
    figures = run(args.agents, args.callers, args.arrival_seconds, args.wrap_up, args.timeout, args.seed,
                  tuple(args.talk))
    print_figures(figures)
    return 0 if figures["lost"] == 0 and figures["double_offers"] == 0 and not figures["simulation_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())


