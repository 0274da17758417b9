"""The agents' JSON API: the manual PIN step (`agents.manual_check`).

Agents authenticate with HTTP Basic (agent id and console password); wrong
tries are throttled per source and agent (workforce/lockout.py), so a stranger
cannot sign a real agent out.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from agents.manual_check import ManualCheck
from runtime.redis_connection import StoreUnavailable
from verification.service import Sent
from web.registry import lookup
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


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
