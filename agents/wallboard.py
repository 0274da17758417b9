"""The supervisor's wallboard in the console (`/console/wallboard`): today's figures per queue, agents by
state, the charts, listen / coach / barge on live calls, and CSV exports.

Supervisors only (an agent with the supervisor role; anyone else is refused with 403). It shares the
console's session (signed in at /console/sign-in). The figures refresh themselves: a few lines of
JavaScript fetch `/console/wallboard/figures` every few seconds and replace only the figures, keeping
the keyboard focus where it was (without JavaScript, reload the page).
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, time, timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for

from agents.wallboard_charts import distribution_chart, service_level_chart, waiting_chart
from call_store.controls import CallControls, Monitor
from call_store.wallboard import Board, QueueFigures, Wallboard
from routing.wallboard import LEVEL_WORDS, bucket_labels, duration, level, percent
from runtime.twilio_rest import RestFailed
from web.registry import lookup
from web.sessions import AGENT_KEY, check_csrf, csrf_token
from workforce.sign_in import AgentSignIn

bp = Blueprint("wallboard", __name__, url_prefix="/console/wallboard")
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
REFRESH_SECONDS = 5
MONITOR_WORDS = {Monitor.LISTEN: "listening (muted)", Monitor.COACH: "coaching (the agent alone hears you)",
                 Monitor.BARGE: "in the call (both hear you)"}


@bp.before_request
def guard():
    check_csrf()
    agent_id = session.get(AGENT_KEY)
    g.agent = lookup(AgentSignIn).agent(agent_id) if agent_id else None
    if g.agent is None:
        return redirect(url_for("console.sign_in"))
    if not g.agent.supervisor:
        return render_template("console/wallboard_refused.html", agent=g.agent), 403
    return None


@bp.context_processor
def page_context():
    return {"csrf_token": csrf_token, "agent": g.get("agent"), "duration": duration, "percent": percent,
            "level": level, "level_words": LEVEL_WORDS}


@bp.get("")
def page():
    return render_template("console/wallboard.html", refresh=REFRESH_SECONDS, **_figures(lookup(Wallboard).board()))


@bp.get("/figures")
def figures():
    """The figures alone, for the page's refresh."""
    return render_template("console/wallboard_figures.html", **_figures(lookup(Wallboard).board()))


def _figures(board: Board) -> dict:
    zone = lookup(Wallboard).zone
    total = board.total.day
    return {"board": board, "zone": zone.key, "local_now": board.now.astimezone(zone),
            "waiting_chart": waiting_chart(board.waiting_series, board.first_minute, zone),
            "distribution_chart": distribution_chart(total.waits, total.abandons),
            "service_level_chart": service_level_chart(dict(total.hours), board.now.astimezone(zone).hour, board.target),
            "buckets": bucket_labels()}


@bp.post("/calls/<caller_sid>/monitor")
def monitor(caller_sid: str):
    """Listen, coach or barge: the supervisor's phone (or browser) is dialled into the call's conference, as
    `POST /agent/api/calls/<sid>/monitor` does for the JSON API."""
    mode = next((m for m in Monitor if m.value == request.form.get("mode")), None)
    controls = lookup(CallControls)
    state = controls.live_call(g.agent, caller_sid) if CALL_SID.fullmatch(caller_sid) and mode else None
    if mode is None:
        flash("Choose listen, coach or barge.")
    elif state is None:
        flash("That call is no longer live.")
    else:
        try:
            controls.monitor(g.agent, state, mode)
            flash(f"Calling you now: you will be {MONITOR_WORDS[mode]} on the call with {state.agent or 'the agent'}.")
        except RestFailed as exc:
            flash(f"Could not join the call: {exc}.")
    return redirect(url_for("wallboard.page", _anchor="live-calls"))


DAY_COLUMNS = ("day", "line", "queue", "offered", "answered", "answered_within_threshold", "abandoned",
               "abandoned_after_threshold", "service_level_percent", "average_wait_seconds",
               "average_abandoned_wait_seconds", "average_handle_seconds", "handled", "transferred",
               "callbacks_requested", "callbacks_dialled", "threshold_seconds")


@bp.get("/day.csv")
def day_csv():
    """One day's figures per queue (`?day=YYYY-MM-DD`, default today), and the total."""
    wallboard = lookup(Wallboard)
    on = _date(request.args.get("day", "")) or wallboard.today()
    rows = wallboard.day(on)
    out = _writer(DAY_COLUMNS)
    for figures in [*rows, wallboard.total(rows)]:
        out.writer.writerow(_day_row(on, figures, wallboard.threshold_seconds))
    return _csv(out, f"wallboard-{on.isoformat()}.csv")


def _day_row(on: date, figures: QueueFigures, threshold: int) -> list:
    day = figures.day

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.1f}"

    share = day.service_level
    return [on.isoformat(), figures.line or "all", str(figures.queue or "all"), day.offered, day.answered,
            day.answered_within, day.abandoned, day.abandoned_after, "" if share is None else f"{share * 100:.1f}",
            number(day.average_wait), number(day.average_abandoned_wait), number(day.average_handle), day.handled,
            day.transferred, day.callbacks_requested, day.callbacks_dialled, threshold]


EVENT_COLUMNS = ("at", "kind", "call_sid", "queue", "wait_seconds", "handle_seconds", "agent", "state", "detail")


@bp.get("/events.csv")
def events_csv():
    """The events recorded from `?from=` to `?to=` (dates, YYYY-MM-DD, inclusive; default today), up to 30 days."""
    wallboard = lookup(Wallboard)
    today = wallboard.today()
    first = _date(request.args.get("from", "")) or today
    last = _date(request.args.get("to", "")) or first
    if last < first:
        first, last = last, first
    first = max(first, last - timedelta(days=30))
    zone = wallboard.zone
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone) - timedelta(microseconds=1)
    out = _writer(EVENT_COLUMNS)
    for event in wallboard.events(start, end):
        at = datetime.fromtimestamp(event.at, zone).isoformat(timespec="seconds")
        out.writer.writerow([at, event.kind, event.call, event.queue, event.wait, event.handle, event.agent,
                             event.state, event.detail])
    return _csv(out, f"events-{first.isoformat()}-to-{last.isoformat()}.csv")


class _Out:
    def __init__(self, columns):
        self.buffer = io.StringIO()
        self.writer = csv.writer(self.buffer, lineterminator="\r\n")
        self.writer.writerow(columns)


def _writer(columns) -> _Out:
    return _Out(columns)


def _csv(out: _Out, name: str):
    return out.buffer.getvalue(), 200, {"Content-Type": "text/csv; charset=utf-8",
                                        "Content-Disposition": f'attachment; filename="{name}"'}


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None
