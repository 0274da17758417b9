"""Bearer-token authentication for the admin API: who is asking, by token name."""
from __future__ import annotations

from flask import g, jsonify, request

from admin.tokens import AdminTokens
from web.registry import lookup

BEARER = "Bearer "


def admin_name(tokens: AdminTokens) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith(BEARER):
        return None
    return tokens.holder(header[len(BEARER):].strip())


def require_admin():
    """A blueprint's before_request: 401 unless a known admin token is presented; its name in g.admin."""
    name = admin_name(lookup(AdminTokens))
    if name is None:
        return jsonify(error="a valid admin bearer token is required"), 401, {"WWW-Authenticate": "Bearer"}
    g.admin = name
    return None
