"""The agents' JSON API: their own state (available, offline; the router sets the rest), the
in-call controls, and the manual PIN step (`agents.manual_check`).

Agents authenticate with HTTP Basic (agent id and console password); wrong
tries are throttled per source and agent (workforce/lockout.py), so a stranger
cannot sign a real agent out.
"""
from __future__ import annotations

import hmac
import re

from flask import Blueprint, g, jsonify, request, session

from agents.desk import AgentDesk
from agents.manual_check import ManualCheck
from call_store.callbacks import CallbackBook
from call_store.controls import CallControls, ConsultRefused, Disposition, Monitor
from call_store.offers import Dispatch
from routing.model import Queue
from runtime.redis_connection import StoreUnavailable
from runtime.twilio_rest import RestFailed
from verification.service import Sent
from web.registry import lookup
from web.sessions import AGENT_KEY, CSRF_FIELD
from workforce.directory import AgentDirectory
from workforce.presence import SETTABLE_BY_AGENT, AgentPresence, AgentState
from workforce.sign_in import AgentSignIn

bp = Blueprint("agent_api", __name__, url_prefix="/agent/api")
SEND_STATUS = {Sent.SENT: 200, Sent.SENDING: 202, Sent.FAILED: 502, Sent.LIMITED: 429}


@bp.before_request
def authenticate():
    auth = request.authorization
    if not auth or auth.type != "basic" or not auth.username:
        return _unauthorised()
    signed_in = lookup(AgentSignIn).with_password(auth.username[:12], auth.password or "", request.remote_addr or "-")
    if signed_in.throttled:
        return (jsonify(error="too many failed sign-ins from here; try again later", retry_after=signed_in.retry_after),
                429, {"Retry-After": str(signed_in.retry_after)})
    if signed_in.agent is None:
        return _unauthorised()
    g.agent = signed_in.agent
    return None


def _unauthorised():
    return jsonify(error="agent id and password required"), 401, {"WWW-Authenticate": 'Basic realm="agents"'}


@bp.errorhandler(StoreUnavailable)
def store_unavailable(error):
    return jsonify(error="storage unavailable, try again"), 503


@bp.get("/orgs/<account_number>/contacts")
def contacts(account_number: str):
    """The destinations a code can go to, masked, numbered as `send` takes them."""
    check = lookup(ManualCheck)
    organisation = check.organisation(account_number)
    if organisation is None:
        return jsonify(error=f"no organisation {account_number}"), 404
    return jsonify(contacts=[{"index": c.index, "channel": c.channel, "destination": c.masked}
                             for c in check.contacts(organisation)])


@bp.post("/verification/send")
def send_code():
    """{"account_number", "contact" (an index from /contacts), optional "call_sid", "language"}."""
    body = _body()
    check = lookup(ManualCheck)
    organisation = check.organisation(str(body.get("account_number", "")))
    if organisation is None:
        return jsonify(errors={"account_number": "no such organisation"}), 400
    offered = check.contacts(organisation)
    index = body.get("contact", 0)
    if not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < len(offered):
        return jsonify(errors={"contact": f"must be an index from 0 to {len(offered) - 1}"}), 400
    result = check.send(organisation, index, agent_id=g.agent.agent_id, call_sid=_text(body.get("call_sid")),
                        language=_text(body.get("language")))
    return jsonify(result=result.sent.value, channel=result.destination.channel, destination=result.masked), SEND_STATUS[result.sent]


@bp.post("/verification/check")
def check_code():
    """{"account_number", "code", optional "call_sid"}: verified marks the call, so it travels with it."""
    body = _body()
    account, code = str(body.get("account_number", "")), str(body.get("code", ""))
    if not code.isdigit():
        return jsonify(errors={"code": "must be the digits the caller read out"}), 400
    outcome = lookup(ManualCheck).check(account, code, agent_id=g.agent.agent_id, call_sid=_text(body.get("call_sid")))
    return jsonify(result=outcome.value)


