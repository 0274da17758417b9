"""Asking for a callback: from the hold after a while, or when a queue is closed.

The caller leaves the queue (`<Leave/>`), confirms the number to call (their
caller ID or one they key in, checked with phonenumbers), hears the first
response promised for their severity and plan, and the request is stored
with their original place in line. A number, or a caller, that already has
as many open callbacks as allowed is told so and none is booked.
"""
from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from call_store.call_state import CallbackWish, CallState, CallStatus, CallStore
from call_store.callbacks import WITHHELD, CallbackBook, CallbackRefused, CallWrite
from ivr.call_context import CallContext, CallParams
from ivr.twiml import ask, hang_up, question
from prompts.catalogue import Prompts
from routing.menu import MAX_ATTEMPTS
from routing.model import Queue
from routing.numbers import callable_back, keyed_number
from routing.response_times import first_response

LEAVE_KEY = "1"
CONFIRM_KEY, OTHER_NUMBER_KEY = "1", "2"
HOLD_OFFER_TIMEOUT_SECONDS = 1  # the offer must not hold up the music


class CallbackFlow:
    def __init__(self, *, context: CallContext, book: CallbackBook, calls: CallStore):
        self._context = context
        self._book = book
        self._calls = calls

    @staticmethod
    def hold_offer(prompts: Prompts) -> Gather:
        """The hold's offer, as a Gather its other announcements sit in (no key: the music plays on)."""
        return question("callback-leave", prompts, [], speech=False, timeout=HOLD_OFFER_TIMEOUT_SECONDS)

    def leave(self, call: CallParams) -> VoiceResponse:
        """Key 1 during the hold: out of the queue; Twilio then posts the Enqueue action with QueueResult=leave."""
        response = VoiceResponse()
        if call.digits[:1] == LEAVE_KEY and self._calls.get(call.sid) is not None:
            self._calls.update(call.sid, callback=CallbackWish.WANTED)
            response.leave()
        return response

    def start(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Which number to call: the caller's own, confirmed, or one they key in (a caller ID that may
        not be rung back, premium-rate say, is not offered)."""
        if not state.caller or not callable_back(state.caller):
            return self._number_question(prompts, 1)
        return self._confirm_question(state, prompts, 1)

    def confirm(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        if not state.caller or not callable_back(state.caller):
            return self._number_question(prompts, 1)
        if call.digits[:1] == CONFIRM_KEY:
            return self._book_for(state, prompts, state.caller)
        if call.digits[:1] == OTHER_NUMBER_KEY:
            return self._number_question(prompts, 1)
        if call.attempt >= MAX_ATTEMPTS:
            return self._book_for(state, prompts, state.caller)  # silence: the caller ID it is
        return self._confirm_question(state, prompts, call.attempt + 1,
                                      prompts.text("not_understood" if call.digits else "no_input"))

    def other_number(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        number = keyed_number(call.digits.strip("#"), state.caller_country or self._context.line(state).id)
        if number and callable_back(number.e164):
            return self._book_for(state, prompts, number.e164)
        if call.attempt >= MAX_ATTEMPTS:
            return hang_up(prompts, prompts.text("goodbye"))
        return self._number_question(prompts, call.attempt + 1,
                                     prompts.text("callback_number_invalid" if call.digits else "no_input"))

    def _confirm_question(self, state: CallState, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        """Silence is asked again, and after the last asking takes the caller ID (`confirm` decides)."""
        return ask(f"callback-confirm?attempt={attempt}", prompts,
                   [lead, prompts.text("callback_confirm_number", last_digits=_last_digits(state.caller))],
                   silence=f"callback-confirm?attempt={max(attempt, 2)}")

    def _number_question(self, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        action = f"callback-number?attempt={attempt}"
        return ask(action, prompts, [lead, prompts.text("callback_ask_number")], digits=None, silence=action)

    def _book_for(self, state: CallState, prompts: Prompts, number: str) -> VoiceResponse:
        """Book it (a replayed webhook for a call whose callback is booked books none again), or say why not."""
        now = self._context.clock()
        place = (state.enqueued_at or now).timestamp()
        queue = state.queue or Queue.TECHNICAL
        if state.callback is not CallbackWish.BOOKED:
            booked = CallWrite(*self._calls.changes(state.sid, callback=CallbackWish.BOOKED, status=CallStatus.CALLBACK))
            try:
                self._book.request(sid=state.sid, number=number, line=state.line, queue_name=str(state.queue_name or ""),
                                   language=state.language, place=place, org=state.org, org_name=state.org_name,
                                   verified=state.verified.value, verified_by=state.verified_by, plan=state.plan,
                                   line_number=state.dialed, caller=state.caller, then=booked)
            except CallbackRefused as refused:
                key = "callback_unavailable" if refused.scope == WITHHELD else "callback_already_booked"
                return hang_up(prompts, prompts.text(key), prompts.text("goodbye"))
        label = prompts.raw(f"queue_names.{queue.value}")
        sentences = [prompts.text("callback_booked", last_digits=_last_digits(number))]
        if not self._context.queue_open(state):
            sentences.append(prompts.text("callback_when_open", queue=label))
        if state.severity:
            key = first_response(state.severity, state.plan, state.line)
            sentences.append(prompts.text("callback_promise", severity=state.severity.value,
                                          response=prompts.raw(f"response_times.{key}")))
        return hang_up(prompts, *sentences, prompts.text("goodbye"))


def _last_digits(number: str) -> str:
    return " ".join(number[-4:])
