"""Asking for a callback: from the hold after a while, or when a queue is closed.

The caller leaves the queue (`<Leave/>`), confirms the number to call (their
caller ID or one they key in, checked with phonenumbers), hears the first
response promised for their severity and plan, and the request is stored
with their original place in line.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import phonenumbers
from twilio.twiml.voice_response import Gather, VoiceResponse

from call_store.call_state import CallState, CallStore
from call_store.callbacks import CallbackBook
from prompts.catalogue import Prompts
from ivr.twiml import asked, question, say
from routing.model import Line, Severity
from routing.response_times import first_response

MAX_ATTEMPTS = 3
LEAVE_KEY = "1"


class CallbackFlow:
    def __init__(self, *, book: CallbackBook, calls: CallStore, clock: Callable[[], datetime],
                 line_of: Callable[[CallState], Line], queue_open: Callable[[CallState], bool]):
        self._book = book
        self._calls = calls
        self._clock = clock
        self._line_of = line_of
        self._queue_open = queue_open

    @staticmethod
    def hold_offer(prompts: Prompts) -> Gather:
        """The hold's offer, as a Gather its other announcements sit in (no key: the music plays on)."""
        gather = question("callback-leave", prompts, [], speech=False)
        gather.timeout = 1
        return gather

    def leave(self, state: CallState | None, digits: str) -> VoiceResponse:
        """Key 1 during the hold: out of the queue; Twilio then posts the Enqueue action with QueueResult=leave."""
        response = VoiceResponse()
        if state is not None and digits[:1] == LEAVE_KEY:
            self._calls.update(state.sid, callback="wanted")
            response.leave()
        return response

    def start(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Which number to call: the caller's own, confirmed, or one they key in."""
        if not state.caller:
            return self._number_question(prompts, 1)
        gather = question("callback-confirm?attempt=1", prompts, [], speech=False)
        say(gather, prompts, prompts.text("callback_confirm_number", last_digits=_last_digits(state.caller)))
        return asked(gather, "callback-confirm?attempt=2")

    def confirm(self, state: CallState, prompts: Prompts, attempt: int, digits: str) -> VoiceResponse:
        if digits[:1] == "1" and state.caller:
            return self._book_for(state, prompts, state.caller)
        if digits[:1] == "2" or not state.caller:
            return self._number_question(prompts, 1)
        if attempt >= MAX_ATTEMPTS:
            return self._book_for(state, prompts, state.caller)  # silence: the caller ID it is
        gather = question(f"callback-confirm?attempt={attempt + 1}", prompts, [], speech=False)
        for text in (prompts.text("not_understood" if digits else "no_input"),
                     prompts.text("callback_confirm_number", last_digits=_last_digits(state.caller))):
            say(gather, prompts, text)
        return asked(gather, f"callback-confirm?attempt={attempt + 1}")

    def other_number(self, state: CallState, prompts: Prompts, attempt: int, digits: str) -> VoiceResponse:
        number = _parse(digits.strip("#"), state.caller_country or self._line_of(state).id)
        if number:
            return self._book_for(state, prompts, number)
        if attempt >= MAX_ATTEMPTS:
            response = VoiceResponse()
            say(response, prompts, prompts.text("goodbye"))
            response.hangup()
            return response
        return self._number_question(prompts, attempt + 1, prompts.text("callback_number_invalid" if digits else "no_input"))

    def _number_question(self, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        gather = question(f"callback-number?attempt={attempt}", prompts, [], speech=False, digits=None)
        for text in (lead, prompts.text("callback_ask_number")):
            if text:
                say(gather, prompts, text)
        return asked(gather, f"callback-number?attempt={attempt}")

    def _book_for(self, state: CallState, prompts: Prompts, number: str) -> VoiceResponse:
        now = self._clock().timestamp()
        place = datetime.fromisoformat(state.enqueued_at).timestamp() if state.enqueued_at else now
        self._book.request(sid=state.sid, number=number, line=state.line, queue_name=state.queue_name,
                           language=state.language, place=place, org=state.org, org_name=state.org_name,
                           verified=state.verified)
        self._calls.update(state.sid, callback="booked", status="callback")
        response = VoiceResponse()
        say(response, prompts, prompts.text("callback_booked", last_digits=_last_digits(number)))
        label = prompts.raw(f"queue_names.{state.queue or 'technical'}")
        if not self._queue_open(state):
            say(response, prompts, prompts.text("callback_when_open", queue=label))
        if state.severity:
            key = first_response(Severity(state.severity), state.plan, state.line)
            say(response, prompts, prompts.text("callback_promise", severity=state.severity,
                                                response=prompts.raw(f"response_times.{key}")))
        say(response, prompts, prompts.text("goodbye"))
        response.hangup()
        return response


def _last_digits(number: str) -> str:
    return " ".join(number[-4:])


def _parse(digits: str, region: str) -> str | None:
    """A keyed number in E.164: national form read in the caller's country, or with its country code after 00."""
    if not digits.isdigit():
        return None
    text = "+" + digits[2:] if digits.startswith("00") else digits
    try:
        numobj = phonenumbers.parse(text, region if len(region) == 2 else None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(numobj):
        return None
    return phonenumbers.format_number(numobj, phonenumbers.PhoneNumberFormat.E164)
