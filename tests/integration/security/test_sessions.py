"""Sessions that end, as an attacker holding an old cookie finds them (issue 16): on sign-out, on
`admins revoke`, at an absolute lifetime that use does not extend; the admin pages and the console
with cookies of their own; security headers on every page; `/metrics` not public."""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app

ADMIN = {"Authorization": "Bearer t"}
ANNA = {"name": "Anna", "pin": "4711", "password": "correct horse battery", "queues": ["technical"], "languages": ["en"],
        "phones": []}
NOTICE = {"id": "n1", "text-en": "Mail is slow.", "zone": "Europe/Stockholm", "from_date": "2026-11-24", "from_time": "08:00",
          "to_date": "2026-11-25", "to_time": "08:00"}


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def form_token(client, path):
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def admin_signed_in(app, token):
    """A browser of its own, signed in to the admin pages with `token`; its cookie's value."""
    client = app.test_client()
    response = client.post("/admin/sign-in", data={"token": token, "csrf_token": form_token(client, "/admin/sign-in")})
    assert response.status_code == 302
    return client, client.get_cookie("admin_session", path="/admin").value


def with_cookie(app, name, path, value):
    """A fresh client presenting a copied cookie, as an attacker replaying it would."""
    client = app.test_client()
    client.set_cookie(name, value, path=path)
    return client


def post_notice(client, token):
    return client.post("/admin/notices/new", data={**NOTICE, "csrf_token": token, "version": "1"})


def test_a_revoked_admins_old_cookie_no_longer_loads_or_posts(app):
    """`admins revoke alice`: her cookie is refused at once, for reading and for posting a notice."""
    alice_token = cli(app, "admins", "add", "alice").strip()
    alice, cookie = admin_signed_in(app, alice_token)
    csrf = form_token(alice, "/admin/notices")
    assert "ended 1 page session" in cli(app, "admins", "revoke", "alice")
    replay = with_cookie(app, "admin_session", "/admin", cookie)
    assert replay.get("/admin/notices").status_code == 302
    refused = post_notice(replay, csrf)
    assert refused.status_code in (302, 400)
    assert "n1" not in app.test_client().get("/admin/api/notices", headers=ADMIN).get_data(as_text=True)


def test_an_admin_cookie_is_dead_after_sign_out(app):
    """The cookie copied before sign-out is refused after it."""
    client, cookie = admin_signed_in(app, "t")
    client.post("/admin/sign-out", data={"csrf_token": form_token(client, "/admin/notices")})
    assert with_cookie(app, "admin_session", "/admin", cookie).get("/admin/notices").status_code == 302


def test_an_admin_session_ends_eight_hours_after_sign_in_however_much_it_is_used(app, clock):
    """Used every hour, it still ends at eight hours: the lifetime does not slide."""
    client, _ = admin_signed_in(app, "t")
    start = clock.at
    for hour in range(1, 8):
        clock.at = start + timedelta(hours=hour)
        assert client.get("/admin/notices").status_code == 200
    clock.at = start + timedelta(hours=8, minutes=1)
    assert client.get("/admin/notices").status_code == 302


def test_the_cookie_holds_no_name_only_a_random_id(app):
    """Nothing readable in it: the session and who holds it are in Redis."""
    _, cookie = admin_signed_in(app, "t")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", cookie)


def console_signed_in(app, client=None):
    client = client or app.test_client()
    response = client.post("/console/sign-in", data={"agent_id": "1001", "password": ANNA["password"],
                                                     "csrf_token": form_token(client, "/console/sign-in")})
    assert response.status_code == 302
    return client, client.get_cookie("console_session", path="/console").value


@pytest.fixture
def anna(client):
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201


def test_a_console_cookie_is_dead_after_sign_out_and_after_eight_hours(app, anna, clock):
    """Sign-out ends it; so does the absolute lifetime, used or not."""
    client, cookie = console_signed_in(app)
    client.post("/console/sign-out", data={"csrf_token": form_token(client, "/console")})
    assert with_cookie(app, "console_session", "/console", cookie).get("/console").status_code == 302
    client, _ = console_signed_in(app)
    start = clock.at
    clock.at = start + timedelta(hours=7, minutes=59)
    assert client.get("/console").status_code == 200
    clock.at = start + timedelta(hours=8, minutes=1)
    assert client.get("/console").status_code == 302


def test_a_new_password_ends_the_agents_console_sessions(app, anna, client):
    """The admin resets a password: a cookie from before it is refused."""
    _, cookie = console_signed_in(app)
    client.put("/admin/api/agents/1001", json={**ANNA, "password": "another long password"}, headers=ADMIN)
    assert with_cookie(app, "console_session", "/console", cookie).get("/console").status_code == 302


def test_the_admin_pages_and_the_console_have_cookies_of_their_own(app, anna):
    """A console cookie presented to the admin pages signs no one in; each cookie is scoped to its path."""
    client, cookie = console_signed_in(app)
    assert client.get_cookie("console_session", path="/console").path == "/console"
    assert with_cookie(app, "admin_session", "/admin", cookie).get("/admin").status_code == 302
    _, admin_cookie = admin_signed_in(app, "t")
    assert with_cookie(app, "console_session", "/console", admin_cookie).get("/console").status_code == 302


@pytest.mark.parametrize("path", ["/admin/sign-in", "/console/sign-in", "/numbers"])
def test_every_page_carries_the_security_headers(client, path):
    """CSP with frame-ancestors 'none', X-Frame-Options, nosniff and a referrer policy, signed-in pages or public."""
    headers = client.get(path).headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin")


@pytest.mark.parametrize(("host", "base", "secure"), [
    ("127.0.0.1", None, False), ("0.0.0.0", None, True), ("127.0.0.1", "https://support.example.com", True),
    ("127.0.0.1", "http://localhost:5000", False),
])
def test_the_cookie_is_secure_unless_on_a_developers_loopback(settings, redis_client, clock, host, base, secure):
    """Secure everywhere but loopback development, whatever the scheme of PUBLIC_BASE_URL."""
    app = create_app({"settings": replace(settings, host=host, public_base_url=base), "redis": redis_client, "clock": clock})
    client = app.test_client()
    client.get("/admin/sign-in", base_url="https://localhost")
    assert client.get_cookie("admin_session", path="/admin").secure is secure


def test_metrics_need_the_metrics_token(settings, redis_client, clock):
    """With METRICS_TOKEN set, /metrics answers 401 without it and the figures with it."""
    app = create_app({"settings": replace(settings, metrics_token="m-token"), "redis": redis_client, "clock": clock})
    client = app.test_client()
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    shown = client.get("/metrics", headers={"Authorization": "Bearer m-token"}, environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert shown.status_code == 200 and "router_" in shown.get_data(as_text=True)


def test_metrics_without_a_token_are_for_the_machine_itself(client):
    """No METRICS_TOKEN: loopback may read them (a developer, a local agent); anyone else gets 403."""
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
