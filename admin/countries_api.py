"""The country table through the admin API: the YAML file's entry shape, every
write validated whole, versioned, guarded by ETag/If-Match, and rolled back in one call."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, make_response, request

from admin.auth import require_admin
from countries.store import Conflict
from routing.table import TableError
from runtime.services import services

bp = Blueprint("admin_countries", __name__, url_prefix="/admin/api/countries")
bp.before_request(require_admin)


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


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
    version, _ = services().tables.current()
    return jsonify(version=version, **services().tables.document(version)), 200, _etag(version)


@bp.get("/history")
def history():
    return jsonify(versions=[change.__dict__ for change in reversed(services().tables.history())])


@bp.get("/<line_id>")
def get_entry(line_id: str):
    version, _ = services().tables.current()
    entry = services().tables.document(version)["lines"].get(line_id)
    if entry is None:
        return jsonify(error=f"no entry {line_id}"), 404
    return jsonify(entry), 200, _etag(version)


@bp.put("/<line_id>")
def put_entry(line_id: str):
    entry = request.get_json(silent=True)
    if not isinstance(entry, dict):
        return jsonify(errors={line_id: "the body must be an entry object"}), 400
    existed = line_id in services().tables.document()["lines"]
    version = _write(lambda expected: services().tables.put_entry(line_id, entry, author=g.admin, expected=expected))
    return jsonify(services().tables.document(version)["lines"][line_id]), 200 if existed else 201, _etag(version)


@bp.delete("/<line_id>")
def delete_entry(line_id: str):
    try:
        version = _write(lambda expected: services().tables.delete_entry(line_id, author=g.admin, expected=expected))
    except KeyError:
        return jsonify(error=f"no entry {line_id}"), 404
    return "", 204, _etag(version)


@bp.post("/rollback")
def rollback():
    body = request.get_json(silent=True) or {}
    target = body.get("version")
    if not isinstance(target, int) or target < 1:
        return jsonify(errors={"version": "must be a version number from the history"}), 400
    try:
        version = _write(lambda expected: services().tables.rollback(target, author=g.admin, expected=expected))
    except LookupError:
        return jsonify(errors={"version": f"no version {target}"}), 400
    return jsonify(version=version), 200, _etag(version)
