"""The agent console: sign in, watch the queues live, claim and close callbacks,
and do the manual PIN step for a chosen call.

Server-rendered HTML; the live part is pushed as server-sent events when it
changes (`agents.live_stream`), and a few lines of JavaScript change only the
rows that changed (without it, the page still works: reload to refresh).
"""
from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    stream_with_context,
    url_for,
)

from agents.board import QueueBoard
from agents.desk import AgentDesk
from agents.live_stream import LiveStreams
from agents.manual_check import ManualCheck
from agents.softphone import MISSING, VoiceTokens
from call_store.callbacks import CallbackBook
from runtime.clock import Clock
from web.registry import lookup
from web.sessions import AGENT_KEY, CONTENT_SECURITY_POLICY, PageSessions, check_csrf, csrf_token, end_session, start_session
from workforce.presence import AgentPresence
from workforce.sign_in import AgentSignIn

bp = Blueprint("console", __name__, url_prefix="/console")
SESSION_KEY = AGENT_KEY


@bp.before_request
def guard():
    check_csrf()
    agent_id = session.get(SESSION_KEY)
    g.agent = lookup(AgentSignIn).agent(agent_id) if agent_id else None
    if g.agent is None and request.endpoint == "console.voice_token":
        return jsonify(error="signed out"), 401
    if request.endpoint not in ("console.sign_in", "console.live_stream") and g.agent is None:
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


# The console page also talks to Twilio: the Voice SDK's signalling (wss://voice-js.<edge>.twilio.com), its event
# gateway (https://eventgw.twilio.com) and its ringtones (https://sdk.twilio.com). Nothing else is added.
CONSOLE_POLICY = CONTENT_SECURITY_POLICY.replace(
    "default-src 'self';", "default-src 'self'; connect-src 'self' wss://*.twilio.com https://*.twilio.com; "
                           "media-src 'self' https://sdk.twilio.com;")


@bp.get("")
def live_page():
    tokens = lookup(VoiceTokens)
    page = render_template("console/live_page.html", check=_chosen_call(), softphone=tokens.configured,
                           softphone_missing=MISSING, server_now=lookup(Clock)().timestamp(),
                           wrap_up_seconds=lookup(AgentPresence).wrap_up_seconds, **_live(g.agent))
    return page, 200, {"Content-Security-Policy": CONSOLE_POLICY}


@bp.get("/voice-token")
def voice_token():
    """A short-lived token for the browser phone (identity: the agent's id); the page fetches another before expiry."""
    token = lookup(VoiceTokens).issue(g.agent.agent_id)
    if token is None:
        return jsonify(error=MISSING), 404
    return jsonify(token=token.jwt, identity=token.identity, expires_at=int(token.expires_at))


def _live(agent) -> dict:
    """What the live part shows: the agent's own desk (state, screen pop, roster), then the queues."""
    return {"desk": lookup(AgentDesk).desk(agent), **lookup(QueueBoard).live(agent)}


def _chosen_call() -> dict:
    """The call the agent chose to verify (`?verify=CallSid`), its organisation and where a code may go."""
    sid = request.args.get("verify", "")[:64]
    state, line = lookup(QueueBoard).call(sid)
    account = request.args.get("account", "").strip()[:20] or (state.org if state else "")
    check = lookup(ManualCheck)
    organisation = check.organisation(account) if state and account else None
    return {"sid": sid, "state": state, "line": line, "account": account, "organisation": organisation,
            "contacts": check.contacts(organisation) if organisation else []}


@bp.get("/live")
def live_stream():
    """The live part as server-sent events: sent again whenever it changes, until the session ends."""
    agent = g.agent
    sessions = lookup(PageSessions)
    opened = session._get_current_object()

    def render() -> str:
        return render_template("console/live.html", **_live(agent))

    def still_open() -> bool:
        return agent is not None and sessions.still_open(opened)

    body = lookup(LiveStreams).stream(render, still_open, url_for("console.sign_in"))
    return Response(stream_with_context(body), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


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


CHECKED = {"verified": "Verified: the call is marked verified, and you may access the organisation's account.",
           "wrong": "Wrong code; the caller may try again.", "locked": "Wrong too many times; send a new code.",
           "expired": "That code has expired; send a new one.", "unknown": "No live code for that account; send one."}


@bp.post("/verification/send")
def send_code():
    """A code to the contact the agent picked, for the call they chose (the caller's own limit applies too)."""
    check = lookup(ManualCheck)
    sid, account = request.form.get("call_sid", "")[:64], request.form.get("account_number", "").strip()[:20]
    organisation = check.organisation(account)
    back = redirect(url_for("console.live_page", verify=sid, account=account, _anchor="verify"))
    if organisation is None:
        flash(f"No organisation with account number {account}.", "verify")
        return back
    contacts = check.contacts(organisation)
    index = request.form.get("contact", "")
    if not index.isdigit() or not 0 <= int(index) < len(contacts):
        flash("Pick one of the registered contacts.", "verify")
        return back
    state, _ = lookup(QueueBoard).call(sid)
    result = check.send(organisation, int(index), agent_id=g.agent.agent_id, call_sid=sid,
                        language=state.language if state else "")
    flash({"sent": f"Code sent to {result.masked}. Ask the caller to read it out.",
           "sending": f"The code is on its way to {result.masked}.",
           "failed": f"The code could not be sent to {result.masked}; pick another contact or try again.",
           "limited": "Too many codes were sent for this organisation or caller just now; try again later."}
          .get(result.sent.value, result.sent.value), "verify")
    return back


@bp.post("/verification/check")
def check_code():
    """The code the caller read out; right, the chosen call is marked verified at once."""
    sid, account = request.form.get("call_sid", "")[:64], request.form.get("account_number", "").strip()[:20]
    code = request.form.get("code", "").strip()
    back = redirect(url_for("console.live_page", verify=sid, account=account, _anchor="verify"))
    if not code.isdigit():
        flash("Enter the digits the caller reads out.", "verify")
        return back
    outcome = lookup(ManualCheck).check(account, code, agent_id=g.agent.agent_id, call_sid=sid)
    flash(CHECKED[outcome.value], "verify")
    return back
