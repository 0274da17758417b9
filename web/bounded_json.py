"""Request bodies with bounds: a size the whole app accepts, and JSON no deeper than any real document.

Python's JSON parser raises RecursionError, not ValueError, on a body a few
thousand brackets deep, which Flask's `get_json(silent=True)` does not catch;
and a body a few hundred deep parses but then trips validation, storage or the
answer's own serialisation. So JSON deeper than MAX_DEPTH counts as not JSON
at all: `get_json(silent=True)` gives None, and the endpoint answers its usual 400.
"""
from __future__ import annotations

from flask import Request, jsonify

MAX_BODY_BYTES = 1024 * 1024  # the largest real body (a whole country table) is a few tens of kilobytes
MAX_DEPTH = 32  # the country table, the deepest document we take, is six deep


class BoundedRequest(Request):
    max_content_length = MAX_BODY_BYTES

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            value = super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            value = None
        if value is not None and too_deep(value):
            value = None
        if value is None and not silent and self.is_json:
            return self.on_json_loading_failed(None)
        return value


def too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """Whether `value` nests lists and objects more than `limit` deep (walked without recursion)."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def too_large(error):
    """413 as JSON: the API clients that meet it read JSON (closed: the rest of the body is not read)."""
    return jsonify(error="the request body is too large"), 413, {"Connection": "close"}
