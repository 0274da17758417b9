"""The browser phone's access token: the agent's identity, a voice grant, short-lived by the router's clock."""
from __future__ import annotations

import re
from dataclasses import replace

import jwt
import pytest

from app import create_app
from tests.conftest import TUESDAY_MORNING_STOCKHOLM

ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"], "languages": ["en"],
        "phones": []}
SECRET = "s" * 32  # an API key secret is 32 characters
VOICE = {"twilio_account_sid": "AC" + "a" * 32, "twilio_api_key": "SK" + "b" * 32, "twilio_api_secret": SECRET,
         "twilio_twiml_app_sid": "AP" + "c" * 32, "voice_token_ttl": 600}


def signed_in(app):
    client = app.test_client()
    admin = {"Authorization": f"Bearer {app.config.get('ADMIN', 't')}"}
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=admin).status_code in (200, 201)
    page = client.get("/console/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/console/sign-in", data={"agent_id": "1001", "password": ANNA["password"], "csrf_token": token})
    return client


@pytest.fixture
def voice_app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="t", **VOICE), "redis": redis_client, "clock": clock})


def test_a_signed_in_agent_gets_a_token_for_their_own_identity(voice_app):
    """Signed with the API key's secret; identity 1001; incoming allowed, outgoing through the TwiML app; ten minutes
    from the router's clock; the key as issuer and the account as subject, as Twilio requires."""
    body = signed_in(voice_app).get("/console/voice-token").get_json()
    claims = jwt.decode(body["token"], SECRET, algorithms=["HS256"], options={"verify_nbf": False, "verify_exp": False})
    assert claims["grants"]["identity"] == "1001" == body["identity"]
    assert claims["grants"]["voice"] == {"incoming": {"allow": True}, "outgoing": {"application_sid": VOICE["twilio_twiml_app_sid"]}}
    now = int(TUESDAY_MORNING_STOCKHOLM.timestamp())
    assert (claims["nbf"], claims["exp"], body["expires_at"]) == (now, now + 600, now + 600)
    assert (claims["iss"], claims["sub"]) == (VOICE["twilio_api_key"], VOICE["twilio_account_sid"])


def test_no_token_without_a_session(voice_app):
    """A stranger (or an ended session) gets 401, not a token and not the sign-in page."""
    response = voice_app.test_client().get("/console/voice-token")
    assert response.status_code == 401 and "token" not in response.get_json()


def test_without_an_api_key_the_console_says_the_browser_phone_is_not_set_up(settings, redis_client, clock):
    """No key: 404 from the token endpoint, and the page says calls ring on the phone and what to set."""
    app = create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})
    client = signed_in(app)
    assert client.get("/console/voice-token").status_code == 404
    page = client.get("/console").get_data(as_text=True)
    assert "TWILIO_API_KEY" in page and 'id="softphone"' not in page and "twilio.min.js" not in page


def test_the_console_page_lets_the_sdk_reach_twilio_and_nothing_else(voice_app):
    """Its CSP adds Twilio's signalling and sounds (connect-src, media-src) and keeps scripts to the router's own."""
    policy = signed_in(voice_app).get("/console").headers["Content-Security-Policy"]
    assert "connect-src 'self' wss://*.twilio.com https://*.twilio.com" in policy
    assert "script-src 'self';" in policy and "unsafe" not in policy
