"""The agents' JSON API: the manual PIN step, as the seeds describe it. The
agent sends a code to the organisation's registered contact and checks the
code the caller reads out, under the same limits and audit as the IVR.

Agents authenticate with HTTP Basic (agent id and console password); wrong
tries are throttled per source and agent (agents/lockout.py), so a stranger
cannot sign a real agent out.
"""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request

from prompts.catalogue import Prompts
from workforce.model import password_matches
from ivr.verification_flow import compose_message
from runtime.redis_connection import StoreUnavailable
from bootstrap import services
from verification.audit import mask_destination
from verification.codes import Outcome
from verification.service import Sent, destinations

bp = Blueprint("agent_api", __name__, url_prefix="/agent/api")
DEFAULT_MESSAGE_LOCALE = "en-GB"


@bp.before_request
def authenticate():
    auth = request.authorization
    if not auth or auth.type != "basic" or not auth.username:
        return _unauthorised()
    agent_id, source = auth.username[:12], request.remote_addr or "-"
    throttle = services().sign_in_throttle
    verdict = throttle.reserve(agent_id, source)
    if not verdict.allowed:
        return (jsonify(error="too many failed sign-ins from here; try again later", retry_after=verdict.retry_after), 429,
                {"Retry-After": str(verdict.retry_after)})
    agent = services().agents.get(agent_id) if agent_id.isdigit() else None
    if not password_matches(agent, auth.password or ""):  # the same scrypt whether or not the agent exists
        return _unauthorised()
    throttle.succeeded(agent_id, source)
    g.agent = agent
    return None


def _unauthorised():
    return jsonify(error="agent id and password required"), 401, {"WWW-Authenticate": 'Basic realm="agents"'}


@bp.errorhandler(StoreUnavailable)
def store_unavailable(error):
    return jsonify(error="storage unavailable, try again"), 503


@bp.get("/orgs/<account_number>/contacts")
def contacts(account_number: str):
    """The destinations a code can go to, masked, numbered as `send` takes them."""
    organisation = services().directory.get(account_number)
    if organisation is None:
        return jsonify(error=f"no organisation {account_number}"), 404
    return jsonify(contacts=[
        {"index": index, "channel": d.channel, "destination": mask_destination(d.channel, d.address)}
        for index, d in enumerate(destinations(organisation))
    ])


@bp.post("/verification/send")
def send_code():
    """{"account_number", "contact" (an index from /contacts), optional "call_sid", "language"}."""
    body = request.get_json(silent=True) or {}
    organisation = services().directory.get(str(body.get("account_number", "")))
    if organisation is None:
        return jsonify(errors={"account_number": "no such organisation"}), 400
    offered = destinations(organisation)
    index = body.get("contact", 0)
    if not isinstance(index, int) or not 0 <= index < len(offered):
        return jsonify(errors={"contact": f"must be an index from 0 to {len(offered) - 1}"}), 400
    caller = _call_caller(body.get("call_sid"))
    prompts = _message_prompts(body.get("language"))
    destination = offered[index]
    sent = services().verifier.send(organisation, destination, actor=f"agent {g.agent.agent_id}", caller=caller,
                                    compose=lambda to, code, minutes: compose_message(prompts, to, code, minutes))
    masked = mask_destination(destination.channel, destination.address)
    status = {Sent.SENT: 200, Sent.SENDING: 202, Sent.FAILED: 502, Sent.LIMITED: 429}[sent]
    return jsonify(result=sent.value, channel=destination.channel, destination=masked), status


@bp.post("/verification/check")
def check_code():
    """{"account_number", "code", optional "call_sid"}: verified marks the call, so it travels with it."""
    body = request.get_json(silent=True) or {}
    account, code = str(body.get("account_number", "")), str(body.get("code", ""))
    if not code.isdigit():
        return jsonify(errors={"code": "must be the digits the caller read out"}), 400
    outcome = services().verifier.check(account, code[:12], actor=f"agent {g.agent.agent_id}", channel="agent")
    call_sid = body.get("call_sid")
    if outcome is Outcome.VERIFIED and isinstance(call_sid, str) and call_sid:
        services().calls.update(call_sid[:64], org=account, verified="yes", verified_by=f"agent {g.agent.agent_id}")
    return jsonify(result=outcome.value)


def _call_caller(call_sid: object) -> str:
    """The caller's number when the agent names the call, so the per-caller limit applies too."""
    if not isinstance(call_sid, str) or not call_sid:
        return ""
    state = services().calls.get(call_sid[:64])
    return state.caller if state else ""


def _message_prompts(language: object) -> Prompts:
    catalogues = services().catalogues
    locale = language if isinstance(language, str) and catalogues.has(language) else DEFAULT_MESSAGE_LOCALE
    return catalogues(locale)
