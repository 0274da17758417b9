"""Sessions, CSRF and security headers for the pages people sign in to: the admin pages and the agent console.

Sessions live in Redis, not in the cookie: the cookie carries only a random id
(Redis keeps its SHA-256, so a copy of Redis holds no usable cookie). So a
session ends when its holder signs out, when `admins revoke` revokes its admin,
and at an absolute lifetime counted from sign-in that use does not extend.
The admin pages and the console have cookies of their own (each scoped to its
path), HttpOnly, SameSite=Lax, and Secure unless the router runs on a developer's
loopback address. Every form carries a per-session CSRF token that each POST must echo.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import redis
from flask import abort, request, session
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from runtime.redis_connection import redis_errors

SESSION_LIFETIME = timedelta(hours=8)  # from sign-in, whatever happens meanwhile
ANONYMOUS_LIFETIME = timedelta(minutes=15)  # a sign-in form's CSRF token, before anyone has signed in
CSRF_FIELD = "csrf_token"
ADMIN_KEY = "admin"
AGENT_KEY = "agent"
RECORD = "page-session:"  # + the id's digest: the session's data, who holds it, when it began
HELD_BY = "page-sessions-of:"  # + area and holder: the digests of their sessions
AREAS = {"/admin": ("admin_session", ADMIN_KEY), "/console": ("console_session", AGENT_KEY)}

# What every page may load: its own scripts, styles and images, nothing inline, never in a frame.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


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
    """A fresh session under a new id (nothing carried over from before sign-in) holding who signed in under `key`."""
    session.clear()
    session.renew = True
    session[key] = name
    csrf_token()


def end_session() -> None:
    """Sign-out: the session is deleted from Redis and its cookie cleared."""
    session.clear()
    session.ended = True


def signed_in_admin() -> str | None:
    return session.get(ADMIN_KEY)


class PageSession(CallbackDict, SessionMixin):
    """A server-side session: its data, the cookie's id, and when it began."""

    def __init__(self, initial: dict | None = None, sid: str = "", started: float = 0.0, area: str = ""):
        def changed(self):
            self.modified = True
        super().__init__(initial, changed)
        self.sid, self.started, self.area = sid, started, area
        self.modified = self.renew = self.ended = False


class PageSessions(SessionInterface):
    """Sessions for /admin and /console (none for webhooks and APIs, which never use one, so they read no cookie)."""

    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], secure: bool,
                 lifetime: timedelta = SESSION_LIFETIME):
        self._redis = client
        self._clock = clock
        self._secure = secure
        self._lifetime = lifetime

    def open_session(self, app, request):
        area = _area(request.path)
        if area is None:
            return self.make_null_session(app)
        cookie = request.cookies.get(AREAS[area][0], "")
        if cookie:
            with redis_errors():
                raw = self._redis.get(RECORD + _digest(cookie))
            stored = json.loads(raw) if raw else None
            lifetime = (self._lifetime if stored and stored["holder"] else ANONYMOUS_LIFETIME).total_seconds()
            if stored and stored["started"] + lifetime > self._clock().timestamp():
                return PageSession(stored["data"], sid=cookie, started=stored["started"], area=area)
        return PageSession(area=area)

    def save_session(self, app, session, response):
        if not isinstance(session, PageSession):
            return
        name = AREAS[session.area][0]
        if session.ended:
            self._delete(session)
            response.delete_cookie(name, path=session.area, secure=self._secure, httponly=True, samesite="Lax")
            return
        if not session.modified or (not session and not session.sid):
            return  # unchanged: nothing written, and the expiry stays where it was (no sliding)
        now = self._clock().timestamp()
        if session.renew or not session.sid:
            self._delete(session)
            session.sid, session.started = secrets.token_urlsafe(32), now
        holder = session.get(AREAS[session.area][1])
        ends = session.started + (self._lifetime if holder else ANONYMOUS_LIFETIME).total_seconds()
        if ends <= now:
            return
        key = RECORD + _digest(session.sid)
        record = json.dumps({"data": dict(session), "started": session.started, "holder": holder or ""})
        with redis_errors():
            pipe = self._redis.pipeline()
            pipe.set(key, record, ex=max(1, int(ends - now)))
            if holder:
                pipe.sadd(f"{HELD_BY}{session.area}:{holder}", key).expire(f"{HELD_BY}{session.area}:{holder}",
                                                                            int(self._lifetime.total_seconds()))
            pipe.execute()
        response.set_cookie(name, session.sid, max_age=max(1, int(ends - now)), path=session.area, secure=self._secure, httponly=True,
                            samesite="Lax")

    def still_open(self, session: SessionMixin) -> bool:
        """Whether this session is still live in Redis: a console's stream ends when it does."""
        if not isinstance(session, PageSession) or not session.sid:
            return False
        with redis_errors():
            raw = self._redis.get(RECORD + _digest(session.sid))
        stored = json.loads(raw) if raw else None
        return bool(stored and stored["holder"]
                    and stored["started"] + self._lifetime.total_seconds() > self._clock().timestamp())

    def end_all(self, area: str, holder: str) -> int:
        """End every session `holder` has in `area` ("/admin" or "/console"): on revocation. How many were live."""
        index = f"{HELD_BY}{area}:{holder}"
        with redis_errors():
            keys = list(self._redis.smembers(index))
            ended = self._redis.delete(*keys) if keys else 0
            self._redis.delete(index)
        return ended

    def _delete(self, session: PageSession) -> None:
        if session.sid:
            with redis_errors():
                self._redis.delete(RECORD + _digest(session.sid))


def security_headers(secure: bool) -> Callable:
    """An after_request: the headers the trusted sites send, on every page, signed-in or public."""
    def wanted(page: bool, signed_in_area: bool) -> tuple[tuple[str, str, str], ...]:
        """(lower-case name, name, value) for each header a response of this kind gets unless it has one."""
        chosen = [("X-Content-Type-Options", "nosniff")]
        if page:
            chosen += [("Content-Security-Policy", CONTENT_SECURITY_POLICY), ("X-Frame-Options", "DENY")]
        if signed_in_area:
            chosen += [("Referrer-Policy", "no-referrer"), ("Cache-Control", "no-store")]
        else:
            chosen.append(("Referrer-Policy", "strict-origin-when-cross-origin"))
        if secure:
            chosen.append(("Strict-Transport-Security", "max-age=31536000"))
        return tuple((name.lower(), name, value) for name, value in chosen)

    by_kind = {(page, area): wanted(page, area) for page in (False, True) for area in (False, True)}  # worked out once

    def add(response):
        headers = response.headers
        # Which are set already, in one pass: werkzeug's setdefault raises and catches a KeyError per missing header.
        present = {name.lower() for name, _ in headers}
        path = request._get_current_object().path  # the request itself: a read through the proxy first misses on it
        for lower, name, value in by_kind[response.mimetype == "text/html", _area(path) is not None]:
            if lower not in present:
                headers.add(name, value)
        return response
    return add


_AREA_PREFIXES = tuple(AREAS)


def _area(path: str) -> str | None:
    if not path.startswith(_AREA_PREFIXES):  # most requests (every webhook) in one C call
        return None
    for prefix in AREAS:
        if (path == prefix or path.startswith(prefix + "/")) and not path.startswith("/admin/api/"):
            return prefix
    return None


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()
