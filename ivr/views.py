"""Twilio's voice webhooks: HTTP in, TwiML out.

Thin by design: read Twilio's parameters, hand them to `CallFlow`, return its
TwiML. Two guards stand around every handler: the signature check (a forged
request gets 403 and changes nothing) and the catch-all (whatever goes wrong,
the caller hears an apology and reaches technical support, never Twilio's
"application error").
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Response, g, request
from twilio.request_validator import (
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    compare,
    get_signature_algorithm,
)
from twilio.twiml.voice_response import VoiceResponse

from ivr.flow import MAX_ATTEMPTS
from ivr.verification_flow import SENDING_STEPS
from routing.numbers import caller_e164
from runtime.masking import mask_number
from runtime.metrics import WEBHOOK_SECONDS
from runtime.redis_connection import StoreUnavailable
from bootstrap import services
from runtime.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

bp = Blueprint("ivr", __name__, url_prefix="/ivr")

MAX_FIELD = 256  # longer values are not Twilio's; cut them rather than trip over them
# Said when even the apology cannot be built: plain, fixed, always valid.
LAST_RESORT = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Say voice="Polly.Amy" language="en-GB">We are sorry, we are having technical difficulties. '
    "Please hold while we connect you to technical support.</Say>"
    '<Enqueue waitUrl="hold?lang=en-GB&amp;queue=technical.en.B" action="queue-result">technical.en.B</Enqueue></Response>'
)


@dataclass(frozen=True)
class CallParams:
    sid: str
    dialed: str
    caller: str
    digits: str
    speech: str


def call_params() -> CallParams:
    form = request.form
    caller = form.get("From", "")[:MAX_FIELD]
    return CallParams(
        sid=form.get("CallSid", "")[:64],
        dialed=form.get("To", "")[:MAX_FIELD],
        caller=caller,
        digits=form.get("Digits", "")[:32],
        speech=form.get("SpeechResult", "")[:MAX_FIELD],
    )


def twiml(response: VoiceResponse | str) -> Response:
    return Response(str(response), mimetype="text/xml")


def webhook(handler: Callable[..., VoiceResponse]) -> Callable[..., Response]:
    """The handler's writes reach Redis together (one round trip) before its TwiML leaves."""
    @functools.wraps(handler)
    def answer(*args, **kwargs) -> Response:
        with unit_of_work(services().redis):
            response = handler(*args, **kwargs)
        return twiml(response)
    return answer


def attempt() -> int:
    try:
        return min(max(int(request.args.get("attempt", "1")), 1), MAX_ATTEMPTS)
    except ValueError:
        return 1


def check_signature():
    """Twilio signs the exact URL it requested plus the POST parameters."""
    g.started = time.perf_counter()
    found = services()
    base = found.settings.public_base_url
    url = base + (request.full_path if request.query_string else request.path) if base else request.url
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    if not signed_by_twilio(found.signatures, url, request.form, request.headers.get("X-Twilio-Signature", ""), algorithm):
        log.warning("rejected unsigned or forged request to %s", request.path)
        return Response("invalid Twilio signature\n", status=403, mimetype="text/plain")
    return None


def signed_by_twilio(validator: RequestValidator, url: str, form, signature: str, algorithm: str) -> bool:
    """The signature of the exact URL first, as Twilio signs it: one HMAC for a genuine request.
    Anything else gets the library's whole check (the URL with and without its port, the algorithms)."""
    try:
        if compare(validator.compute_signature(url, form, algorithm), signature):
            return True
    except ValueError:  # an algorithm the library does not know: its own check says no, and logs it
        pass
    return validator.validate(url, form, signature, algorithm)


bp.before_request(check_signature)


@bp.after_request
def observe(response):
    if "started" in g:
        WEBHOOK_SECONDS.labels(request.endpoint or "unknown").observe(time.perf_counter() - g.started)
    return response


@bp.post("/voice")
@webhook
def voice():
    call = call_params()
    number = caller_e164(call.caller)
    log.info("call %s from %s to %s", call.sid, mask_number(number), call.dialed)
    return services().flow.answer(call.sid, call.dialed, call.caller, number)


@bp.post("/<any(language, menu, severity):step>")
@webhook
def step(step: str):
    call = call_params()
    flow = services().flow
    state = flow.restore(call.sid, call.dialed, call.caller)
    return getattr(flow, step)(state, attempt(), call.digits, call.speech)


@bp.post("/<any('verify-account', 'verify-pick', 'verify-channel', 'verify-code'):step>")
@webhook
def verify(step: str):
    call = call_params()
    flow = services().flow
    name = step.removeprefix("verify-")
    account, code = flow.verification.read_along(name, call.digits, request.args.get("account", "")[:32])
    state = flow.restore(call.sid, call.dialed, call.caller, account=account, code=code)
    handler = getattr(flow.verification, name)
    if name in SENDING_STEPS:
        return handler(state, flow.prompts(state), attempt(), call.digits, sent=request.args.get("sent", "")[:12])
    return handler(state, flow.prompts(state), attempt(), call.digits)


@bp.post("/partner")
@webhook
def partner():
    call = call_params()
    flow = services().flow
    state = flow.restore(call.sid, call.dialed, call.caller)
    return flow.verification.partner(state, flow.prompts(state), call.digits)


@bp.post("/closed")
@webhook
def closed():
    call = call_params()
    flow = services().flow
    state = flow.restore(call.sid, call.dialed, call.caller)
    return flow.closed_offer(state, request.args.get("offer", ""), call.digits, call.speech)


@bp.post("/hold")
@webhook
def hold():
    return services().flow.hold(
        request.form.get("CallSid", "")[:64],
        request.args.get("queue", "")[:64],
        request.args.get("lang", "")[:16],
        _int(request.form.get("QueuePosition")),
        _int(request.form.get("AvgQueueTime")),
        _int(request.form.get("QueueTime")),
    )


@bp.post("/callback-leave")
@webhook
def callback_leave():
    call = call_params()
    flow = services().flow
    return flow.callbacks.leave(flow.known(call.sid), call.digits)


@bp.post("/<any('callback-confirm', 'callback-number'):step>")
@webhook
def callback_step(step: str):
    call = call_params()
    flow = services().flow
    state = flow.restore(call.sid, call.dialed, call.caller)
    handler = flow.callbacks.confirm if step == "callback-confirm" else flow.callbacks.other_number
    return handler(state, flow.prompts(state), attempt(), call.digits)


@bp.post("/queue-result")
@webhook
def queue_result():
    call = call_params()
    return services().flow.queue_result(call.sid, request.form.get("QueueResult", "")[:32])


@bp.post("/status")
@webhook
def status():
    call = call_params()
    log.info("call %s ended: %s", call.sid, request.form.get("CallStatus", ""))
    return services().flow.status(call.sid, request.form.get("CallStatus", "")[:32])


@bp.errorhandler(Exception)
def apologise(error: Exception):
    """Any failure inside a webhook: an apology and the technical queue, with status 200."""
    if isinstance(error, StoreUnavailable):
        log.error("Redis unavailable during %s: %s", request.path, error)
    else:
        log.exception("webhook %s failed", request.path)
    try:
        call = call_params()
        return twiml(services().flow.apology(call.dialed, call.caller))
    except Exception:  # the apology itself failed: fall back to fixed TwiML
        log.exception("apology for %s failed", request.path)
        return twiml(LAST_RESORT)


def _int(value: str | None) -> int:
    try:
        return int((value or "0")[:12])
    except ValueError:
        return 0
