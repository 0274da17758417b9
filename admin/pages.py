"""The admins' web pages: the table at a glance, history with readable diffs and
rollback, what-if; the line pages, notices and the directory are nested
blueprints of this one (admin/line_pages.py, notice_pages.py, directory_pages.py),
so the sign-in guard and CSRF check cover them all.

Thin: each view turns a form into a call on the same stores the JSON API uses,
so the rules, the versions and the history are the same.
"""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from admin import directory_pages, line_pages, notice_pages
from admin.page_support import (
    ZONE_KEY,
    clock,
    confirm_page,
    confirmed,
    display_zone,
    guard,
    page_context,
    reason,
    tables,
    valid_zone,
)
from admin.readable import (
    day_text,
    diff_rows,
    emergency_text,
    hours_text,
    instant_text,
    notice_state,
    phone,
)
from admin.tokens import AdminTokens
from admin.week_view import coming_days
from countries.store import Conflict, changes_between
from routing.hours import is_open, next_opening, open_until
from routing.lookup import line_for
from routing.model import QUEUES_CLOSED_ON_HOLIDAYS, Line, Table
from routing.table import TableError
from routing.what_if import instant, what_if
from web.registry import lookup
from web.sessions import ADMIN_KEY, end_session, start_session

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")
bp.before_request(guard)
bp.context_processor(page_context)
bp.add_app_template_filter(phone, "phone")
bp.register_blueprint(line_pages.bp)
bp.register_blueprint(notice_pages.bp)
bp.register_blueprint(directory_pages.bp)


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in_page():
    error = None
    if request.method == "POST":
        name = lookup(AdminTokens).holder(request.form.get("token", "").strip())
        if name:
            start_session(ADMIN_KEY, name)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/admin") and not target.startswith("//") else url_for("admin_pages.overview"))
        error = "That token is not valid."
    return render_template("admin/sign_in.html", error=error), 401 if error else 200


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("admin_pages.sign_in_page"))


@bp.post("/zone")
def choose_zone():
    """The zone the admin reads times in; kept in their session."""
    zone = request.form.get("zone", "")
    if valid_zone(zone):
        session[ZONE_KEY] = zone
        flash(f"Times are now shown in {zone}.")
    target = request.form.get("next", "")
    return redirect(target if target.startswith("/admin") and not target.startswith("//") else url_for("admin_pages.overview"))


@bp.get("/lines/new")
def new_line():
    """The overview's "add a line" form: to the new entry's page (no script, so the CSP needs no inline code)."""
    line_id = request.args.get("id", "").strip().upper()[:16]
    if not line_id.isalnum():
        flash("Give the new line an id of letters and digits, e.g. NO.")
        return redirect(url_for("admin_pages.overview"))
    return redirect(url_for("admin_pages.lines.line_page", line_id=line_id, new=1))


@bp.get("")
def overview():
    version, table = tables().current()
    now = clock()
    document = tables().document(version)
    notices = document.get("notices", [])
    return render_template(
        "admin/overview.html", version=version, lines=[line_summary(line, now) for line in table.lines],
        emergencies={line_id: emergency_text(entry["emergency"]) for line_id, entry in document["lines"].items()
                     if entry.get("emergency")},
        active=[notice for notice in notices if notice_state(notice, now) == "active"],
        scheduled=[notice for notice in notices if notice_state(notice, now) == "scheduled"],
        zones=_zones(table))


def line_summary(line: Line, now: datetime) -> dict:
    """A line at a glance: its local time, each queue open (until when) or closed (until when), the next 14 days' closures."""
    local = now.astimezone(ZoneInfo(line.timezone))
    queues = []
    for config in line.queues:
        until = open_until(line, config.queue, now)
        opening = None if is_open(line, config.queue, now) else next_opening(line, config.queue, now)
        queues.append({"queue": config.queue.value, "open": is_open(line, config.queue, now),
                       "until": _when(until, local) if until else None, "opens": _when(opening, local) if opening else None,
                       "hours": hours_text(config.hours),
                       "by_severity": [(severity.value, hours_text(hours)) for severity, hours in config.severity_hours]})
    upcoming = []
    closes_on_holidays = any(config.queue in QUEUES_CLOSED_ON_HOLIDAYS for config in line.queues)
    for day in coming_days(line, local.date()):
        if day.holiday and closes_on_holidays:
            upcoming.append(f"{day_text(day.day)}: {day.holiday} (public holiday: billing and presales closed)")
        upcoming += [f"{day_text(day.day)}: {label}" for label in day.closures]
    return {"id": line.id, "name": line.name, "timezone": line.timezone, "local_time": instant_text(local),
            "numbers": [phone(number) for number in line.numbers], "languages": list(line.languages),
            "queues": queues, "upcoming": upcoming}


