"""A stand-in for Twilio Voice: places one inbound call against our webhooks.

It sends what Twilio sends (standard parameters, X-Twilio-Signature) and plays
the answers with Twilio's semantics (`twilio_simulator.twiml_verbs`), so developers without a
Twilio account and our integration tests exercise the same contract.
"""
from __future__ import annotations

import re
import secrets
import urllib.error
import urllib.request
from typing import Callable, Iterable
from urllib.parse import urlencode, urlsplit

import phonenumbers
from twilio.request_validator import RequestValidator

from twilio_simulator.call_transcript import SILENCE, Answer, Event, Transcript, parse_answer
from twilio_simulator.twiml_verbs import Interpreter, ProtocolError

__all__ = ["CallPlayer", "Event", "Transcript", "parse_answer", "http_transport", "flask_transport"]

# post(url, params, headers) -> (status, content_type, body); GET requests add method="GET".
Transport = Callable[..., tuple[int, str, str]]
Answers = Iterable[str] | Callable[[Event], "str | None"]

E164 = re.compile(r"\+[1-9]\d{1,14}")
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
USER_AGENT = "TwilioProxy/1.1"  # what Twilio's webhook requests identify as


class CallPlayer:
    """One caller, one dialled number, a script of answers; `play()` places the call."""

    def __init__(
        self,
        *,
        transport: Transport,
        auth_token: str,
        base_url: str,
        to: str,
        from_: str,
        call_sid: str | None = None,
        answers: Answers = (),
        hold_cycles: int = 1,
        max_requests: int = 60,
        voice_path: str = "/ivr/voice",
        status_path: str = "/ivr/status",
        extra_params: dict[str, str] | None = None,
        on_event: Callable[[Event], None] | None = None,
    ):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base_url must look like http://127.0.0.1:5000, got {base_url!r}")
        if not auth_token:
            raise ValueError("auth_token is empty: Twilio always signs its requests")
        if not E164.fullmatch(to):
            raise ValueError(f"to must be an E.164 number such as +46201605899, got {to!r}")
        if not from_:
            raise ValueError("from_ is empty: use the caller's number, or 'anonymous'")
        if call_sid is not None and not CALL_SID.fullmatch(call_sid):
            raise ValueError(f"call_sid must be 'CA' and 32 lowercase hex digits, got {call_sid!r}")
        if not voice_path.startswith("/") or not status_path.startswith("/"):
            raise ValueError("voice_path and status_path start with '/'")
        if hold_cycles < 0 or max_requests < 1:
            raise ValueError("hold_cycles must be at least 0 and max_requests at least 1")
        if isinstance(answers, str):
            raise ValueError("answers is a list of answers, not one string: use [\"2\", \"1\"]")
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in (extra_params or {}).items()):
            raise ValueError("extra_params maps strings to strings, as Twilio's form parameters do")
        self._transport = transport
        self._validator = RequestValidator(auth_token)
        self._site = base_url.rstrip("/")
        # Parsed now, so that a bad script fails before the call instead of halfway through it.
        self._answers = answers if callable(answers) else [parse_answer(answer) for answer in answers]
        self._hold_cycles, self._max_requests = hold_cycles, max_requests
        self._voice_path, self._status_path = voice_path, status_path
        self._extra_params = dict(extra_params or {})
        self._on_event = on_event
        self.call_sid = call_sid or "CA" + secrets.token_hex(16)
        self._caller = _caller_params("AC" + secrets.token_hex(16), self.call_sid, to, from_)

    def play(self) -> Transcript:
        """Place the call, play it to its end, then post the status callback."""
        self._transcript = Transcript()
        self._script = None if callable(self._answers) else iter(self._answers)
        self._forbidden = False  # after a 403 the server would reject the status callback too
        interpreter = Interpreter(self._fetch_twiml, self._answer, self._record, self._hold_cycles)
        self._transcript.outcome, self._transcript.queue = interpreter.run(self._site + self._voice_path)
        self._transcript.duration = max(1, interpreter.seconds)
        if not self._forbidden:
            self._post_status()
        return self._transcript

    def _record(self, event: Event) -> None:
        self._transcript.events.append(event)
        if self._on_event:
            self._on_event(event)

    def _answer(self, gather: Event) -> Answer:
        if self._script is None:
            return parse_answer(self._answers(gather))
        return next(self._script, SILENCE)  # a finished script is a caller who stays silent

    def _fetch_twiml(self, url: str, method: str, params: dict) -> tuple[int, str, str]:
        if len(self._transcript.requests) >= self._max_requests:
            raise ProtocolError(f"loop: {self._max_requests} requests and the call has not ended (max_requests)")
        call_status = "in-progress" if self._transcript.requests else "ringing"
        status, content_type, body = self._request(url, method, params, call_status)
        self._forbidden = self._forbidden or status == 403
        self._transcript.last_twiml = body
        return status, content_type, body

    def _post_status(self) -> None:
        url = self._site + self._status_path
        try:
            status, _, _ = self._request(url, "POST", {"CallDuration": str(self._transcript.duration)}, "completed")
        except ProtocolError as exc:
            self._record(Event("error", str(exc)))
            return
        if not 200 <= status < 300:
            self._record(Event("error", f"status callback {url} answered HTTP {status}"))

    def _request(self, url: str, method: str, params: dict, call_status: str) -> tuple[int, str, str]:
        """Send one signed webhook request as Twilio does: a POST form, or a GET with a query."""
        params = {**self._caller, "CallStatus": call_status, **params, **self._extra_params}
        body = params
        if method == "GET":
            url += ("&" if "?" in url else "?") + urlencode(params)
            body = {}
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, body), "User-Agent": USER_AGENT}
        self._transcript.requests.append((url, params))
        try:
            if method == "GET":
                status, content_type, text = self._transport(url, body, headers, method="GET")
            else:  # the plain three-argument call every transport supports
                status, content_type, text = self._transport(url, body, headers)
        except OSError as exc:
            raise ProtocolError(f"{method} {url} failed: {exc}") from exc
        self._record(Event("request", url, {"method": method, "status": status}))
        return status, content_type, text


