"""The agent line's webhooks (its Voice URL is /ivr/agent): HTTP in, TwiML out.

Signed like every webhook. A failure here must not queue the agent as a
caller, so it has its own catch-all: an apology and a hang-up.
"""
from __future__ import annotations

import logging

from flask import Blueprint, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.views import attempt, call_params, check_signature, twiml, webhook
from routing.numbers import caller_e164
from bootstrap import services

log = logging.getLogger(__name__)

bp = Blueprint("agent_line", __name__, url_prefix="/ivr")
bp.before_request(check_signature)


def _agent() -> str:
    return request.args.get("agent", "")[:12]


@bp.post("/agent")
@webhook
def agent_line():
    return services().agent_flow.answer(caller_e164(call_params().caller))


@bp.post("/agent-id")
@webhook
def agent_id():
    return services().agent_flow.agent_id(call_params().digits)


@bp.post("/agent-pin")
@webhook
def agent_pin():
    call = call_params()
    return services().agent_flow.pin(call.sid, _agent(), attempt(), call.digits, caller_e164(call.caller))


@bp.post("/agent-next")
@webhook
def agent_next():
    return services().agent_flow.next_caller(call_params().sid, _agent(), announce=bool(request.args.get("announce")))


@bp.post("/agent-wait")
@webhook
def agent_wait():
    call = call_params()
    return services().agent_flow.wait(call.sid, _agent(), call.digits)


@bp.post("/agent-whisper")
@webhook
def agent_whisper():
    queue_time = request.form.get("QueueTime", "0")[:12]
    return services().agent_flow.whisper(call_params().sid, _agent(), int(queue_time) if queue_time.isdigit() else 0)


@bp.post("/agent-done")
@webhook
def agent_done():
    return services().agent_flow.done(call_params().sid, _agent())


@bp.errorhandler(Exception)
def apologise(error: Exception):
    log.exception("agent line %s failed", request.path)
    response = VoiceResponse()
    response.say("Sorry, the agent line has a technical problem. Please call again.", voice="Polly.Amy", language="en-GB")
    response.hangup()
    return twiml(response)
