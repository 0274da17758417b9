"""The parts the bootstrap built, each found by its type.

A view asks for the one part it calls (`lookup(AnswerFlow)`), never for a bag
of everything: what a view can reach is what it names. The bootstrap is the
only writer; the registry lives on the Flask app, so two apps in one process
(tests) never share parts.
"""
from __future__ import annotations

from typing import TypeVar

from flask import Flask, current_app

EXTENSION = "support_router.parts"
T = TypeVar("T")


class Parts:
    def __init__(self):
        self._by_type: dict[type, object] = {}

    def add(self, part: object, as_type: type | None = None) -> None:
        """Register `part` under its own class (or `as_type`: a protocol it fulfils); once per type."""
        kind = as_type or type(part)
        if kind in self._by_type:
            raise ValueError(f"{kind.__name__} is registered twice")
        self._by_type[kind] = part

    def get(self, kind: type[T]) -> T:
        try:
            return self._by_type[kind]  # type: ignore[return-value]
        except KeyError:
            raise LookupError(f"no {kind.__name__} was built for this app") from None


def install(app: Flask, parts: Parts) -> None:
    app.extensions[EXTENSION] = parts


def parts_of(app: Flask) -> Parts:
    return app.extensions[EXTENSION]


def lookup(kind: type[T]) -> T:
    """The app's `kind` part, inside a request or app context (the app itself, not an attribute read through
    Flask's `current_app` proxy, which first misses on the proxy: views and guards look up on every request)."""
    return current_app._get_current_object().extensions[EXTENSION].get(kind)
