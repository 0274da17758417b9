"""Logging: every line about a call carries its CallSid; numbers are masked
where they are logged (runtime.masking); codes and tokens are never logged.

LOG_FORMAT=json gives one JSON object a line for log shippers; the default
is plain text for people.
"""
from __future__ import annotations

import json
import logging

from flask import has_request_context, request

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(call_sid)s] %(message)s"


class CallContext(logging.Filter):
    """Adds the CallSid of the webhook being served (or "-")."""

    def filter(self, record: logging.LogRecord) -> bool:
        sid = "-"
        if has_request_context():
            sid = (request.form.get("CallSid") or "-")[:64] if request.method == "POST" and request.form else "-"
        record.call_sid = sid
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "call_sid": getattr(record, "call_sid", "-"), "message": record.getMessage()}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(CallContext())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