def _when(moment: datetime, local_now: datetime) -> str:
    """"17:00" today, "tomorrow 09:00", else "Mon 30 Nov 09:00", in the line's time."""
    if moment.date() == local_now.date():
        return f"{moment:%H:%M}"
    if (moment.date() - local_now.date()).days == 1:
        return f"tomorrow {moment:%H:%M}"
    return f"{day_text(moment.date())} {moment:%H:%M}"


def _zones(table: Table) -> list[str]:
    return ["UTC", *sorted({line.timezone for line in table.lines})]


@bp.get("/history")
def history():
    zone = display_zone()
    _, table = tables().current()
    changes = list(reversed(tables().history()))
    current = changes[0].version if changes else 0
    line_filter, admin_filter = request.args.get("line", ""), request.args.get("admin", "")
    authors = sorted({change.author for change in changes})
    line_ids = sorted({key for change in changes for key in change.changed if ":" not in key and key != "default_line"}
                      | {line.id for line in table.lines})
    shown = [change for change in changes
             if (not line_filter or line_filter in change.changed) and (not admin_filter or change.author == admin_filter)]
    return render_template("admin/history.html", changes=shown, current=current, authors=authors, line_ids=line_ids,
                           line_filter=line_filter, admin_filter=admin_filter, zones=_zones(table),
                           diffs={change.version: diff_rows(change.changed, zone) for change in shown})


@bp.post("/rollback")
def rollback():
    try:
        target = int(request.form.get("target", ""))
        expected = int(request.form.get("version", 0))
    except ValueError:
        flash("Not rolled back: no such version.")
        return redirect(url_for("admin_pages.history"))
    if not confirmed():
        try:
            rows = diff_rows(changes_between(tables().document(), tables().document(target)), display_zone())
        except LookupError:
            flash(f"Not rolled back: there is no version {target}.")
            return redirect(url_for("admin_pages.history"))
        return confirm_page(
            title=f"Roll back to version {target}?",
            consequences=[f"The table becomes what it was in version {target}, as a new version; "
                          "every router process uses it for its next call."
                          + ("" if rows else " It is the same as the current table, so nothing will change.")],
            details=rows, confirm_label=f"Yes, roll back to version {target}", cancel_url=url_for("admin_pages.history"))
    try:
        new = tables().rollback(target, author=session[ADMIN_KEY], expected=expected)
        flash(f"Rolled back to version {target}; the table is now version {new}." if new != expected
              else f"Version {target} is the current table already; nothing changed.")
    except (Conflict, TableError, LookupError) as error:
        flash(f"Not rolled back: {reason(error)}")
    return redirect(url_for("admin_pages.history"))


@bp.get("/what-if")
def what_if_page():
    answer, error, args = None, None, request.args
    table = tables().current()[1]
    if args.get("to"):
        at, error = _asked_instant(table, args)
        if at is not None:
            answer = what_if(table, args["to"], args.get("from", ""), at)
            local = datetime.fromisoformat(answer["local_time"])
            answer["local_text"] = instant_text(local)
            for queue in answer["queues"]:
                queue["until_text"] = _when(datetime.fromisoformat(queue["open_until"]), local) if queue["open_until"] else None
                queue["opens_text"] = _when(datetime.fromisoformat(queue["next_opening"]), local) if queue["next_opening"] else None
    numbers = sorted({(number, line.name) for line in table.lines for number in line.numbers})
    return render_template("admin/what_if.html", answer=answer, error=error, args=args,
                           numbers=[(number, f"{phone(number)} ({name})") for number, name in numbers])


def _asked_instant(table: Table, args) -> tuple[datetime | None, str | None]:
    """From `at` (ISO with offset), or a date and time in the line's local time or UTC; none: now."""
    if args.get("at"):
        at = instant(args["at"], clock())
        return (at, None) if at else (None, "Give the instant with its UTC offset, e.g. 2026-12-24T10:00:00+01:00.")
    if not args.get("date"):
        return clock(), None
    try:
        day = date.fromisoformat(args["date"])
        hour = time.fromisoformat(args.get("time") or "00:00")
    except ValueError:
        return None, "Give the date as a date and the time as HH:MM."
    zone = "UTC" if args.get("in") == "UTC" else line_for(table, args["to"], args.get("from", "")).line.timezone
    return datetime.combine(day, hour, tzinfo=ZoneInfo(zone)), None

