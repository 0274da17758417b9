"""Twilio's voice webhooks for the caller's call: HTTP in, TwiML out.

Thin by design: each view parses Twilio's parameters (`call_params`) and hands
them to the one flow that answers its step. Two guards stand around every
handler (`ivr.webhooks`): the signature check and the unit of work; and a
catch-all: whatever goes wrong, the caller hears an apology and reaches
technical support, never Twilio's "application error".
"""
from __future__ import annotations

import logging

from flask import Blueprint, request
from twilio.twiml.voice_response import VoiceResponse
from werkzeug.exceptions import RequestEntityTooLarge

from ivr.answer_flow import AnswerFlow
from ivr.callback_calls import CallbackCalls
from ivr.callback_flow import CallbackFlow
from ivr.enqueue import QueueEntry
from ivr.meeting_flow import MeetingFlow
from ivr.queue_flow import QueueFlow
from ivr.taskrouter_flow import TaskRouterFlow
from ivr.verification_flow import VerificationFlow
from ivr.webhooks import (
    call_params,
    check_signature,
    form_number,
    observe,
    twiml,
    url_number,
    url_text,
    webhook,
)
from routing.menu import parse_offer
from routing.queues import QueueName
from runtime.masking import mask_number
from runtime.redis_connection import StoreUnavailable
from web.registry import lookup

log = logging.getLogger(__name__)

bp = Blueprint("ivr", __name__, url_prefix="/ivr")
bp.before_request(check_signature)
bp.after_request(observe)

# Said when even the apology cannot be built: plain, fixed, always valid.
LAST_RESORT = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say voice="Polly.Amy" language="en-GB">We are sorry, we are having technical difficulties. '
    "Please hold while we connect you to technical support.</Say>"
    '<Enqueue waitUrl="hold?lang=en-GB&amp;queue=technical.en.B&amp;recover=1" action="queue-result">technical.en.B</Enqueue>'
    '</Response>'
)


def _nothing():
    return VoiceResponse()


@bp.post("/voice")
@webhook
def voice():
    call = call_params()
    log.info("call %s from %s to %s", call.sid, mask_number(call.caller.e164 if call.caller else ""), call.dialed)
    return lookup(AnswerFlow).answer(call)


@bp.post("/language")
@webhook
def language():
    return lookup(AnswerFlow).language(call_params())


@bp.post("/menu")
@webhook
def menu():
    return lookup(AnswerFlow).menu(call_params())


@bp.post("/severity")
@webhook
def severity():
    return lookup(AnswerFlow).severity(call_params())


@bp.post("/verify-account")
@webhook
def verify_account():
    return lookup(VerificationFlow).account(call_params())


@bp.post("/verify-pick")
@webhook
def verify_pick():
    return lookup(VerificationFlow).pick(call_params())


@bp.post("/verify-channel")
@webhook
def verify_channel():
    """`sent` (in the question's signed URL): how many codes the call had asked for when it was asked."""
    return lookup(VerificationFlow).channel(call_params(), sent=url_number("sent"))


@bp.post("/verify-code")
@webhook
def verify_code():
    return lookup(VerificationFlow).code(call_params(), account=url_text("account", 32), sent=url_number("sent"))


@bp.post("/partner")
@webhook
def partner():
    return lookup(QueueFlow).partner(call_params())


@bp.post("/closed")
@webhook
def closed():
    return lookup(QueueFlow).closed_offer(call_params(), parse_offer(url_text("offer", 16)))


def _hold_without_store():
    """A waitUrl document may hold only Say, Play, Pause, Redirect (and a Gather): music, never a second Enqueue."""
    return lookup(QueueFlow).hold_music(url_text("lang", 16))


@bp.post("/hold")
@webhook(if_store_fails=_hold_without_store)
def hold():
    """The waitUrl: Twilio's QueuePosition, AvgQueueTime and QueueTime with the queue and language we put in it."""
    lookup(TaskRouterFlow).hold_seen(form_number("MaxQueueSize"))  # TaskRouter mode: the workflow's queue raised
    return lookup(QueueFlow).hold(
        request.form.get("CallSid", "")[:64], QueueName.parse(url_text("queue")), url_text("lang", 16),
        form_number("QueuePosition"), form_number("AvgQueueTime"), form_number("QueueTime"),
        recover=call_params() if url_text("recover") == "1" else None,
    )


@bp.post("/meet")
@webhook
def meet():
    """The caller's leg, taken out of the queue (Queue Member update) once the agent is in the room."""
    return lookup(MeetingFlow).meet(call_params().sid)


@bp.post("/requeue")
@webhook
def requeue():
    """The caller's leg after a cold transfer (Calls update Url): into the named queue type, in their place."""
    return lookup(MeetingFlow).requeue(call_params().sid, url_text("queue", 16))


@bp.post("/on-hold")
@webhook
def on_hold():
    """The HoldUrl of a caller the agent put on hold: Say and Play only."""
    return lookup(MeetingFlow).on_hold(url_text("lang", 16))


@bp.post("/callback-meet")
@webhook
def callback_meet():
    """The customer of a callback the router dialled has answered: the agent's room."""
    return lookup(CallbackCalls).meet(url_text("callback", 24), call_params().sid)


@bp.post("/callback-status")
@webhook(if_store_fails=_nothing)
def callback_status():
    """The status callback of that customer's leg: a try that reached nobody is recorded, and retried."""
    return lookup(CallbackCalls).status(url_text("callback", 24), call_params().sid,
                                        request.form.get("CallStatus", "")[:32])


@bp.post("/callback-leave")
@webhook
def callback_leave():
    return lookup(CallbackFlow).leave(call_params())


@bp.post("/callback-confirm")
@webhook
def callback_confirm():
    return lookup(CallbackFlow).confirm(call_params())


@bp.post("/callback-number")
@webhook
def callback_number():
    return lookup(CallbackFlow).other_number(call_params())


def _queue_result_without_store():
    return lookup(QueueFlow).queue_ended(None, request.form.get("QueueResult", "")[:32])


@bp.post("/queue-result")
@webhook(if_store_fails=_queue_result_without_store)
def queue_result():
    """The Enqueue action: a Redis lost while this is written ends in the hang-up, not in a second queue."""
    return lookup(QueueFlow).queue_result(call_params().sid, request.form.get("QueueResult", "")[:32])


@bp.post("/status")
@webhook(if_store_fails=_nothing)
def status():
    call = call_params()
    call_status = request.form.get("CallStatus", "")[:32]
    log.info("call %s status: %s", call.sid, call_status)
    return lookup(QueueFlow).status(call.sid, call_status)


@bp.errorhandler(Exception)
def apologise(error: Exception):
    """Any failure inside a webhook: an apology and the technical queue, with status 200.

    A body over the size limit is no webhook of Twilio's (they are a few kilobytes): 413, unread."""
    if isinstance(error, RequestEntityTooLarge):
        return error
    if isinstance(error, StoreUnavailable):
        log.error("Redis unavailable during %s: %s", request.path, error)
    else:
        log.exception("webhook %s failed", request.path)
    try:
        call = call_params()
        return twiml(lookup(QueueEntry).apology(call.dialed, call.caller, url_text("lang", 16)))
    except Exception:  # the apology itself failed: fall back to fixed TwiML
        log.exception("apology for %s failed", request.path)
        return twiml(LAST_RESORT)
