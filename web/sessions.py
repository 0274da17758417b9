"""Sessions and CSRF for the admin pages and the agent console.

An admin signs in with their API token once; the session cookie (signed with
SECRET_KEY, HttpOnly, SameSite=Lax, expiring) carries their name. Every form
carries a per-session CSRF token that each POST must echo.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import abort, request, session
from flask.sessions import SecureCookieSessionInterface

SESSION_LIFETIME = timedelta(hours=8)
CSRF_FIELD = "csrf_token"
ADMIN_KEY = "admin"


def csrf_token() -> str:
    if CSRF_FIELD not in session:
        session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return session[CSRF_FIELD]


def check_csrf() -> None:
    """A before_request: POSTs without the session's token are refused (400)."""
    if request.method != "POST":
        return
    sent = request.form.get(CSRF_FIELD, "")
    if not sent or not hmac.compare_digest(sent, session.get(CSRF_FIELD, "")):
        abort(400, "the form has expired; reload the page and try again")


def start_session(key: str, name: str) -> None:
    """A fresh session (nothing carried over from before sign-in) holding who signed in under `key`."""
    session.clear()
    session.permanent = True
    session[key] = name
    csrf_token()


def signed_in_admin() -> str | None:
    return session.get(ADMIN_KEY)


class PageSessions(SecureCookieSessionInterface):
    """Session cookies for the pages people sign in to; none for webhooks and APIs, which never
    use one, so they skip building a signer and reading a cookie on every request."""

    def __init__(self, prefixes: tuple[str, ...]):
        self._prefixes = prefixes

    def open_session(self, app, request):
        if not request.path.startswith(self._prefixes) or request.path.startswith("/admin/api/"):
            return self.make_null_session(app)
        return super().open_session(app, request)
