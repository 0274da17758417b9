"""The country table through the admin API: the YAML file's entry shape, every
write validated whole, versioned, guarded by ETag/If-Match, and rolled back in one call."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, make_response, request

from admin.auth import require_admin
from countries.store import Conflict, TableStore, replace_notice
from countries.validation import warnings
from prompts.catalogue import Catalogues
from routing.table import TableError
from routing.what_if import instant, what_if
from runtime.clock import Clock
from web.registry import lookup

bp = Blueprint("admin_countries", __name__, url_prefix="/admin/api/countries")
bp.before_request(require_admin)


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


def _warned(response, line_ids: tuple[str, ...] | None = None):
    """The write is accepted; what Twilio cannot do for the entry's languages rides along as
    `Warning: 299` headers (RFC 9111 §5.5's miscellaneous persistent warning), one a language."""
    _, table = lookup(TableStore).current()
    for text in warnings(lookup(Catalogues), table, line_ids):
        response.headers.add("Warning", '299 - "{}"'.format(text.replace('"', "'")))
    return response


def _expected_version() -> int | None:
    """The version the admin read, from If-Match; "*" means "whatever is current"."""
    header = request.headers.get("If-Match", "").strip()
    if header == "*":
        return None
    digits = header.strip('"').removeprefix("W/").strip('"')
    return int(digits) if digits.isdigit() else -1


def _write(action) -> int:
    """Run a table write; stop with 428 (no If-Match), 412 (stale) or 400 (invalid, by field)."""
    if not request.headers.get("If-Match"):
        abort(make_response(jsonify(error='send If-Match with the ETag you read (or "*")'), 428))
    try:
        return action(_expected_version())
    except Conflict as conflict:
        abort(make_response(jsonify(error="the table changed since you read it", version=conflict.current), 412,
                            _etag(conflict.current)))
    except TableError as error:
        abort(make_response(jsonify(errors=error.by_field()), 400))


@bp.get("")
def whole_table():
    version, _ = lookup(TableStore).current()
    return _warned(make_response(jsonify(version=version, **lookup(TableStore).document(version)), 200, _etag(version)))


@bp.get("/history")
def history():
    return jsonify(versions=[change.__dict__ for change in reversed(lookup(TableStore).history())])


@bp.get("/<line_id>")
def get_entry(line_id: str):
    version, _ = lookup(TableStore).current()
    entry = lookup(TableStore).document(version)["lines"].get(line_id)
    if entry is None:
        return jsonify(error=f"no entry {line_id}"), 404
    return _warned(make_response(jsonify(entry), 200, _etag(version)), (line_id,))


@bp.put("/<line_id>")
def put_entry(line_id: str):
    entry = request.get_json(silent=True)
    if not isinstance(entry, dict):
        return jsonify(errors={line_id: "the body must be an entry object"}), 400
    existed = line_id in lookup(TableStore).document()["lines"]
    version = _write(lambda expected: lookup(TableStore).put_entry(line_id, entry, author=g.admin, expected=expected))
    response = make_response(jsonify(lookup(TableStore).document(version)["lines"][line_id]), 200 if existed else 201,
                             _etag(version))
    return _warned(response, (line_id,))


@bp.delete("/<line_id>")
def delete_entry(line_id: str):
    try:
        version = _write(lambda expected: lookup(TableStore).delete_entry(line_id, author=g.admin, expected=expected))
    except KeyError:
        return jsonify(error=f"no entry {line_id}"), 404
    return "", 204, _etag(version)


@bp.post("/rollback")
def rollback():
    body = request.get_json(silent=True)
    target = body.get("version") if isinstance(body, dict) else None
    if not isinstance(target, int) or target < 1:
        return jsonify(errors={"version": "must be a version number from the history"}), 400
    try:
        version = _write(lambda expected: lookup(TableStore).rollback(target, author=g.admin, expected=expected))
    except LookupError:
        return jsonify(errors={"version": f"no version {target}"}), 400
    return jsonify(version=version), 200, _etag(version)


@bp.put("/<line_id>/emergency")
def switch_on(line_id: str):
    """{"message": {"en": ...}, "queues": [...]}: closes the line's queues now, until switched off."""
    switch = request.get_json(silent=True)
    return _edit(line_id, lambda entry: {**entry, "emergency": switch}, f"emergency on {line_id}")


@bp.delete("/<line_id>/emergency")
def switch_off(line_id: str):
    return _edit(line_id, lambda entry: {key: value for key, value in entry.items() if key != "emergency"},
                 f"emergency off {line_id}")


def _edit(line_id: str, edit, action: str):
    try:
        version = _write(lambda expected: lookup(TableStore).edit_entry(line_id, edit, author=g.admin, action=action,
                                                                       expected=expected))
    except KeyError:
        return jsonify(error=f"no entry {line_id}"), 404
    return jsonify(version=version), 200, _etag(version)


notices_bp = Blueprint("admin_notices", __name__, url_prefix="/admin/api/notices")
notices_bp.before_request(require_admin)


@notices_bp.get("")
def list_notices():
    version, _ = lookup(TableStore).current()
    return jsonify(notices=lookup(TableStore).document(version).get("notices", [])), 200, _etag(version)


@notices_bp.put("/<notice_id>")
def put_notice(notice_id: str):
    notice = request.get_json(silent=True)
    if not isinstance(notice, dict):
        return jsonify(errors={"notice": "the body must be a notice object"}), 400
    notice = {**notice, "id": notice_id}

    def change(document: dict) -> dict:
        return {**document, "notices": replace_notice(document.get("notices", []), notice)}

    version = _write(lambda expected: lookup(TableStore).write(change, author=g.admin, action=f"notice {notice_id}", expected=expected))
    return jsonify(notice), 200, _etag(version)


@notices_bp.delete("/<notice_id>")
def delete_notice(notice_id: str):
    def change(document: dict) -> dict:
        notices = document.get("notices", [])
        if not any(item.get("id") == notice_id for item in notices):
            raise KeyError(notice_id)
        return {**document, "notices": [item for item in notices if item.get("id") != notice_id]}

    try:
        version = _write(lambda expected: lookup(TableStore).write(change, author=g.admin, action=f"notice {notice_id} removed",
                                                                  expected=expected))
    except KeyError:
        return jsonify(error=f"no notice {notice_id}"), 404
    return "", 204, _etag(version)


what_if_bp = Blueprint("admin_what_if", __name__, url_prefix="/admin/api/what-if")
what_if_bp.before_request(require_admin)


@what_if_bp.get("")
def what_if_view():
    """?to=+46201605899&from=+46701234567&at=2026-12-24T10:00:00+01:00 (at defaults to now)."""
    at = instant(request.args.get("at"), lookup(Clock)())
    if at is None:
        return jsonify(errors={"at": "must be a date and time with its UTC offset"}), 400
    version, table = lookup(TableStore).current()
    return jsonify(version=version, **what_if(table, request.args.get("to", ""), request.args.get("from", ""), at))
