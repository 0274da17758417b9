"""The supervisor's wallboard in headless Chromium: axe-core finds nothing, nothing overflows at 390 px,
the figures refresh by themselves without moving keyboard focus, and an agent who is not a supervisor
is refused."""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import create_app
from bench.wallboard_screenshot import PASSWORD, SettableClock, populate, sign_in
from call_store.events import CallEvents
from routing.queues import QueueName
from tests.conftest import TUESDAY_MORNING_STOCKHOLM
from tests.end_to_end.browser.conftest import ADMIN_TOKEN, assert_accessible, horizontal_overflow
from web.registry import parts_of


@pytest.fixture
def clock():
    return SettableClock(TUESDAY_MORNING_STOCKHOLM)


@pytest.fixture
def served_app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token=ADMIN_TOKEN, wallboard_timezone="Europe/Stockholm"),
                       "redis": redis_client, "clock": clock})


@pytest.fixture
def morning(served_app, clock):
    """Four hours of calls and seven agents (bench/wallboard_screenshot.py, README's screenshot)."""
    populate(served_app, clock)
    return served_app


def test_the_wallboard_has_no_accessibility_violations(page, live_server, morning):
    sign_in(page, live_server, "1009")
    page.goto(f"{live_server}/console/wallboard")
    expect(page.get_by_role("heading", name="Wallboard", exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Callers waiting, last 8 hours")).to_be_visible()
    assert page.get_by_role("button", name="Listen: Chris Hall's call").count() == 1
    assert_accessible(page)


def test_nothing_overflows_at_390_px_and_the_figures_stay_accessible(phone_page, live_server, morning):
    sign_in(phone_page, live_server, "1009")
    phone_page.goto(f"{live_server}/console/wallboard")
    assert horizontal_overflow(phone_page) == 0
    assert_accessible(phone_page)


def test_the_figures_refresh_by_themselves_and_focus_stays_on_its_button(page, live_server, served_app, clock):
    """A caller joins after the page opened: "Waiting now" turns 1 within seconds, no reload, and the
    Listen button that had the keyboard focus still has it."""
    populate(served_app, clock)
    sign_in(page, live_server, "1009")
    page.goto(f"{live_server}/console/wallboard")
    page.evaluate("window.notReloaded = true")
    card = page.locator("article", has=page.get_by_role("heading", name="presales.en (GB)"))
    assert card.count() == 0
    listen = page.get_by_role("button", name="Listen: Chris Hall's call")
    listen.focus()
    parts_of(served_app).get(CallEvents).queued("CA" + "e" * 32, "GB", QueueName.parse("presales.en"))
    clock.at += timedelta(seconds=1)
    expect(card.locator("dd.big")).to_have_text("1", timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.activeElement.id") == listen.get_attribute("id")


def test_an_agent_who_is_not_a_supervisor_is_refused(page, live_server, morning):
    """Anna (no supervisor role) signs in to the console; the wallboard answers 403 with a page saying why."""
    sign_in(page, live_server, "1001", PASSWORD)
    response = page.goto(f"{live_server}/console/wallboard")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Wallboard: supervisors only")).to_be_visible()
    assert_accessible(page)


def test_the_day_csv_downloads(page, live_server, morning):
    sign_in(page, live_server, "1009")
    page.goto(f"{live_server}/console/wallboard")
    with page.expect_download() as download:
        page.get_by_role("link", name="Today's figures per queue (CSV)").click()
    lines = Path(download.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("day,line,queue,offered,answered") and lines[-1].startswith("2026-11-24,all,all,")
    assert len(lines) == 1 + 4 + 1  # the header, four queues, all queues
