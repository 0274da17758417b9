"""The admins' web pages: the table at a glance, an edit form per entry with
errors beside their fields, history with diffs and rollback, notices, what-if.

Thin: each view turns a form into a call on the same TableStore the JSON API
uses, so the rules, the versions and the history are the same.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from admin.entry_form import field_errors, from_form, to_form
from web.sessions import (
    ADMIN_KEY,
    check_csrf,
    csrf_token,
    end_session,
    signed_in_admin,
    start_session,
)
from countries.store import Conflict
from public_pages.numbers import describe_line
from routing.table import TableError
from routing.what_if import instant, what_if
from bootstrap import services

bp = Blueprint("admin_pages", __name__, url_prefix="/admin")


@bp.before_request
def guard():
    check_csrf()
    if request.endpoint != "admin_pages.sign_in_page" and signed_in_admin() is None:
        return redirect(url_for("admin_pages.sign_in_page", next=request.path))
    return None


@bp.context_processor
def page_context():
    return {"csrf_token": csrf_token, "admin": signed_in_admin()}


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in_page():
    error = None
    if request.method == "POST":
        name = services().admin_tokens.holder(request.form.get("token", "").strip())
        if name:
            start_session(ADMIN_KEY, name)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/admin") else url_for("admin_pages.overview"))
        error = "That token is not valid."
    return render_template("admin/sign_in.html", error=error), 401 if error else 200


@bp.post("/sign-out")
def sign_out():
    end_session()
    return redirect(url_for("admin_pages.sign_in_page"))


@bp.get("")
def overview():
    version, table = services().tables.current()
    now = services().clock()
    document = services().tables.document(version)
    return render_template("admin/overview.html", version=version, lines=[describe_line(line, now) for line in table.lines],
                           emergencies={line_id for line_id, entry in document["lines"].items() if entry.get("emergency")},
                           notices=document.get("notices", []))


@bp.get("/lines/new")
def new_line():
    """The overview's "add a line" form: to the new entry's edit form (no script, so the CSP needs no inline code)."""
    line_id = request.args.get("id", "").strip().upper()[:16]
    if not line_id.isalnum():
        flash("Give the new line an id of letters and digits, e.g. NO.")
        return redirect(url_for("admin_pages.overview"))
    return redirect(url_for("admin_pages.edit_line", line_id=line_id, new=1))


@bp.route("/lines/<line_id>", methods=["GET", "POST"])
def edit_line(line_id: str):
    version, _ = services().tables.current()
    entry = services().tables.document(version)["lines"].get(line_id)
    if request.method == "GET":
        if entry is None and request.args.get("new") is None:
            return render_template("admin/message.html", message=f"There is no entry {line_id}."), 404
        return render_template("admin/edit.html", line_id=line_id, form=to_form(entry or {}), errors={}, version=version,
                               is_new=entry is None)
    errors: dict[str, str] = {}
    submitted = from_form(request.form, errors)
    expected = int(request.form.get("version", "0") or 0)
    if not errors:
        try:
            new = services().tables.put_entry(line_id, submitted, author=signed_in_admin(), expected=expected)
            flash(f"Saved {line_id} as version {new}.")
            return redirect(url_for("admin_pages.overview"))
        except Conflict as conflict:
            errors["form"] = (f"Someone else changed the table (now version {conflict.current}) since you opened this form. "
                              "Reload to see their change, then make yours again.")
        except TableError as error:
            errors.update(field_errors(line_id, error.by_field()))
    return render_template("admin/edit.html", line_id=line_id, form=request.form, errors=errors, version=expected,
                           is_new=entry is None), 400


@bp.post("/lines/<line_id>/delete")
def delete_line(line_id: str):
    try:
        new = services().tables.delete_entry(line_id, author=signed_in_admin(), expected=int(request.form.get("version", 0)))
        flash(f"Deleted {line_id}; the table is now version {new}.")
    except (Conflict, TableError, KeyError) as error:
        flash(f"Not deleted: {_reason(error)}")
    return redirect(url_for("admin_pages.overview"))


@bp.get("/history")
def history():
    changes = list(reversed(services().tables.history()))
    return render_template("admin/history.html", changes=changes, diffs={c.version: _diff(c.changed) for c in changes},
                           current=changes[0].version if changes else 0)


@bp.post("/rollback")
def rollback():
    try:
        new = services().tables.rollback(int(request.form["target"]), author=signed_in_admin(),
                                         expected=int(request.form.get("version", 0)))
        flash(f"Rolled back to version {request.form['target']}; the table is now version {new}.")
    except (Conflict, TableError, LookupError, ValueError) as error:
        flash(f"Not rolled back: {_reason(error)}")
    return redirect(url_for("admin_pages.history"))


@bp.route("/notices", methods=["GET", "POST"])
def notices():
    version, _ = services().tables.current()
    errors: dict[str, str] = {}
    if request.method == "POST":
        notice = {
            "id": request.form.get("id", "").strip(),
            "text": {lang: text.strip() for lang, text in (line.split(":", 1) for line in request.form.get("text", "").splitlines()
                                                           if ":" in line)},
            "from": request.form.get("from", "").strip(), "to": request.form.get("to", "").strip(),
        }
        lines = [item.strip() for item in request.form.get("lines", "").split(",") if item.strip()]
        if lines:
            notice["lines"] = lines

        def change(document: dict) -> dict:
            others = [item for item in document.get("notices", []) if item.get("id") != notice["id"]]
            return {**document, "notices": others + [notice]}

        try:
            services().tables.write(change, author=signed_in_admin(), action=f"notice {notice['id']}",
                                    expected=int(request.form.get("version", 0)))
            flash(f"Notice {notice['id']} saved.")
            return redirect(url_for("admin_pages.notices"))
        except (Conflict, TableError) as error:
            errors = error.by_field() if isinstance(error, TableError) else {"form": _reason(error)}
    document = services().tables.document()
    return render_template("admin/notices.html", notices=document.get("notices", []), version=version, errors=errors,
                           form=request.form), 400 if errors else 200


@bp.post("/notices/<notice_id>/delete")
def delete_notice(notice_id: str):
    def change(document: dict) -> dict:
        return {**document, "notices": [item for item in document.get("notices", []) if item.get("id") != notice_id]}

    try:
        services().tables.write(change, author=signed_in_admin(), action=f"notice {notice_id} removed",
                                expected=int(request.form.get("version", 0)))
        flash(f"Notice {notice_id} removed.")
    except (Conflict, TableError) as error:
        flash(f"Not removed: {_reason(error)}")
    return redirect(url_for("admin_pages.notices"))


@bp.get("/what-if")
def what_if_page():
    answer, error = None, None
    if request.args.get("to"):
        at = instant(request.args.get("at"), services().clock())
        if at is None:
            error = "Give the instant with its UTC offset, e.g. 2026-12-24T10:00:00+01:00."
        else:
            answer = what_if(services().tables.current()[1], request.args["to"], request.args.get("from", ""), at)
    return render_template("admin/what_if.html", answer=answer, error=error, args=request.args)


def _reason(error: Exception) -> str:
    if isinstance(error, Conflict):
        return f"the table changed meanwhile (now version {error.current}); reload and try again"
    return str(error)


def _diff(changed: dict) -> list[tuple[str, str, str]]:
    """(path, before, after) for every value that differs, e.g. ("GB.queues.billing.hours", "Mon-Fri 09:00-17:00", ...)."""
    rows = []
    for key, sides in changed.items():
        before, after = _flatten(sides.get("before"), key), _flatten(sides.get("after"), key)
        for path in sorted(set(before) | set(after)):
            if before.get(path) != after.get(path):
                rows.append((path, before.get(path, "—"), after.get(path, "—")))
    return rows


def _flatten(value, prefix: str) -> dict[str, str]:
    if isinstance(value, dict):
        return {path: text for key, item in value.items() for path, text in _flatten(item, f"{prefix}.{key}").items()}
    if value is None:
        return {}
    return {prefix: ", ".join(map(str, value)) if isinstance(value, list) else str(value)}