@bp.get("/callbacks")
def callbacks():
    """Callback requests still in line (serving order) and the latest closed, each with every try the router
    made (when, which agent, how it ended), its status and outcome (reached, unreachable)."""
    book = lookup(CallbackBook)
    return jsonify(outstanding=[callback.public() for callback in book.outstanding()],
                   closed=[callback.public() for callback in book.recently_closed()])


@bp.get("/state")
def get_state():
    """The agent's own state: available, offered, busy, wrap-up, offline or offline-missed, and since when."""
    return jsonify(lookup(AgentPresence).get(g.agent.agent_id).public())


@bp.put("/state")
def put_state():
    """{"state": "available" | "offline", "ring": "phone" | "browser"}: where offers ring (phone: the first
    registered phone; browser: the console's softphone, client:<agent id>). 409 while offered or busy."""
    body = _body()
    wanted = next((state for state in SETTABLE_BY_AGENT if state.value == body.get("state")), None)
    errors = {}
    if wanted is None:
        errors["state"] = "must be available or offline"
    ring = ""
    if body.get("ring", "phone") == "browser":
        ring = f"client:{g.agent.agent_id}"
    elif body.get("ring", "phone") == "phone":
        ring = g.agent.phones[0] if g.agent.phones else ""
        if not ring and wanted is AgentState.AVAILABLE:
            errors["ring"] = "no registered phone: ask an admin to add one, or use browser"
    else:
        errors["ring"] = "must be phone or browser"
    if errors:
        return jsonify(errors=errors), 400
    result = lookup(AgentPresence).set_by_agent(g.agent.agent_id, wanted, ring)
    if result is not wanted:
        return jsonify(error=f"you are {result.value}: the router changes that when the call ends",
                       state=result.value), 409
    if wanted is AgentState.AVAILABLE:
        lookup(Dispatch).kick()
    return jsonify(lookup(AgentPresence).get(g.agent.agent_id).public())


@bp.get("/desk")
def desk():
    """The agent's state and the screen pop of the call offered to them, on, or (in wrap-up) just had: what the
    console shows before hello, for any other tool."""
    return jsonify(lookup(AgentDesk).desk(g.agent).public())


@bp.get("/agents")
def roster():
    """Every agent, for the transfer picker: id, name, skills (queues, languages), state and since when."""
    return jsonify(agents=[entry.public() for entry in lookup(AgentDesk).roster()])


CALL_SID = re.compile(r"CA[0-9a-f]{32}")
AGENT_ID = re.compile(r"[0-9]{3,12}")


def _live_call(caller_sid: str):
    """The agent's own live call (a supervisor's: any), or None."""
    if not CALL_SID.fullmatch(caller_sid):
        return None
    return lookup(CallControls).live_call(g.agent, caller_sid)


def _not_yours():
    return jsonify(error="no live call of yours with that CallSid"), 404


def _rest_failed(exc: RestFailed):
    return jsonify(error=f"Twilio did not take the request: {exc}"), 502


@bp.post("/calls/<caller_sid>/hold")
def hold(caller_sid: str):
    """{"hold": true | false}: the caller on hold with music, or back."""
    state, on = _live_call(caller_sid), _body().get("hold", True)
    if state is None:
        return _not_yours()
    if not isinstance(on, bool):
        return jsonify(errors={"hold": "must be true or false"}), 400
    try:
        lookup(CallControls).hold(state, on)
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, hold=on)


@bp.post("/calls/<caller_sid>/end")
def end_call(caller_sid: str):
    state = _live_call(caller_sid)
    if state is None:
        return _not_yours()
    try:
        lookup(CallControls).end(state)
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, ended=True)


