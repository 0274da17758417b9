"""Service-health notices: each with its state now (scheduled, active, expired),
an add form that refuses an id already in use, an edit form, and removal after
a confirmation. Times are picked as a date and a time in a chosen zone."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from admin.page_support import (
    clock,
    confirm_page,
    confirmed,
    display_zone,
    reason,
    tables,
    valid_zone,
)
from admin.readable import notice_state, notice_text, phone
from countries.store import Conflict, replace_notice
from routing.table import TableError
from web.sessions import ADMIN_KEY

bp = Blueprint("notices", __name__)


@bp.get("/notices")
def notices():
    version = tables().current()[0]
    now = clock()
    items = [{**notice, "state": notice_state(notice, now)} for notice in tables().document(version).get("notices", [])]
    return render_template("admin/notices.html", notices=items, version=version)


@bp.route("/notices/new", methods=["GET", "POST"])
def new_notice():
    return _notice_form(None)


@bp.route("/notices/<notice_id>", methods=["GET", "POST"])
def edit_notice(notice_id: str):
    return _notice_form(notice_id)


def _notice_form(notice_id: str | None):
    version, table = tables().current()
    existing = {notice.get("id"): notice for notice in tables().document(version).get("notices", [])}
    if notice_id is not None and notice_id not in existing:
        return render_template("admin/message.html", title="No such notice", message=f"There is no notice {notice_id}."), 404
    languages = _languages(table)
    errors: dict[str, str] = {}
    if request.method == "GET":
        form = to_form(existing[notice_id], display_zone()) if notice_id else {"zone": display_zone()}
        return _page(notice_id, form, errors, version, table, languages)
    form = request.form
    notice = from_form(form, notice_id, languages, [line.id for line in table.lines], errors)
    if notice_id is None and notice.get("id") in existing:
        errors["id"] = f"a notice {notice['id']} exists already; edit it from the list, or choose another id"
    if not errors:
        try:
            new = tables().write(lambda document: {**document, "notices": replace_notice(document.get("notices", []), notice)},
                                 author=session[ADMIN_KEY], action=f"notice {notice['id']}", expected=_int(form.get("version")))
            flash(f"Notice {notice['id']} saved." if new != _int(form.get("version")) else f"Nothing changed in notice {notice['id']}.")
            return redirect(url_for("admin_pages.notices.notices"))
        except Conflict as error:
            errors["form"] = reason(error)
        except TableError as error:
            errors.update(_field_errors(error.by_field()))
    return _page(notice_id, form, errors, _int(form.get("version")), table, languages, status=400)


def _page(notice_id, form, errors, version, table, languages, status: int = 200):
    zones = ["UTC", *sorted({line.timezone for line in table.lines})]
    return render_template("admin/notice_form.html", notice_id=notice_id, form=form, errors=errors, version=version,
                           lines=table.lines, languages=languages, zones=zones, phone=phone), status


@bp.post("/notices/<notice_id>/delete")
def delete_notice(notice_id: str):
    notices_now = tables().document().get("notices", [])
    notice = next((item for item in notices_now if item.get("id") == notice_id), None)
    if notice is None:
        flash(f"Not removed: there is no notice {notice_id}.")
        return redirect(url_for("admin_pages.notices.notices"))
    if not confirmed():
        state = notice_state(notice, clock())
        heard = "Callers will no longer hear it." if state == "active" else "Callers will not hear it."
        return confirm_page(title=f"Remove notice {notice_id}?",
                            consequences=[f"{notice_text(notice, display_zone())}.", heard],
                            confirm_label=f"Yes, remove {notice_id}", cancel_url=url_for("admin_pages.notices.notices"))

    def change(document: dict) -> dict:
        return {**document, "notices": [item for item in document.get("notices", []) if item.get("id") != notice_id]}

    try:
        tables().write(change, author=session[ADMIN_KEY], action=f"notice {notice_id} removed",
                       expected=_int(request.form.get("version")))
        flash(f"Notice {notice_id} removed.")
    except (Conflict, TableError) as error:
        flash(f"Not removed: {reason(error)}")
    return redirect(url_for("admin_pages.notices.notices"))


def to_form(notice: dict, zone: str) -> dict[str, str]:
    form = {"id": notice.get("id", ""), "zone": zone}
    text = notice.get("text")
    for language, value in (text.items() if isinstance(text, dict) else [("en", text or "")]):
        form[f"text-{language.split('-')[0]}"] = value
    for line_id in notice.get("lines") or []:
        form[f"line-{line_id}"] = "on"
    for side in ("from", "to"):
        try:
            moment = datetime.fromisoformat(notice.get(side, "")).astimezone(ZoneInfo(zone))
            form[f"{side}_date"], form[f"{side}_time"] = moment.date().isoformat(), f"{moment:%H:%M}"
        except (TypeError, ValueError):
            pass
    return form


def from_form(form, notice_id: str | None, languages: list[str], line_ids: list[str], errors: dict[str, str]) -> dict:
    """The notice the form describes, in the table's shape; times with the UTC offset of the chosen zone."""
    identifier = notice_id or form.get("id", "").strip()
    if not identifier:
        errors["id"] = "give the notice a short id, e.g. mail-outage"
    elif len(identifier) > 64 or not all(char.isalnum() or char in "-_" for char in identifier):
        errors["id"] = "use letters, digits, - and _ only (at most 64)"
    texts = {language: form.get(f"text-{language}", "").strip() for language in languages}
    texts = {language: text for language, text in texts.items() if text}
    if not texts:
        errors["text-en"] = "write what callers will hear, in at least one language"
    zone = form.get("zone", "UTC")
    if not valid_zone(zone):
        errors["zone"] = "choose a time zone"
        zone = "UTC"
    notice: dict = {"id": identifier, "text": texts}
    for side in ("from", "to"):
        try:
            day = date.fromisoformat(form.get(f"{side}_date", "").strip())
        except ValueError:
            errors[f"{side}_date"] = "choose a date"
            continue
        try:
            hour = time.fromisoformat(form.get(f"{side}_time", "").strip() or "00:00")
        except ValueError:
            errors[f"{side}_time"] = "give a time, e.g. 08:00"
            continue
        notice[side] = datetime.combine(day, hour, tzinfo=ZoneInfo(zone)).isoformat()
    if "from" in notice and "to" in notice and datetime.fromisoformat(notice["to"]) <= datetime.fromisoformat(notice["from"]):
        errors["to_date"] = "must be after the start"
    chosen = [line_id for line_id in line_ids if form.get(f"line-{line_id}")]
    if chosen:
        notice["lines"] = chosen
    return notice


def _field_errors(by_field: dict[str, str]) -> dict[str, str]:
    names = {"id": "id", "text": "text-en", "lines": "lines", "from": "from_date", "to": "to_date"}
    mapped = {}
    for key, message in by_field.items():
        field = key.split(".")[-1] if key.startswith("notices[") else ""
        mapped[names.get(field, "form")] = message
    return mapped


def _languages(table) -> list[str]:
    """English first (every caller may hear it), then every line's languages."""
    return list(dict.fromkeys(["en", *(language.split("-")[0] for line in table.lines for language in line.languages)]))


def _int(value: object, default: int = 0) -> int:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else default
