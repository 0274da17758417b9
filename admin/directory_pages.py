"""The rest of the directory on pages: organisations (found by name, account
number or registered phone; added, edited and deleted under the API's rules),
agents (skills, languages, phones, the supervisor role; a new PIN or password
set without showing the old), and the verification audit, filtered."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.page_support import confirm_page, confirmed, display_zone
from admin.readable import phone
from routing.model import Queue
from routing.numbers import valid_e164
from verification.audit import AuditLog
from verification.codes import Outcome
from verification.directory import Directory
from verification.organisations import (
    PLANS,
    PURCHASE_CHANNELS,
    Organisation,
    OrganisationError,
    parse_organisation,
)
from verification.service import Sent
from web.registry import lookup
from workforce.directory import AgentDirectory
from workforce.model import Agent, AgentError, parse_agent

bp = Blueprint("directory", __name__)
QUEUE_NAMES = tuple(queue.value for queue in Queue)
AUDIT_RESULTS = tuple(dict.fromkeys([*(item.value for item in Sent), *(item.value for item in Outcome)]))


# -- organisations -------------------------------------------------------------

def find_organisations(organisations: list[Organisation], by_phone, query: str) -> list[Organisation]:
    """A registered phone (in international form) finds its organisations; digits find account numbers
    that begin with them; anything else, names that contain it (ignoring case)."""
    query = query.strip()
    if not query:
        return organisations
    number = valid_e164(query)
    if number:
        return by_phone(number)
    if query.isdigit():
        return [org for org in organisations if org.account_number.startswith(query)]
    folded = query.casefold()
    return [org for org in organisations if folded in org.name.casefold()]


@bp.get("/organisations")
def organisations():
    query = request.args.get("q", "")[:200]
    directory = lookup(Directory)
    found = find_organisations(directory.all(), directory.by_phone, query)
    return render_template("admin/organisations.html", organisations=found, query=query, phone=phone)


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    return _organisation_form(None)


@bp.route("/organisations/<account_number>", methods=["GET", "POST"])
def edit_organisation(account_number: str):
    return _organisation_form(account_number)


def _organisation_form(account_number: str | None):
    directory = lookup(Directory)
    existing = directory.get(account_number) if account_number else None
    if account_number is not None and existing is None:
        return render_template("admin/message.html", title="No such organisation",
                               message=f"There is no organisation {account_number}."), 404
    errors: dict[str, str] = {}
    if request.method == "GET":
        form = _organisation_fields(existing) if existing else {"purchased_via": "direct", "plan": "standard"}
        return _organisation_page(account_number, form, errors)
    form = request.form
    number = account_number or form.get("account_number", "").strip()
    data = {"name": form.get("name", ""), "registered_phones": _lines(form.get("registered_phones", "")),
            "registered_emails": _lines(form.get("registered_emails", "")), "purchased_via": form.get("purchased_via"),
            "plan": form.get("plan") or "standard"}
    try:
        organisation = parse_organisation(number, data)
    except OrganisationError as error:
        errors = dict(error.errors)
    if account_number is None and not errors.get("account_number") and directory.get(number) is not None:
        errors["account_number"] = f"organisation {number} exists already; find it and edit it instead"
    if errors:
        return _organisation_page(account_number, form, errors, status=400)
    created = directory.put(organisation)
    flash(f"Organisation {organisation.name} ({number}) {'added' if created else 'saved'}.")
    return redirect(url_for("admin_pages.directory.organisations", q=number))


def _organisation_fields(organisation: Organisation) -> dict[str, str]:
    return {"account_number": organisation.account_number, "name": organisation.name,
            "registered_phones": "\n".join(organisation.registered_phones),
            "registered_emails": "\n".join(organisation.registered_emails),
            "purchased_via": organisation.purchased_via, "plan": organisation.plan}


def _organisation_page(account_number, form, errors, status: int = 200):
    return render_template("admin/organisation_form.html", account_number=account_number, form=form, errors=errors,
                           plans=PLANS, channels=PURCHASE_CHANNELS), status


@bp.post("/organisations/<account_number>/delete")
def delete_organisation(account_number: str):
    directory = lookup(Directory)
    organisation = directory.get(account_number)
    if organisation is None:
        flash(f"Not deleted: there is no organisation {account_number}.")
        return redirect(url_for("admin_pages.directory.organisations"))
    if not confirmed():
        phones = ", ".join(phone(number) for number in organisation.registered_phones) or "no phone"
        return confirm_page(
            title=f"Delete {organisation.name} ({account_number})?",
            consequences=[f"Callers from {phones} will no longer be recognised as {organisation.name}, and account number "
                          f"{account_number} will not be accepted: they go on unverified."],
            confirm_label=f"Yes, delete {organisation.name}",
            cancel_url=url_for("admin_pages.directory.edit_organisation", account_number=account_number))
    directory.delete(account_number)
    flash(f"Organisation {organisation.name} ({account_number}) deleted.")
    return redirect(url_for("admin_pages.directory.organisations"))


# -- agents --------------------------------------------------------------------

@bp.get("/agents")
def agents():
    return render_template("admin/agents.html", agents=lookup(AgentDirectory).all(), phone=phone)


@bp.route("/agents/new", methods=["GET", "POST"])
def new_agent():
    return _agent_form(None)


@bp.route("/agents/<agent_id>", methods=["GET", "POST"])
def edit_agent(agent_id: str):
    return _agent_form(agent_id)


def _agent_form(agent_id: str | None):
    directory = lookup(AgentDirectory)
    existing = directory.get(agent_id) if agent_id else None
    if agent_id is not None and existing is None:
        return render_template("admin/message.html", title="No such agent", message=f"There is no agent {agent_id}."), 404
    errors: dict[str, str] = {}
    if request.method == "GET":
        return _agent_page(agent_id, _agent_fields(existing) if existing else {}, errors)
    form = request.form
    identifier = agent_id or form.get("agent_id", "").strip()
    data: dict = {"name": form.get("name", ""), "queues": [queue for queue in QUEUE_NAMES if form.get(f"queue-{queue}")],
                  "languages": _lines(form.get("languages", "").lower()), "phones": _lines(form.get("phones", "")),
                  "supervisor": bool(form.get("supervisor"))}
    for secret in ("pin", "password"):
        if form.get(secret):
            data[secret] = form[secret]
    try:
        agent = parse_agent(identifier, data, existing)
    except AgentError as error:
        errors = dict(error.errors)
    if agent_id is None and not errors.get("agent_id") and directory.get(identifier) is not None:
        errors["agent_id"] = f"agent {identifier} exists already; edit them from the list instead"
    if errors:
        return _agent_page(agent_id, {key: value for key, value in form.items() if key not in ("pin", "password")}, errors, status=400)
    directory.put(agent)
    changed = [label for secret, label in (("pin", "a new PIN"), ("password", "a new password")) if secret in data]
    flash(f"Agent {agent.name} ({identifier}) saved" + (f" with {' and '.join(changed)}." if changed and existing else "."))
    return redirect(url_for("admin_pages.directory.agents"))


def _agent_fields(agent: Agent) -> dict[str, str]:
    return {"agent_id": agent.agent_id, "name": agent.name, "languages": ", ".join(agent.languages),
            "phones": "\n".join(agent.phones), "supervisor": "on" if agent.supervisor else "",
            **{f"queue-{queue}": "on" for queue in agent.queues}}


def _agent_page(agent_id, form, errors, status: int = 200):
    return render_template("admin/agent_form.html", agent_id=agent_id, form=form, errors=errors, queues=QUEUE_NAMES), status


@bp.post("/agents/<agent_id>/delete")
def delete_agent(agent_id: str):
    directory = lookup(AgentDirectory)
    agent = directory.get(agent_id)
    if agent is None:
        flash(f"Not deleted: there is no agent {agent_id}.")
        return redirect(url_for("admin_pages.directory.agents"))
    if not confirmed():
        return confirm_page(title=f"Delete agent {agent.name} ({agent_id})?",
                            consequences=[f"{agent.name} will no longer be able to sign in to the agent line or the console."],
                            confirm_label=f"Yes, delete {agent.name}",
                            cancel_url=url_for("admin_pages.directory.edit_agent", agent_id=agent_id))
    directory.delete(agent_id)
    flash(f"Agent {agent.name} ({agent_id}) deleted.")
    return redirect(url_for("admin_pages.directory.agents"))


# -- the verification audit ------------------------------------------------------

@bp.get("/audit")
def audit():
    zone = display_zone()
    args = request.args
    errors: dict[str, str] = {}
    since = _day(args.get("from"), zone, "from", errors)
    until = _day(args.get("to"), zone, "to", errors)
    result = args.get("result", "") if args.get("result") in AUDIT_RESULTS else ""
    entries = [] if errors else lookup(AuditLog).search(account=args.get("account", "").strip()[:20], result=result, since=since,
                                                     until=until + timedelta(days=1) if until else None)
    names = {org.account_number: org.name for org in lookup(Directory).all()}
    return render_template("admin/audit.html", entries=entries, args=args, form=args, results=AUDIT_RESULTS, names=names, errors=errors,
                           organisations=sorted(names.items(), key=lambda item: item[1].casefold()))


def _day(value: str | None, zone: str, name: str, errors: dict[str, str]) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=ZoneInfo(zone))
    except ValueError:
        errors[name] = "choose a date"
        return None


def _lines(text: str) -> list[str]:
    return [item.strip() for item in text.replace(",", "\n").splitlines() if item.strip()]
