"""README's screenshot of the wallboard (docs/wallboard.png), from a morning of calls played into the
router's own event store, served by the router and photographed by Debian's chromium (Playwright):

    python -m bench.wallboard_screenshot            # writes docs/wallboard.png
    python -m bench.wallboard_screenshot --out x.png --width 390

`populate` is also the browser tests' busy morning (tests/end_to_end/browser/test_wallboard.py).
"""
from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import redis
from werkzeug.serving import make_server

from app import create_app
from call_store.events import CallEvents
from routing.queues import QueueName
from runtime.settings import Settings
from tests.redis_process import RedisProcess
from web.registry import parts_of
from workforce.directory import AgentDirectory
from workforce.model import parse_agent
from workforce.presence import AgentPresence, AgentState

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
SUPERVISOR = {"name": "Sara Lind", "pin": "4799", "password": PASSWORD, "queues": ["technical", "billing"],
              "languages": ["sv", "en"], "phones": ["+46709998877"], "supervisor": True}
AGENTS = {
    "1001": ("Anna Berg", ["technical"], ["sv", "en"]), "1002": ("Berit Ek", ["technical"], ["sv"]),
    "1003": ("Chris Hall", ["billing", "technical"], ["en"]), "1004": ("Dana Roth", ["technical"], ["de", "en"]),
    "1005": ("Erik Sund", ["technical", "billing"], ["sv", "en"]), "1006": ("Fay Moss", ["billing"], ["en"]),
}
QUEUES = (("SE", "technical.sv.A", 0.2), ("SE", "technical.sv.B", 0.35), ("GB", "billing.en.B", 0.25),
          ("DE", "technical.de.B", 0.2))
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)  # the board's "now"


@dataclass
class SettableClock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


def sid(n: int) -> str:
    return f"CA{n:032x}"


def populate(app, clock: SettableClock, seed: int = 7) -> None:
    """Four hours of callers before `clock.at` (answered, abandoned, a few callbacks and transfers, some
    still waiting), and seven agents in every state, one of them on a call."""
    parts = parts_of(app)
    events, presence, directory = parts.get(CallEvents), parts.get(AgentPresence), parts.get(AgentDirectory)
    rng = random.Random(seed)
    end = clock.at
    start = end - timedelta(hours=4)
    actions: list[tuple[datetime, int, Callable[[], None]]] = []
    n = 0
    for minute in range(4 * 60):
        busy = 1.6 if 60 <= minute < 150 else 0.7  # a busier stretch mid-morning
        for _ in range(_poisson(rng, busy)):
            n += 1
            line, name, _ = rng.choices(QUEUES, weights=[q[2] for q in QUEUES])[0]
            queue = QueueName.parse(name)
            joined = start + timedelta(minutes=minute, seconds=rng.randint(0, 59))
            wait = rng.expovariate(1 / (95 if 60 <= minute < 150 else 35))
            left = joined + timedelta(seconds=wait)
            call = sid(n)
            actions.append((joined, n, lambda c=call, l=line, q=queue: events.queued(c, l, q)))
            if left >= end:
                continue  # still waiting
            roll = rng.random()
            if roll < 0.14:
                actions.append((left, n, lambda c=call: events.call_over(c)))
            elif roll < 0.18:
                actions.append((left, n, lambda c=call: events.left_for_callback(c)))
                actions.append((left, n, lambda c=call, l=line, q=queue: events.callback_requested(c, l, q)))
            else:
                talk = left + timedelta(seconds=rng.randint(120, 720))
                actions.append((left, n, lambda c=call: events.answered(c)))
                if talk < end:
                    actions.append((talk, n, lambda c=call: events.call_over(c)))
    for at, _, action in sorted(actions, key=lambda item: (item[0], item[1])):
        clock.at = at
        action()
    clock.at = end
    directory.put(parse_agent("1009", SUPERVISOR))
    states = [AgentState.AVAILABLE, AgentState.AVAILABLE, None, AgentState.OFFLINE, None, AgentState.OFFLINE]
    for (agent_id, (name, queues, languages)), state in zip(AGENTS.items(), states):
        directory.put(parse_agent(agent_id, {"name": name, "pin": "4711", "password": PASSWORD, "queues": queues,
                                             "languages": languages, "phones": [f"+4670111{agent_id}"]}))
        clock.at = end - timedelta(minutes=rng.randint(2, 40))
        presence.set_by_agent(agent_id, AgentState.AVAILABLE)
        if state is AgentState.OFFLINE:
            presence.set_by_agent(agent_id, AgentState.OFFLINE)
        elif state is None:  # on a call
            caller = sid(10_000 + int(agent_id))
            presence.offer(caller, [agent_id], 20)
            presence.advance(agent_id, caller, "joined", 3600)
    clock.at = end


def _poisson(rng: random.Random, mean: float) -> int:
    count, total = 0, rng.expovariate(1)
    while total < mean:
        count += 1
        total += rng.expovariate(1)
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "wallboard.png"))
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="wallboard-shot-"))
    server = RedisProcess(folder).start()
    try:
        clock = SettableClock(MORNING)
        client = redis.Redis.from_url(server.url, decode_responses=True)
        app = create_app({"settings": Settings(instance_dir=str(folder / "instance"), twilio_auth_token="screenshot",
                                               wallboard_timezone="Europe/Stockholm"),
                          "redis": client, "clock": clock})
        populate(app, clock)
        http = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=http.serve_forever, daemon=True).start()
        try:
            shoot(f"http://127.0.0.1:{http.server_port}", Path(args.out), args.width)
        finally:
            http.shutdown()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"wrote {args.out}")
    return 0


def shoot(base: str, out: Path, width: int) -> None:
    from playwright.sync_api import sync_playwright

    out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                                             headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
        sign_in(page, base, "1009")
        page.goto(f"{base}/console/wallboard")
        page.screenshot(path=str(out), full_page=True)
        browser.close()


def sign_in(page, base: str, agent_id: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/console/sign-in")
    page.get_by_label("Agent number").fill(agent_id)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


if __name__ == "__main__":
    raise SystemExit(main())
