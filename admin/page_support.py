"""What every admin page shares: the sign-in guard, the parts the pages call,
the zone times are shown in, and the confirmation step for irreversible actions.

The pages fetch the table and the clock here; each view looks up any other part it calls by type.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Blueprint, redirect, render_template, request, session, url_for

from admin.readable import instant_text
from countries.store import Conflict, TableStore
from runtime.clock import Clock
from web.registry import lookup
from web.sessions import check_csrf, csrf_token, signed_in_admin

ZONE_KEY = "admin_zone"
DEFAULT_ZONE = "UTC"
CONFIRMED = "confirmed"


def tables() -> TableStore:
    return lookup(TableStore)


def clock() -> datetime:
    return lookup(Clock)()


def guard():
    """A before_request: every admin page but the sign-in page needs a signed-in admin; every POST its CSRF token."""
    check_csrf()
    if request.endpoint != "admin_pages.sign_in_page" and signed_in_admin() is None:
        return redirect(url_for("admin_pages.sign_in_page", next=request.path))
    return None


def page_context() -> dict:
    return {"csrf_token": csrf_token, "admin": signed_in_admin(), "zone": display_zone(), "show_time": show_time}


def admin_blueprint(name: str) -> Blueprint:
    """A blueprint of admin pages under /admin, nested in the main one so its guard applies."""
    return Blueprint(name, __name__)


def display_zone() -> str:
    """The zone the admin chose for times (the history, notices), UTC until they choose."""
    zone = session.get(ZONE_KEY, DEFAULT_ZONE)
    return zone if valid_zone(zone) else DEFAULT_ZONE


def valid_zone(zone: object) -> bool:
    try:
        ZoneInfo(str(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(zone)


def show_time(moment: datetime | str | None) -> str:
    """A moment (or ISO text) in the admin's zone: "Tue 24 Nov 2026, 10:00"."""
    if moment is None:
        return "—"
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    return instant_text(moment, display_zone()) if moment.tzinfo else str(moment)


def confirmed() -> bool:
    return request.form.get(CONFIRMED) == "yes"


def confirm_page(*, title: str, consequences: list[str], confirm_label: str, cancel_url: str, details=None, status: int = 200):
    """The step before an irreversible action: what will happen, and the same form again with `confirmed=yes`.

    Plain HTML: the hidden fields carry everything the admin sent, so it works without JavaScript.
    """
    fields = [(key, value) for key in request.form for value in request.form.getlist(key)
              if key not in ("csrf_token", CONFIRMED)]
    return render_template("admin/confirm.html", title=title, consequences=consequences, confirm_label=confirm_label,
                           cancel_url=cancel_url, fields=fields, action=request.path, details=details or []), status


def reason(error: Exception) -> str:
    """Why a write was refused, in a sentence after "Not saved: "."""
    if isinstance(error, Conflict):
        return f"the table changed meanwhile (now version {error.current}); reload and try again"
    if isinstance(error, KeyError):
        return f"there is no {error.args[0]}"
    return str(error)
