"""A stand-in for Twilio Voice: places calls against our webhooks.

It sends what Twilio sends (standard parameters, X-Twilio-Signature) and plays
the answers with Twilio's semantics (`twilio_simulator.twiml_verbs`), so developers without a
Twilio account and our integration tests exercise the same contract. A
`Switchboard` holds every leg, queue and conference of one account; a
`CallPlayer` is one inbound call on it.
"""
from __future__ import annotations

import re
import secrets
import threading
import urllib.error
import urllib.request
from contextlib import contextmanager
from typing import Callable, Iterable
from urllib.parse import urlencode, urlsplit

import phonenumbers
from twilio.request_validator import RequestValidator

from twilio_simulator.call_transcript import Event, Transcript, parse_answer
from twilio_simulator.twiml_verbs import CALL, Engine, Leg, Party, ProtocolError

__all__ = ["CallPlayer", "Switchboard", "Party", "Leg", "Event", "Transcript", "parse_answer", "http_transport",
           "flask_transport"]

# post(url, params, headers) -> (status, content_type, body); GET requests add method="GET".
Transport = Callable[..., tuple[int, str, str]]
Answers = Iterable[str] | Callable[[Event], "str | None"]

E164 = re.compile(r"\+[1-9]\d{1,14}")
CALL_SID = re.compile(r"CA[0-9a-f]{32}")
USER_AGENT = "TwilioProxy/1.1"  # what Twilio's webhook requests identify as


class BoardLock:
    """One lock for a switchboard's state, re-entrant, that a webhook request can step out of.

    While Twilio waits for our webhook, our webhook may call Twilio's REST API (the stand-in in
    `rest.py`), which changes the same state: so the lock is let go for the request's duration
    (`released()`), and each step re-checks its leg afterwards (`Leg.epoch`).
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._depth = 0

    def __enter__(self) -> "BoardLock":
        me = threading.get_ident()
        if self._owner == me:
            self._depth += 1
            return self
        self._lock.acquire()
        self._owner, self._depth = me, 1
        return self

    def __exit__(self, *exc) -> None:
        self._depth -= 1
        if self._depth == 0:
            self._owner = None
            self._lock.release()

    @contextmanager
    def released(self):
        if self._owner != threading.get_ident():
            yield
            return
        depth = self._depth
        self._owner, self._depth = None, 0
        self._lock.release()
        try:
            yield
        finally:
            self._lock.acquire()
            self._owner, self._depth = threading.get_ident(), depth


class Switchboard:
    """Twilio for one account, as far as our webhooks can tell: every leg it plays, its queues
    and conferences, and the virtual clock (`run`, `advance`) that moves them.

    Calls placed on one switchboard meet each other: a caller waiting in a queue is the one
    an agent's `<Dial><Queue>` connects to.
    """

    def __init__(self, *, transport: Transport, auth_token: str, base_url: str, max_requests: int = 60,
                 account_sid: str | None = None, on_event: Callable[[Leg, Event], None] | None = None):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ValueError(f"base_url must look like http://127.0.0.1:5000, got {base_url!r}")
        if not auth_token:
            raise ValueError("auth_token is empty: Twilio always signs its requests")
        if max_requests < 1:
            raise ValueError("max_requests must be at least 1")
        self._transport = transport
        self._validator = RequestValidator(auth_token)
        self.site = base_url.rstrip("/")
        self.lock = BoardLock()
        self.log: list[tuple[str, str, dict]] = []  # (method, url, params) of every request, in order
        self.engine = Engine(self._request, account_sid=account_sid or "AC" + secrets.token_hex(16),
                             max_requests=max_requests, on_event=on_event)

    @property
    def now(self) -> float:
        return self.engine.now

    def url(self, path: str) -> str:
        return path if "://" in path else self.site + path

    def inbound(self, *, to: str, from_: str, party: Party, call_sid: str | None = None,
                voice_path: str = "/ivr/voice", status_path: str | None = "/ivr/status",
                extra_params: dict[str, str] | None = None) -> Leg:
        """A call comes in to `to`: Twilio posts the number's voice webhook, ringing, and plays the answer."""
        if not E164.fullmatch(to):
            raise ValueError(f"to must be an E.164 number such as +46201605899, got {to!r}")
        if not from_:
            raise ValueError("from_ is empty: use the caller's number, or 'anonymous'")
        if call_sid is not None and not CALL_SID.fullmatch(call_sid):
            raise ValueError(f"call_sid must be 'CA' and 32 lowercase hex digits, got {call_sid!r}")
        if not voice_path.startswith("/") or (status_path is not None and not status_path.startswith("/")):
            raise ValueError("voice_path and status_path start with '/'")
        if not all(isinstance(key, str) and isinstance(value, str) for key, value in (extra_params or {}).items()):
            raise ValueError("extra_params maps strings to strings, as Twilio's form parameters do")
        with self.lock:
            return self._inbound(to, from_, party, call_sid, voice_path, status_path, extra_params)

    def _inbound(self, to, from_, party, call_sid, voice_path, status_path, extra_params) -> Leg:
        params = {**_caller_params(to, from_), **(extra_params or {})}
        engine = self.engine
        leg = engine.new_leg(params, party, sid=call_sid,
                             status_callback=self.url(status_path) if status_path else None)
        leg.status = "ringing"

        def ring():
            doc = engine.fetch(leg, self.url(voice_path), "POST", {}, CALL)
            if doc is not None:
                engine.answer(leg)
                engine.play_from(leg, doc)

        engine.at(engine.now, ring, leg)
        return leg

    def run(self) -> None:
        """Play until nothing more happens by itself (a caller who stays keeps being played the hold)."""
        with self.lock:
            self.engine.run()

    def advance(self, seconds: float) -> None:
        """Let `seconds` of call time pass."""
        with self.lock:
            self.engine.run(until=self.engine.now + seconds)

    def run_until(self, done: Callable[[], bool]) -> None:
        """Play event by event until `done()` is true or nothing is left to happen."""
        with self.lock:
            while not done() and self.engine.step():
                pass

    def hang_up(self, leg: Leg, why: str = "the caller hangs up") -> None:
        with self.lock:
            self.engine.finish(leg, "completed", why)
            self.engine.run(until=self.engine.now)

    def _request(self, leg: Leg | None, url: str, method: str, params: dict, call_status: str | None):
        """Send one signed webhook request as Twilio does: a POST form, or a GET with a query."""
        if leg is not None:
            params = {**leg.params, "CallStatus": call_status, **params}
        body = params
        if method == "GET":
            url += ("&" if "?" in url else "?") + urlencode(params)
            body = {}
        headers = {"X-Twilio-Signature": self._validator.compute_signature(url, body), "User-Agent": USER_AGENT}
        self.log.append((method, url, params))
        if leg is not None:
            leg.transcript.requests.append((url, params))
        try:
            with self.lock.released():  # our webhook may call the REST stand-in meanwhile
                if method == "GET":
                    status, content_type, text = self._transport(url, body, headers, method="GET")
                else:  # the plain three-argument call every transport supports
                    status, content_type, text = self._transport(url, body, headers)
        except OSError as exc:
            raise ProtocolError(f"{method} {url} failed: {exc}") from exc
        if leg is not None:
            self.engine.record(leg, Event("request", url, {"method": method, "status": status}))
        return status, content_type, text