@bp.post("/calls/<caller_sid>/transfer")
def transfer(caller_sid: str):
    """{"queue": "technical" | "billing" | "presales", "reason": "..."}: a cold transfer into that queue; or
    {"agent": "<agent id>", "reason": "..."}: to that agent alone (available now), else back in their queue."""
    state, body = _live_call(caller_sid), _body()
    if state is None:
        return _not_yours()
    queue, target_id, reason = body.get("queue"), body.get("agent"), body.get("reason", "")
    controls = lookup(CallControls)
    errors, target = {}, None
    if (queue is None) == (target_id is None):
        errors["queue"] = errors["agent"] = "give exactly one of queue and agent"
    elif queue is not None and queue not in {kind.value for kind in Queue}:
        errors["queue"] = "must be technical, billing or presales"
    elif target_id is not None:
        target = lookup(AgentDirectory).get(target_id) if isinstance(target_id, str) and AGENT_ID.fullmatch(target_id) else None
        refusal = controls.target_refusal(g.agent, target)
        if refusal:
            errors["agent"] = refusal
    if not isinstance(reason, str) or len(reason) > 200:
        errors["reason"] = "must be a text of at most 200 characters"
    if errors:
        return jsonify(errors=errors), 400
    try:
        if target is not None:
            controls.transfer_to_agent(g.agent, state, target, reason.strip())
        else:
            controls.transfer(g.agent, state, queue, reason.strip())
    except RestFailed as exc:
        return _rest_failed(exc)
    if target is not None:
        return jsonify(call_sid=caller_sid, transferred_to_agent=target.agent_id)
    return jsonify(call_sid=caller_sid, transferred_to=queue)


@bp.post("/calls/<caller_sid>/consult")
def consult(caller_sid: str):
    """{"agent": "<agent id>"} or {"queue": "technical" | "billing" | "presales"}, optional "reason": a warm
    transfer. The caller holds (music); the agent named (available now), or the longest-idle available agent
    skilled for that queue in the caller's language, is dialled into the conference and briefed there."""
    state, body = _live_call(caller_sid), _body()
    if state is None:
        return _not_yours()
    queue, target_id, reason = body.get("queue"), body.get("agent"), body.get("reason", "")
    controls = lookup(CallControls)
    errors, candidates = {}, []
    if (queue is None) == (target_id is None):
        errors["queue"] = errors["agent"] = "give exactly one of queue and agent"
    elif queue is not None:
        if queue not in {kind.value for kind in Queue}:
            errors["queue"] = "must be technical, billing or presales"
        else:
            candidates = controls.consult_candidates(g.agent, state, queue)
            if not candidates:
                errors["queue"] = f"no agent for {queue} in the caller's language is available"
    else:
        target = lookup(AgentDirectory).get(target_id) if isinstance(target_id, str) and AGENT_ID.fullmatch(target_id) else None
        refusal = controls.target_refusal(g.agent, target)
        if refusal:
            errors["agent"] = refusal
        else:
            candidates = [target.agent_id]
    if not isinstance(reason, str) or len(reason) > 200:
        errors["reason"] = "must be a text of at most 200 characters"
    if errors:
        return jsonify(errors=errors), 400
    try:
        agent_id, leg = controls.consult(g.agent, state, candidates, reason.strip())
    except ConsultRefused as exc:
        return jsonify(error=f"cannot consult: {exc}"), 409
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, consulting=agent_id, leg=leg)


@bp.post("/calls/<caller_sid>/consult/complete")
def consult_complete(caller_sid: str):
    """The warm transfer completes: you leave; the caller, off hold, stays with the agent you consulted."""
    state = _live_call(caller_sid)
    if state is None or state.agent != g.agent.agent_id:
        return _not_yours()
    try:
        agent_id = lookup(CallControls).complete_consult(g.agent, state)
    except ConsultRefused as exc:
        return jsonify(error=f"cannot complete: {exc}"), 409
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, transferred_to_agent=agent_id)


