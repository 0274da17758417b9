"""The agent console: sign in, watch the queues live, claim and close callbacks,
and do the manual PIN step for the caller on the line.

Server-rendered HTML; a few lines of JavaScript refresh the live part every
few seconds (without it, the page still works: reload to refresh).
"""
from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from call_store.callbacks import Callback
from web.sessions import AGENT_KEY, check_csrf, csrf_token, end_session, start_session
from workforce.model import password_matches
from ivr.verification_flow import compose_message
from call_store.waiting import Waiting, serving_order
from routing.hours import next_opening
from routing.model import Queue, Severity
from bootstrap import services
from verification.audit import mask_destination
from verification.service import destinations

bp = Blueprint("console", __name__, url_prefix="/console")
SESSION_KEY = AGENT_KEY


@bp.before_request
def guard():
    check_csrf()
    agent_id = session.get(SESSION_KEY)
    g.agent = services().agents.get(agent_id) if agent_id else None
    if request.endpoint != "console.sign_in" and g.agent is None:
        return redirect(url_for("console.sign_in"))
    return None


@bp.context_processor
def page_context():
    return {"csrf_token": csrf_token, "agent": g.get("agent")}


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    error, status, headers = None, 200, {}
    if request.method == "POST":
        agent_id, source = request.form.get("agent_id", "").strip()[:12], request.remote_addr or "-"
        throttle = services().sign_in_throttle
        verdict = throttle.reserve(agent_id, source)
        if not verdict.allowed:
            minutes = -(-verdict.retry_after // 60)
            error = f"Too many failed sign-ins from here. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            status, headers = 429, {"Retry-After": str(verdict.retry_after)}
        else:
            agent = services().agents.get(agent_id) if agent_id.isdigit() else None
            if password_matches(agent, request.form.get("password", "")):  # the same scrypt for a missing agent
                throttle.succeeded(agent_id, source)
                start_session(SESSION_KEY, agent_id)
                return redirect(url_for("console.live_page"))
            error, status = "Agent number or password is wrong.", 401
    return render_template("console/sign_in.html", error=error), status, headers


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("console.sign_in"))


@bp.get("")
def live_page():
    return render_template("console/live_page.html", **_live())


@bp.get("/live")
def live_fragment():
    """The part of the page that refreshes by itself."""
    return render_template("console/live.html", **_live())


@bp.post("/callbacks/<callback_id>/claim")
def claim(callback_id: str):
    claimed = services().callbacks.claim(callback_id, g.agent.agent_id)
    flash("Callback claimed: it is yours to make." if claimed else "Someone else has already claimed that callback.")
    return redirect(url_for("console.live_page"))


@bp.post("/callbacks/<callback_id>/close")
def close(callback_id: str):
    closed = services().callbacks.close(callback_id, g.agent.agent_id)
    flash("Callback closed." if closed else "That callback is not yours to close.")
    return redirect(url_for("console.live_page"))


@bp.post("/verification/send")
def send_code():
    account = request.form.get("account_number", "").strip()
    organisation = services().directory.get(account) if account.isdigit() else None
    if organisation is None:
        flash(f"No organisation with account number {account}.")
        return redirect(url_for("console.live_page"))
    offered = destinations(organisation)
    index = int(request.form.get("contact", "0")) if request.form.get("contact", "0").isdigit() else 0
    destination = offered[min(index, len(offered) - 1)]
    prompts = services().catalogues("en-GB")
    sent = services().verifier.send(organisation, destination, actor=f"agent {g.agent.agent_id}", caller="",
                                    compose=lambda to, code, minutes: compose_message(prompts, to, code, minutes))
    flash(f"Code {sent.value} to {mask_destination(destination.channel, destination.address)} for {organisation.name}.")
    return redirect(url_for("console.live_page"))


@bp.post("/verification/check")
def check_code():
    account, code = request.form.get("account_number", "").strip(), request.form.get("code", "").strip()
    if not code.isdigit():
        flash("Enter the digits the caller reads out.")
        return redirect(url_for("console.live_page"))
    outcome = services().verifier.check(account, code[:12], actor=f"agent {g.agent.agent_id}", channel="agent")
    flash({"verified": "Verified: you may access the organisation's account.", "wrong": "Wrong code; the caller may try again.",
           "locked": "Wrong too many times; send a new code.", "expired": "That code has expired; send a new one.",
           "unknown": "No live code for that account; send one."}[outcome.value])
    return redirect(url_for("console.live_page"))


def _live() -> dict:
    """Waiting callers and callbacks as the router will serve them, with the context the whisper gives."""
    now = services().clock()
    table = services().tables.latest_known()
    waiting = serving_order(services().waiting.everyone())
    states = {entry.sid: services().calls.get(entry.sid) for entry in waiting}
    rows = []
    for entry in waiting:
        state = states.get(entry.sid)
        estimate = services().waiting.estimate(entry.sid, entry.queue, 0, 0)
        rows.append({"entry": entry, "state": state, "waited": _minutes(now.timestamp() - entry.since),
                     "line": _line_name(table, state.line if state else ""), "estimate": estimate,
                     "mine": _skilled(entry)})
    callbacks = [{"callback": callback, "due": _due(table, callback, now), "line": _line_name(table, callback.line),
                  "mine": _skilled(callback.entry)} for callback in services().callbacks.outstanding()]
    return {"rows": rows, "callbacks": callbacks, "now": now}


def _skilled(entry: Waiting) -> bool:
    return entry.queue_type in g.agent.queues and entry.language in g.agent.languages


def _due(table, callback: Callback, now: datetime) -> str:
    """"now" while its queue is open, else when it opens (a callback is only due while its queue is open)."""
    line = table.line(callback.line)
    entry = callback.entry
    if line is None:
        return "now"
    severity = Severity(entry.severity) if entry.severity else None
    opening = next_opening(line, Queue(entry.queue_type), now, severity)
    if opening is None:
        return "when the line reopens"
    return "now" if opening.timestamp() <= now.timestamp() else opening.strftime("%a %d %b %H:%M") + f" ({line.timezone})"


def _line_name(table, line_id: str) -> str:
    line = table.line(line_id) if line_id else None
    return line.name if line else line_id


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes else "under 1 min"