class CallPlayer:
    """One caller, one dialled number, a script of answers; `play()` places the call.

    Without `stay`, the caller hangs up after `hold_cycles` passes of the queue's waitUrl
    (Twilio then posts the Enqueue action with QueueResult=hangup, and the status callback).
    With `stay`, they are still waiting when `play()` returns, after that many passes: the
    switchboard keeps them, for an agent's call on the same switchboard to reach.
    """

    def __init__(
        self,
        *,
        transport: Transport | None = None,
        auth_token: str | None = None,
        base_url: str | None = None,
        to: str,
        from_: str,
        call_sid: str | None = None,
        answers: Answers = (),
        hold_cycles: int = 1,
        stay: bool = False,
        max_requests: int = 60,
        voice_path: str = "/ivr/voice",
        status_path: str = "/ivr/status",
        extra_params: dict[str, str] | None = None,
        on_event: Callable[[Event], None] | None = None,
        switchboard: Switchboard | None = None,
        talk_seconds: float | None = 60,
    ):
        if hold_cycles < 0:
            raise ValueError("hold_cycles must be at least 0")
        if isinstance(answers, str):
            raise ValueError("answers is a list of answers, not one string: use [\"2\", \"1\"]")
        if switchboard is None:
            if transport is None or base_url is None:
                raise ValueError("give a transport and base_url, or a switchboard")
            switchboard = Switchboard(transport=transport, auth_token=auth_token or "", base_url=base_url,
                                      max_requests=max_requests)
        self.switchboard = switchboard
        # Parsed now, so that a bad script fails before the call instead of halfway through it.
        script = answers if callable(answers) else [
            item if callable(item) else parse_answer(item) for item in answers]
        self._party = Party(answers=script, hold_cycles=None if stay else hold_cycles, talk_seconds=talk_seconds)
        self._hold_cycles, self._stay = hold_cycles, stay
        self._call = dict(to=to, from_=from_, call_sid=call_sid, voice_path=voice_path, status_path=status_path,
                          extra_params=extra_params)
        self._on_event = on_event
        if call_sid is not None and not CALL_SID.fullmatch(call_sid):
            raise ValueError(f"call_sid must be 'CA' and 32 lowercase hex digits, got {call_sid!r}")
        if not E164.fullmatch(to):
            raise ValueError(f"to must be an E.164 number such as +46201605899, got {to!r}")
        self.leg: Leg | None = None

    @property
    def call_sid(self) -> str | None:
        return self.leg.sid if self.leg else self._call["call_sid"]

    def play(self) -> Transcript:
        """Place the call and play it to its end (or, with `stay`, until it waits in its queue)."""
        board = self.switchboard
        if self._on_event is not None:
            previous = board.engine._on_event
            board.engine._on_event = lambda leg, event: (
                self._on_event(event) if leg is self.leg else previous and previous(leg, event))
        self.leg = leg = board.inbound(party=self._party, **self._call)
        if self._stay:
            board.run_until(lambda: leg.ended or (leg.place == "queue" and leg.passes >= self._hold_cycles)
                            or (leg.place not in ("queue", "playing", "new", "ringing")))
        else:
            board.run_until(lambda: leg.ended)
        transcript = leg.transcript
        if not transcript.duration:
            answered = leg.answered_at if leg.answered_at is not None else 0
            transcript.duration = max(1, round(leg.clock - answered))
        return transcript


def _caller_params(to: str, from_: str) -> dict[str, str]:
    """The parameters Twilio sends with every request of an inbound call (beside AccountSid and CallSid)."""
    params = {
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
