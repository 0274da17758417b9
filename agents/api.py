"""The agents' JSON API: their own state (available, offline; the router sets the rest), the
in-call controls, and the manual PIN step (`agents.manual_check`).

Agents authenticate with HTTP Basic (agent id and console password); wrong
tries are throttled per source and agent (workforce/lockout.py), so a stranger
cannot sign a real agent out.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from agents.manual_check import ManualCheck
from call_store.offers import Dispatch
from runtime.redis_connection import StoreUnavailable
from verification.service import Sent
from web.registry import lookup
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


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