def _caller_params(account_sid: str, call_sid: str, to: str, from_: str) -> dict[str, str]:
    """The parameters Twilio sends with every request of an inbound call."""
    params = {
        "AccountSid": account_sid,
        "ApiVersion": "2010-04-01",
        "CallSid": call_sid,
        "Direction": "inbound",
        "From": from_,
        "To": to,
        "Caller": from_,
        "Called": to,
    }
    for prefix, number in (("From", from_), ("Caller", from_), ("To", to), ("Called", to)):
        params |= {prefix + "Country": _region(number), prefix + "City": "", prefix + "State": "", prefix + "Zip": ""}
    return params


def _region(number: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or ""
    except phonenumbers.NumberParseException:
        return ""  # 'anonymous', 'client:alice': Twilio sends an empty country


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Hand 3xx back as an answer: a webhook that redirects is a bug to see, not to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


def http_transport(timeout: float = 5.0) -> Transport:
    """Send requests over real HTTP with urllib; 4xx and 5xx come back as answers, not exceptions."""
    opener = urllib.request.build_opener(_NoRedirects)

    def post(url: str, params: dict[str, str], headers: dict[str, str], method: str = "POST") -> tuple[int, str, str]:
        data = urlencode(params).encode() if method == "POST" else None
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            response = opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as exc:
            response = exc
        with response:
            charset = response.headers.get_content_charset() or "utf-8"
            return response.status, response.headers.get("Content-Type", ""), response.read().decode(charset, "replace")

    return post


def flask_transport(client) -> Transport:
    """Send requests through a Flask test client, so that request.url equals the URL we signed."""

    def post(url: str, params: dict[str, str], headers: dict[str, str], method: str = "POST") -> tuple[int, str, str]:
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        response = client.open(
            path,
            method=method,
            data=params if method == "POST" else None,
            headers=headers,
            base_url=f"{parts.scheme}://{parts.netloc}",
        )
        return response.status_code, response.headers.get("Content-Type", ""), response.get_data(as_text=True)

    return post
