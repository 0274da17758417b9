"""Logging: every line about a call carries its CallSid; codes and tokens are never logged.

Whatever a message quotes (a Redis error repeats the command it refused, an
exception its input), one filter on the handler masks every phone number and
e-mail address in it, and escapes control characters in it and in the CallSid,
so no value Twilio or a caller sends can forge a log line.

LOG_FORMAT=json gives one JSON object a line for log shippers; the default
is plain text for people.
"""
from __future__ import annotations

import json
import logging

from flask import has_request_context, request

from runtime.masking import mask_contacts, one_line

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(call_sid)s] %(message)s"


class CallContext(logging.Filter):
    """Adds the CallSid of the webhook being served (or "-"); masks contacts and escapes control characters."""

    def filter(self, record: logging.LogRecord) -> bool:
        sid = "-"
        if has_request_context():
            sid = (request.form.get("CallSid") or "-")[:64] if request.method == "POST" and request.form else "-"
        record.call_sid = one_line(sid)
        record.msg, record.args = one_line(mask_contacts(record.getMessage())), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_contacts(logging.Formatter().formatException(record.exc_info))
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                 "call_sid": getattr(record, "call_sid", "-"), "message": record.getMessage()}
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(CallContext())
    handler.setFormatter(JsonLines() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
