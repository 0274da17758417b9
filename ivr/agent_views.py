"""The agent line's webhooks (its Voice URL is /ivr/agent): HTTP in, TwiML out.

Signed like every webhook. A failure here must not queue the agent as a
caller, so it has its own catch-all: an apology and a hang-up.
"""
from __future__ import annotations

import logging

from flask import Blueprint, request
from twilio.twiml.voice_response import VoiceResponse

from ivr.agent_flow import AgentFlow
from ivr.meeting_flow import MeetingFlow
from ivr.webhooks import (
    call_params,
    check_signature,
    form_number,
    observe,
    twiml,
    url_text,
    webhook,
)
from web.registry import lookup

log = logging.getLogger(__name__)

bp = Blueprint("agent_line", __name__, url_prefix="/ivr")
bp.before_request(check_signature)
bp.after_request(observe)


def _agent() -> str:
    return url_text("agent", 12)


@bp.post("/agent")
@webhook
def agent_line():
    call = call_params()
    return lookup(AgentFlow).answer(call.caller, call.attempt)


@bp.post("/agent-id")
@webhook
def agent_id():
    return lookup(AgentFlow).agent_id(call_params().digits)


@bp.post("/agent-pin")
@webhook
def agent_pin():
    call = call_params()
    return lookup(AgentFlow).pin(call.sid, _agent(), call.attempt, call.digits, call.caller)


@bp.post("/agent-next")
@webhook
def agent_next():
    return lookup(AgentFlow).next_caller(call_params().sid, _agent(), announce=bool(request.args.get("announce")))


@bp.post("/agent-wait")
@webhook
def agent_wait():
    call = call_params()
    return lookup(AgentFlow).wait(call.sid, _agent(), call.digits)


@bp.post("/agent-whisper")
@webhook
def agent_whisper():
    return lookup(AgentFlow).whisper(call_params().sid, _agent(), form_number("QueueTime"))


@bp.post("/agent-done")
@webhook
def agent_done():
    return lookup(AgentFlow).done(call_params().sid, _agent())


def _caller() -> str:
    return url_text("call", 64)


@bp.post("/briefing")
@webhook
def briefing():
    """The agent's leg, placed by push routing, answered: the briefing, then the conference."""
    return lookup(MeetingFlow).briefing(_caller(), _agent(), press=request.args.get("press") == "1",
                                        agent_leg=call_params().sid)


@bp.post("/accept")
@webhook
def accept():
    """The agent's key after the briefing (1: take the call)."""
    return lookup(MeetingFlow).accept(_caller(), _agent(), call_params().digits)


@bp.post("/offer-status")
@webhook
def offer_status():
    """The agent's leg's status callback (answered, completed, no-answer, busy, failed, canceled)."""
    return lookup(MeetingFlow).offer_status(_caller(), _agent(), request.form.get("CallStatus", "")[:32])


@bp.post("/conference")
@webhook
def conference():
    """The call's conference events (join, leave, end), requested by the agent's <Conference statusCallback>."""
    form = request.form
    return lookup(MeetingFlow).conference(_caller(), _agent(), form.get("StatusCallbackEvent", "")[:32],
                                          form.get("ParticipantLabel", "")[:32], form.get("ConferenceSid", "")[:64],
                                          form.get("CallSid", "")[:64])


@bp.post("/consult-briefing")
@webhook
def consult_briefing():
    """The AnnounceUrl of an agent consulted in a warm transfer: their briefing, to them alone."""
    return lookup(MeetingFlow).consult_briefing(_caller(), _agent())


@bp.post("/consult-status")
@webhook
def consult_status():
    """The consulted agent's leg's status callback (Participants create StatusCallback)."""
    return lookup(MeetingFlow).consult_status(_caller(), _agent(), request.form.get("CallStatus", "")[:32])


@bp.errorhandler(Exception)
def apologise(error: Exception):
    log.exception("agent line %s failed", request.path)
    response = VoiceResponse()
    response.say("Sorry, the agent line has a technical problem. Please call again.", voice="Polly.Amy", language="en-GB")
    response.hangup()
    return twiml(response)
