"""The agent console: sign in, watch the queues live, claim and close callbacks,
and do the manual PIN step for the caller on the line.

Server-rendered HTML; a few lines of JavaScript refresh the live part every
few seconds (without it, the page still works: reload to refresh).
"""
from __future__ import annotations

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

from agents.board import QueueBoard
from agents.manual_check import ManualCheck
from call_store.callbacks import CallbackBook
from web.registry import lookup
from web.sessions import AGENT_KEY, check_csrf, csrf_token, end_session, start_session
from workforce.sign_in import AgentSignIn

bp = Blueprint("console", __name__, url_prefix="/console")
SESSION_KEY = AGENT_KEY


@bp.before_request
def guard():
    check_csrf()
    agent_id = session.get(SESSION_KEY)
    g.agent = lookup(AgentSignIn).agent(agent_id) if agent_id else None
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
        agent_id = request.form.get("agent_id", "").strip()[:12]
        signed_in = lookup(AgentSignIn).with_password(agent_id, request.form.get("password", ""), request.remote_addr or "-")
        if signed_in.throttled:
            minutes = -(-signed_in.retry_after // 60)
            error = f"Too many failed sign-ins from here. Try again in {minutes} minute{'s' if minutes > 1 else ''}."
            status, headers = 429, {"Retry-After": str(signed_in.retry_after)}
        elif signed_in.agent is not None:
            start_session(SESSION_KEY, agent_id)
            return redirect(url_for("console.live_page"))
        else:
            error, status = "Agent number or password is wrong.", 401
    return render_template("console/sign_in.html", error=error), status, headers


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("console.sign_in"))


@bp.get("")
def live_page():
    return render_template("console/live_page.html", **lookup(QueueBoard).live(g.agent))


@bp.get("/live")
def live_fragment():
    """The part of the page that refreshes by itself."""
    return render_template("console/live.html", **lookup(QueueBoard).live(g.agent))


@bp.post("/callbacks/<callback_id>/claim")
def claim(callback_id: str):
    claimed = lookup(CallbackBook).claim(callback_id, g.agent.agent_id)
    flash("Callback claimed: it is yours to make." if claimed else "Someone else has already claimed that callback.")
    return redirect(url_for("console.live_page"))


@bp.post("/callbacks/<callback_id>/close")
def close(callback_id: str):
    closed = lookup(CallbackBook).close(callback_id, g.agent.agent_id, supervisor=g.agent.supervisor)
    flash("Callback closed." if closed else "That callback is not yours to close.")
    return redirect(url_for("console.live_page"))


@bp.post("/verification/send")
def send_code():
    check = lookup(ManualCheck)
    account = request.form.get("account_number", "").strip()[:32]
    organisation = check.organisation(account)
    if organisation is None:
        flash(f"No organisation with account number {account}.")
        return redirect(url_for("console.live_page"))
    index = request.form.get("contact", "0")
    contact = min(int(index), len(check.contacts(organisation)) - 1) if index.isdigit() else 0
    result = check.send(organisation, contact, agent_id=g.agent.agent_id)
    flash(f"Code {result.sent.value} to {result.masked} for {organisation.name}.")
    return redirect(url_for("console.live_page"))


@bp.post("/verification/check")
def check_code():
    account, code = request.form.get("account_number", "").strip()[:32], request.form.get("code", "").strip()
    if not code.isdigit():
        flash("Enter the digits the caller reads out.")
        return redirect(url_for("console.live_page"))
    outcome = lookup(ManualCheck).check(account, code, agent_id=g.agent.agent_id)
    flash({"verified": "Verified: you may access the organisation's account.", "wrong": "Wrong code; the caller may try again.",
           "locked": "Wrong too many times; send a new code.", "expired": "That code has expired; send a new one.",
           "unknown": "No live code for that account; send one."}[outcome.value])
    return redirect(url_for("console.live_page"))