@bp.post("/calls/<caller_sid>/consult/cancel")
def consult_cancel(caller_sid: str):
    """The warm transfer is called off: the agent consulted leaves; the caller, off hold, is back with you."""
    state = _live_call(caller_sid)
    if state is None or state.agent != g.agent.agent_id:
        return _not_yours()
    try:
        agent_id = lookup(CallControls).cancel_consult(state)
    except ConsultRefused as exc:
        return jsonify(error=f"cannot cancel: {exc}"), 409
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, cancelled_consult=agent_id)


@bp.post("/calls/<caller_sid>/wrap-up")
def wrap_up(caller_sid: str):
    """{"disposition": "resolved" | "escalated" | "callback-promised"}: recorded; the agent's wrap-up ends."""
    disposition = next((d for d in Disposition if d.value == _body().get("disposition")), None)
    if disposition is None:
        return jsonify(errors={"disposition": "must be resolved, escalated or callback-promised"}), 400
    if not CALL_SID.fullmatch(caller_sid):
        return _not_yours()
    state = lookup(CallControls).wrap_up(g.agent, caller_sid, disposition)
    if state is None:
        return jsonify(error="no call of yours with that CallSid"), 404
    return jsonify(call_sid=caller_sid, disposition=disposition.value, state=state.value)


@bp.post("/calls/<caller_sid>/monitor")
def monitor(caller_sid: str):
    """Supervisors: {"mode": "listen" | "coach" | "barge"} dials them into the call's conference."""
    if not g.agent.supervisor:
        return jsonify(error="only supervisors may listen, coach or barge"), 403
    mode = next((m for m in Monitor if m.value == _body().get("mode")), None)
    if mode is None:
        return jsonify(errors={"mode": "must be listen, coach or barge"}), 400
    state = _live_call(caller_sid)
    if state is None:
        return jsonify(error="no live call with that CallSid"), 404
    try:
        leg = lookup(CallControls).monitor(g.agent, state, mode)
    except RestFailed as exc:
        return _rest_failed(exc)
    return jsonify(call_sid=caller_sid, mode=mode.value, leg=leg)


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


# The same API for the console's own page, by its session (the console's cookie is scoped to /console) and,
# for every change, the session's CSRF token in an X-CSRF-Token header.
console_bp = Blueprint("console_api", __name__, url_prefix="/console/api")
CSRF_HEADER = "X-CSRF-Token"
for rule, view, methods in (
        ("/state", get_state, ["GET"]), ("/state", put_state, ["PUT"]), ("/agents", roster, ["GET"]), ("/desk", desk, ["GET"]),
        ("/orgs/<account_number>/contacts", contacts, ["GET"]), ("/verification/send", send_code, ["POST"]),
        ("/verification/check", check_code, ["POST"]), ("/calls/<caller_sid>/hold", hold, ["POST"]),
        ("/calls/<caller_sid>/end", end_call, ["POST"]), ("/calls/<caller_sid>/transfer", transfer, ["POST"]),
        ("/calls/<caller_sid>/consult", consult, ["POST"]), ("/calls/<caller_sid>/consult/complete", consult_complete, ["POST"]),
        ("/calls/<caller_sid>/consult/cancel", consult_cancel, ["POST"]), ("/calls/<caller_sid>/wrap-up", wrap_up, ["POST"])):
    console_bp.add_url_rule(rule, f"{view.__name__}_{methods[0].lower()}", view, methods=methods)


@console_bp.before_request
def console_session():
    agent_id = session.get(AGENT_KEY)
    agent = lookup(AgentSignIn).agent(agent_id) if agent_id else None
    if agent is None:
        return jsonify(error="signed out"), 401
    if request.method != "GET":
        sent, expected = request.headers.get(CSRF_HEADER, ""), session.get(CSRF_FIELD, "")
        if not sent or not expected or not hmac.compare_digest(sent, expected):
            return jsonify(error="the page has expired; reload it"), 403
    g.agent = agent
    return None


console_bp.register_error_handler(StoreUnavailable, store_unavailable)
