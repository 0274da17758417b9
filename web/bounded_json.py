"""Request bodies with bounds: a size the whole app accepts, and JSON no deeper than any real document.

Python's JSON parser raises RecursionError, not ValueError, on a body a few
thousand brackets deep, which Flask's `get_json(silent=True)` does not catch;
and a body a few hundred deep parses but then trips validation, storage or the
answer's own serialisation. So JSON deeper than MAX_DEPTH counts as not JSON
at all: `get_json(silent=True)` gives None, and the endpoint answers its usual 400.
"""
from __future__ import annotations

from flask import Request, current_app, has_app_context, jsonify
from werkzeug.utils import cached_property
from werkzeug.wrappers import Request as WerkzeugRequest
from werkzeug.wsgi import get_content_length

MAX_BODY_BYTES = 1024 * 1024  # the largest real body (a whole country table) is a few tens of kilobytes
MAX_DEPTH = 32  # the country table, the deepest document we take, is six deep


def _app():
    """The app itself, or None outside an app context: Flask's form limits ask `current_app`, and each
    attribute read through that proxy first misses on it (an AttributeError made and dropped), three
    times for every form a webhook parses. The same rules, read from the app."""
    return current_app._get_current_object() if has_app_context() else None


class BoundedRequest(Request):
    max_content_length = MAX_BODY_BYTES

    @cached_property
    def content_length(self) -> int | None:
        """werkzeug's rule (chunked: no length; not a number: 0), read from the environ as werkzeug.wsgi does:
        werkzeug's own goes through the header view, which raises and catches two KeyErrors for the absent
        Transfer-Encoding on every form it parses."""
        return get_content_length(self.environ)

    @property
    def max_form_memory_size(self) -> int | None:
        """Flask's rule: set on the request, else MAX_FORM_MEMORY_SIZE, else werkzeug's default."""
        if self._max_form_memory_size is not None:
            return self._max_form_memory_size
        app = _app()
        return app.config["MAX_FORM_MEMORY_SIZE"] if app else WerkzeugRequest.max_form_memory_size

    @max_form_memory_size.setter
    def max_form_memory_size(self, value: int | None) -> None:
        self._max_form_memory_size = value

    @property
    def max_form_parts(self) -> int | None:
        """Flask's rule: set on the request, else MAX_FORM_PARTS, else werkzeug's default."""
        if self._max_form_parts is not None:
            return self._max_form_parts
        app = _app()
        return app.config["MAX_FORM_PARTS"] if app else WerkzeugRequest.max_form_parts

    @max_form_parts.setter
    def max_form_parts(self, value: int | None) -> None:
        self._max_form_parts = value

    def _load_form_data(self) -> None:
        """werkzeug's parsing, then Flask's debug-mode help for a form read as files (as Flask does it)."""
        WerkzeugRequest._load_form_data(self)
        app = _app()
        if app and app.debug and self.mimetype != "multipart/form-data" and not self.files:
            from flask.debughelpers import attach_enctype_error_multidict

            attach_enctype_error_multidict(self)

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
