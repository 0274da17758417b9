"""TaskRouter's callbacks (TaskRouter mode): the Workflow's AssignmentCallbackURL and the Workspace's
EventCallbackURL. Signed like every Twilio webhook (X-Twilio-Signature over the URL and the POST
parameters, https://www.twilio.com/docs/usage/webhooks/webhooks-security); a forged one gets 403.

The assignment callback answers JSON with the instruction
(https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks); the event callback answers
204 No Content with Content-Type application/json, as TaskRouter asks
(https://twilio.com/docs/taskrouter/api/event/reference). Whatever fails (Redis down included), the
assignment is answered `reject` (TaskRouter offers the task again) and the event 204: never a 5xx.
"""
from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, request

from ivr.taskrouter_flow import TaskRouterFlow
from ivr.webhooks import TwilioWebhooks, check_signature, observe
from runtime.unit_of_work import unit_of_work
from web.registry import lookup

log = logging.getLogger(__name__)

bp = Blueprint("taskrouter", __name__, url_prefix="/ivr/taskrouter")
bp.before_request(check_signature)
bp.after_request(observe)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@bp.post("/assignment")
def assignment():
    try:
        with unit_of_work(lookup(TwilioWebhooks).redis):
            instruction = lookup(TaskRouterFlow).assignment(request.form)
    except Exception:
        log.exception("assignment callback failed: the reservation is rejected, TaskRouter offers the task again")
        instruction = {"instruction": "reject"}
    return _json(instruction)


@bp.post("/events")
def events():
    try:
        with unit_of_work(lookup(TwilioWebhooks).redis):
            lookup(TaskRouterFlow).event(request.form)
    except Exception:
        log.exception("event callback %s failed", request.form.get("EventType", "")[:64])
    return Response(status=204, mimetype="application/json")
