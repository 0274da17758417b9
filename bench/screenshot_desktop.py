"""docs/desktop.png: the agent desktop, drawn by Debian's chromium against a seeded router.

    python -m bench.screenshot_desktop [--out docs/desktop.png] [--width 1100]

The router runs here with its own Redis, push routing through the REST stand-in (twilio_simulator) and the
browser phone's Device replaced by the tests' stand-in (the SDK's own events). Three callers wait; one is
offered to Anna in her browser and accepted; her desk shows the call (screen pop, in-call bar, the code
step), the roster and the queues, as the browser tests drive it.
"""
from __future__ import annotations

import argparse
import tempfile
from datetime import timedelta
from pathlib import Path

import redis

from runtime.redis_connection import client_options
from runtime.settings import Settings
from tests.conftest import TUESDAY_MORNING_STOCKHOLM, TWILIO_TOKEN, FixedClock
from tests.end_to_end.browser.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.end_to_end.browser.test_desktop import ADMIN, BERIT, CONTOSO, STRANGER, Desktop
from tests.integration.agents.test_push_routing import ANNA
from tests.redis_process import RedisProcess

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "desktop.png"))
    parser.add_argument("--width", type=int, default=1100, help="the window's width in CSS pixels (390: a phone)")
    arguments = parser.parse_args()
    out = Path(arguments.out)
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        server = RedisProcess(Path(folder) / "redis").start()
        client = redis.Redis.from_url(server.url, **client_options(0.25))
        clock = FixedClock(TUESDAY_MORNING_STOCKHOLM)
        desktop = Desktop(Settings(twilio_auth_token=TWILIO_TOKEN, instance_dir=str(Path(folder) / "instance")),
                          client, clock)
        try:
            desktop.client.put("/admin/api/orgs/100200", json=CONTOSO, headers=ADMIN)
            desktop.agent("1001", {**ANNA, "name": "Anna Lindqvist", "password": "correct horse battery"})
            desktop.agent("1002", {**BERIT, "name": "Berit Holm"})
            desktop.caller(from_="+46701234567", answers=("1", "1", "2"))  # Contoso's phone: verified, technical B
            clock.at += timedelta(minutes=2)
            desktop.caller(from_="+46701230002", answers=("1", "2", "", "", ""))  # billing, unverified
            clock.at += timedelta(minutes=4)
            desktop.caller(from_=STRANGER, answers=("1", "1", "1", "", "", ""))  # technical A, unverified
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
                anna = desktop.open(browser, "1001", viewport={"width": arguments.width, "height": 900})
                anna.get_by_label("Available", exact=True).check()
                anna.get_by_label("In this browser").check()
                anna.get_by_role("button", name="Change my state").click()
                expect(anna.locator(".screen-pop")).to_be_visible()
                clock.at += timedelta(seconds=40)
                anna.evaluate("() => window.standIn.ring({})")
                anna.get_by_role("button", name="Accept the call").click()
                desktop.world.advance(10)
                expect(anna.locator("#in-call")).to_be_visible()
                desktop.client.put("/agent/api/state", json={"state": "available", "ring": "browser"},
                                   auth=("1002", "correct horse battery"))  # Berit is offered the next caller
                expect(anna.locator("#agent-1002 .agent-state")).to_have_text("Offered a call")
                expect(anna.locator("#call-verify")).to_be_visible()
                anna.get_by_label("Caller's account number").fill("100200")
                anna.get_by_role("button", name="Show the registered contacts").click()
                expect(anna.locator("#verify-send")).to_be_visible()
                out.parent.mkdir(parents=True, exist_ok=True)
                anna.screenshot(path=str(out), full_page=True)
                browser.close()
        finally:
            desktop.close()
            client.close()
            server.stop()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
