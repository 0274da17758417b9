"""The console's browser phone in headless Chromium, with Twilio's Device replaced at the SDK's boundary
by a stand-in that emits the SDK's own events (tests/browser/stand_ins/twilio_voice_device.js)."""
from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import jwt
import pytest
from playwright.sync_api import expect

from app import create_app
from tests.end_to_end.browser.conftest import ADMIN_TOKEN, assert_accessible, horizontal_overflow
from tests.end_to_end.browser.test_console import ANNA, admin_put, sign_in

STAND_IN = (Path(__file__).resolve().parent / "stand_ins" / "twilio_voice_device.js").read_text(encoding="utf-8")
API_SECRET = "b" * 32


@pytest.fixture
def served_app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token=ADMIN_TOKEN, twilio_account_sid="AC" + "a" * 32,
                                           twilio_api_key="SK" + "b" * 32, twilio_api_secret=API_SECRET,
                                           twilio_twiml_app_sid="AP" + "c" * 32),
                       "redis": redis_client, "clock": clock})


@pytest.fixture
def phone_console(page, live_server):
    """Signed in as Anna, with the SDK's file answered by the stand-in."""
    page.route("**/static/vendor/twilio-voice/twilio.min.js",
               lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN))
    admin_put(live_server, "/admin/api/agents/1001", ANNA)
    sign_in(page, live_server)
    return page


def test_the_console_registers_a_device_with_the_agents_own_token(phone_console):
    """One Device, built with a token whose identity is the agent and whose voice grant allows incoming calls;
    registered, the page says calls ring here."""
    page = phone_console
    expect(page.locator("#softphone-status")).to_contain_text("Browser phone ready")
    token = page.evaluate("() => window.standIn.devices[0].token")
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], options={"verify_nbf": False, "verify_exp": False})
    assert claims["grants"]["identity"] == "1001" and claims["grants"]["voice"]["incoming"]["allow"] is True
    assert page.evaluate("() => window.standIn.devices.length") == 1
    assert page.evaluate("() => window.standIn.devices[0].options.tokenRefreshMs") == 60000


def test_an_incoming_call_is_accepted_muted_and_ended_from_the_page(phone_console):
    """The SDK's incoming event shows Accept and Reject; accepted, Mute (a toggle) and End; the call's own
    events bring the page back to idle."""
    page = phone_console
    expect(page.locator("#softphone-status")).to_contain_text("Browser phone ready")
    page.evaluate("() => window.standIn.ring({CallSid: 'CA' + '1'.repeat(32)})")
    accept = page.get_by_role("button", name="Accept the call")
    expect(accept).to_be_visible()
    expect(accept).to_be_focused()
    assert_accessible(page)
    accept.click()
    mute = page.get_by_role("button", name="Mute")
    expect(mute).to_be_visible()
    mute.click()
    expect(mute).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#softphone-status")).to_contain_text("Muted")
    page.get_by_role("button", name="End the call").click()
    expect(page.locator("#softphone-call")).to_be_hidden()
    assert page.evaluate("() => window.standIn.log") == ["register", "accept", "mute", "disconnect"]


def test_a_rejected_call_and_a_withdrawn_one_leave_the_phone_idle(phone_console):
    """Reject calls the SDK's reject; a caller who hangs up while it rings withdraws the offer."""
    page = phone_console
    expect(page.locator("#softphone-status")).to_contain_text("Browser phone ready")
    page.evaluate("() => window.standIn.ring({})")
    page.get_by_role("button", name="Reject the call").click()
    expect(page.locator("#softphone-offer")).to_be_hidden()
    page.evaluate("() => { const call = window.standIn.ring({}); call.emit('cancel'); }")
    expect(page.locator("#softphone-status")).to_contain_text("withdrawn")
    assert "reject" in page.evaluate("() => window.standIn.log")


def test_the_token_is_renewed_before_it_expires(phone_console):
    """On the SDK's tokenWillExpire the page fetches a fresh token and hands it to the Device."""
    page = phone_console
    expect(page.locator("#softphone-status")).to_contain_text("Browser phone ready")
    page.evaluate("() => window.standIn.expireSoon()")
    page.wait_for_function("() => window.standIn.log.includes('updateToken')")


def test_the_browser_phone_fits_a_phone(phone_page, live_server):
    """At 390 px, ringing, nothing overflows and axe-core finds nothing."""
    phone_page.route("**/static/vendor/twilio-voice/twilio.min.js",
                     lambda route: route.fulfill(status=200, content_type="text/javascript", body=STAND_IN))
    admin_put(live_server, "/admin/api/agents/1001", ANNA)
    sign_in(phone_page, live_server)
    expect(phone_page.locator("#softphone-status")).to_contain_text("Browser phone ready")
    phone_page.evaluate("() => window.standIn.ring({})")
    expect(phone_page.get_by_role("button", name="Accept the call")).to_be_visible()
    assert horizontal_overflow(phone_page) == 0
    assert_accessible(phone_page)
