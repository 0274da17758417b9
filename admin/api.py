"""The admin JSON API: organisations, agents, the development outbox and the
verification audit. Errors are JSON naming the field; nothing is half-written."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from admin.auth import require_admin
from call_store.callbacks import CallbackBook
from runtime.redis_connection import StoreUnavailable
from verification.audit import AuditLog
from verification.delivery import Outbox
from verification.directory import Directory
from verification.organisations import OrganisationError, parse_organisation
from web.registry import lookup
from web.sessions import PageSessions
from workforce.directory import AgentDirectory
from workforce.model import AgentError, parse_agent

bp = Blueprint("admin_api", __name__, url_prefix="/admin/api")


bp.before_request(require_admin)


@bp.errorhandler(StoreUnavailable)
def store_unavailable(error):
    return jsonify(error="storage unavailable, try again"), 503


@bp.get("/orgs")
def list_orgs():
    return jsonify(organisations=[org.to_dict() for org in lookup(Directory).all()])


@bp.get("/orgs/<account_number>")
def get_org(account_number: str):
    organisation = lookup(Directory).get(account_number)
    if organisation is None:
        return jsonify(error=f"no organisation {account_number}"), 404
    return jsonify(organisation.to_dict())


@bp.put("/orgs/<account_number>")
def put_org(account_number: str):
    data = request.get_json(silent=True)
    try:
        organisation = parse_organisation(account_number, data)
    except OrganisationError as error:
        return jsonify(errors=error.errors), 400
    created = lookup(Directory).put(organisation)
    return jsonify(organisation.to_dict()), 201 if created else 200


@bp.delete("/orgs/<account_number>")
def delete_org(account_number: str):
    if not lookup(Directory).delete(account_number):
        return jsonify(error=f"no organisation {account_number}"), 404
    return "", 204


@bp.get("/outbox")
def outbox():
    """Messages the router could not send for real (no SMTP or Twilio configured), newest first."""
    return jsonify(messages=lookup(Outbox).messages())


@bp.get("/verification/audit")
def audit():
    limit = request.args.get("limit", "100")
    count = int(limit) if limit.isdigit() else 100
    return jsonify(entries=lookup(AuditLog).recent(count, request.args.get("account") or None))


@bp.get("/callbacks")
def callbacks():
    """Callback requests in line and the latest closed, with every try the router made at each."""
    book = lookup(CallbackBook)
    return jsonify(outstanding=[callback.public() for callback in book.outstanding()],
                   closed=[callback.public() for callback in book.recently_closed()])


@bp.get("/agents")
def list_agents():
    return jsonify(agents=[agent.public() for agent in lookup(AgentDirectory).all()])


@bp.get("/agents/<agent_id>")
def get_agent(agent_id: str):
    agent = lookup(AgentDirectory).get(agent_id)
    if agent is None:
        return jsonify(error=f"no agent {agent_id}"), 404
    return jsonify(agent.public())


@bp.put("/agents/<agent_id>")
def put_agent(agent_id: str):
    """Create or replace; on a replacement, leaving out pin or password keeps the old one."""
    previous = lookup(AgentDirectory).get(agent_id)
    try:
        agent = parse_agent(agent_id, request.get_json(silent=True), previous)
    except AgentError as error:
        return jsonify(errors=error.errors), 400
    created = lookup(AgentDirectory).put(agent)
    if previous is not None and previous.password_hash != agent.password_hash:
        lookup(PageSessions).end_all("/console", agent_id)  # a new password signs the old sessions out
    return jsonify(agent.public()), 201 if created else 200


@bp.delete("/agents/<agent_id>")
def delete_agent(agent_id: str):
    if not lookup(AgentDirectory).delete(agent_id):
        return jsonify(error=f"no agent {agent_id}"), 404
    return "", 204
