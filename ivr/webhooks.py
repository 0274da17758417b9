"""What stands around every Twilio webhook: the signature check, Twilio's
parameters parsed once into `CallParams`, and the unit of work that sends a
handler's writes to Redis together before its TwiML leaves.

A forged request gets 403 and changes nothing. A handler's answer leaves only
once its writes have landed; if they cannot land, the handler's own
`if_store_fails` answer goes out instead (or the blueprint's catch-all).
"""
from __future__ import annotations

import functools
import hmac
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import redis
from flask import Request, Response, request
from twilio.request_validator import (
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.voice_response import VoiceResponse

from ivr.call_context import CallParams
from runtime.metrics import WEBHOOK_SECONDS
from runtime.redis_connection import StoreUnavailable
from runtime.settings import is_loopback
from runtime.twiml_document import document
from runtime.unit_of_work import unit_of_work
from web.registry import lookup

log = logging.getLogger(__name__)

SETTINGS_HEADER_KEY = "HTTP_" + SIGNATURE_SETTINGS_HEADER.upper().replace("-", "_")  # as WSGI names it
STARTED = "router.webhook_started"  # in the request's environ: when the signature check began (for the timer)
MAX_FIELD = 256  # longer values are not Twilio's; cut them rather than trip over them


class TwilioWebhooks:
    """The account's signature check (against the address Twilio signs) and the webhooks' Redis."""

    def __init__(self, *, validator: RequestValidator, public_base_url: str | None, redis_client: redis.Redis):
        self._validator = validator
        self._public_base_url = public_base_url
        self.redis = redis_client

    def public_url(self, path: str) -> str | None:
        """The address Twilio requested, when PUBLIC_BASE_URL names it (else the request's own URL stands)."""
        return self._public_base_url + path if self._public_base_url else None

    def signed(self, url: str, form, signature: str, settings_header: str | None) -> bool:
        """Twilio signs the exact URL it requested plus the POST parameters."""
        algorithm = get_signature_algorithm(settings_header)
        try:  # the signature of the exact URL first, as Twilio signs it: one HMAC for a genuine request
            expected = self._validator.compute_signature(url, _SignedForm(form), algorithm)
            if hmac.compare_digest(expected.encode(), signature.encode()):  # in constant time, as the library's compare
                return True
        except ValueError:  # an algorithm the library does not know: its own check says no, and logs it
            pass
        # Anything else gets the library's whole check (the URL with and without its port, the algorithms).
        return self._validator.validate(url, form, signature, algorithm)


class _SignedForm:
    """Twilio's parameters as the library's `compute_signature` reads them: it asks for each one's values
    with `getall` first, which werkzeug's MultiDict lacks (it has `getlist`), so it would raise and catch
    an AttributeError for every parameter, some twenty a webhook. The same values, asked for by that name."""

    __slots__ = ("_form", "getall")

    def __init__(self, form):
        self._form = form
        self.getall = form.getlist

    def __iter__(self):
        return iter(self._form)

    def __len__(self) -> int:
        return len(self._form)


def current_request() -> Request:
    """The request itself, for code that reads many of its attributes: each read through Flask's `request`
    proxy first misses on the proxy (an AttributeError made and dropped) before it is passed on."""
    return request._get_current_object()


def check_signature():
    """A blueprint's before_request: 403 for anything Twilio did not sign."""
    request = current_request()
    request.environ[STARTED] = time.perf_counter()
    webhooks = lookup(TwilioWebhooks)
    url = webhooks.public_url(request.full_path if request.query_string else request.path)
    if url is None and not is_loopback(urlsplit(request.host_url).hostname):
        # Without PUBLIC_BASE_URL the URL would come from the Host header, and a signature Twilio made for
        # another host (another app on the same account) would check: only a developer's loopback may do that.
        log.warning("refused a webhook for host %s: set PUBLIC_BASE_URL to the address Twilio calls", request.host[:64])
        return Response("set PUBLIC_BASE_URL to check signatures for this host\n", status=403, mimetype="text/plain")
    url = url or request.url
    environ = request.environ  # the headers as the server passed them (werkzeug's get raises for a missing one)
    if not webhooks.signed(url, request.form, environ.get("HTTP_X_TWILIO_SIGNATURE", ""), environ.get(SETTINGS_HEADER_KEY)):
        log.warning("rejected unsigned or forged request to %s", request.path)
        return Response("invalid Twilio signature\n", status=403, mimetype="text/plain")
    return None


def observe(response):
    """A blueprint's after_request: how long the webhook took, by endpoint."""
    request = current_request()
    started = request.environ.get(STARTED)
    if started is not None:
        endpoint = request.endpoint or "unknown"
        timer = _timers.get(endpoint)
        if timer is None:  # labels() validates and locks on every call: once per endpoint is enough
            timer = _timers.setdefault(endpoint, WEBHOOK_SECONDS.labels(endpoint))
        timer.observe(time.perf_counter() - started)
    return response


_timers: dict = {}


def call_params() -> CallParams:
    """Twilio's parameters for this webhook, parsed once: the caller's number, the keys, the attempt."""
    request = current_request()
    form = request.form
    return CallParams(
        sid=_field(form, "CallSid")[:64],
        dialed=_field(form, "To")[:MAX_FIELD],
        sent_from=_field(form, "From")[:MAX_FIELD],
        digits=_field(form, "Digits")[:32],
        finished_on_key=_field(form, "FinishedOnKey")[:1],
        speech=_field(form, "SpeechResult")[:MAX_FIELD],
        attempt=_number(_field(request.args, "attempt"), 1),
        attestation=_field(form, "StirVerstat")[:64],
    )


def _field(form, name: str) -> str:
    """A parameter, "" when absent (asked first: werkzeug's get raises and catches an exception for a missing one)."""
    return form[name] if name in form else ""  # noqa: SIM401 (the point is not to call get)


def url_number(name: str, default: int = 0) -> int:
    """A whole number the router put in its own (signed) URL; `default` for anything else."""
    return _number(_field(current_request().args, name), default)


def form_number(name: str, default: int = 0) -> int:
    """A whole number among Twilio's parameters (QueuePosition, QueueTime, ...); `default` for anything else."""
    return _number(_field(current_request().form, name), default)


def _number(text: str, default: int) -> int:
    text = text[:12]
    return int(text) if text.isdigit() else default


def url_text(name: str, limit: int = 64) -> str:
    return _field(current_request().args, name)[:limit]


def twiml(response: VoiceResponse | str) -> Response:
    """The answer: `str(response)`'s characters, written without the library's ElementTree round (`document`)."""
    return Response(response if isinstance(response, str) else document(response), mimetype="text/xml")


def webhook(handler: Callable[..., VoiceResponse] | None = None, *,
            if_store_fails: Callable[[], VoiceResponse] | None = None):
    """The handler's writes reach Redis together (one round trip) before its TwiML leaves.

    `if_store_fails` answers instead when they cannot (Redis down at the end of the step);
    without it, the failure goes to the blueprint's catch-all."""
    def wrap(handler: Callable[..., VoiceResponse]) -> Callable[..., Response]:
        @functools.wraps(handler)
        def answer(*args, **kwargs) -> Response:
            try:
                with unit_of_work(lookup(TwilioWebhooks).redis):
                    response = handler(*args, **kwargs)
            except StoreUnavailable as error:
                if if_store_fails is None:
                    raise
                log.error("Redis unavailable during %s: %s", request.path, error)
                return twiml(if_store_fails())
            return twiml(response)
        return answer
    return wrap(handler) if handler is not None else wrap
