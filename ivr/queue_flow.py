"""From the caller's choice to the queue and out of it: the hours check, a
closed queue's offer, the hold, why the caller left the queue, the call's end.

Attempts and offers travel in the (signed) URL, so a replayed webhook gives
the same answer and never counts twice; the call's choices live in Redis.
Nothing here knows about Flask.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from twilio.twiml.voice_response import VoiceResponse

from call_store.call_state import (
    FINAL_STATUSES,
    CallbackWish,
    CallState,
    CallStatus,
    CallStore,
    Verified,
)
from call_store.events import CallEvents
from call_store.offers import Dispatch
from call_store.waiting import WaitingRoom
from ivr.call_context import CallContext, CallParams
from ivr.callback_flow import CallbackFlow
from ivr.enqueue import QueueEntry
from ivr.meeting_flow import MeetingFlow
from ivr.questions import severity_question
from ivr.twiml import Sentences, ask, hang_up, say, say_all
from ivr.verification_flow import VerificationFlow, is_presales_choice
from prompts import spoken
from prompts.catalogue import Prompts
from routing.choices import choose
from routing.hours import closure_at, holiday_name, is_open, next_opening
from routing.menu import ACCEPT_KEY, CALLBACK_KEY, Offer, alternative
from routing.model import QUEUES_CLOSED_ON_HOLIDAYS, Line, Queue, Severity
from routing.queues import QueueName, minutes_to_say
from routing.serving import estimate_wait
from runtime.metrics import CLOSED
from runtime.redis_connection import StoreUnavailable
from workforce.presence import AgentPresence

# Left the queue to an agent: bridged (the agent line's <Dial><Queue>) or redirected (push routing's Queue
# Member update, which Twilio reports before the caller's leg requests /ivr/meet: counted here, once).
SERVED_RESULTS = frozenset({"bridged", "bridging-in-process", "redirected"})
QUEUE_FAILURES = frozenset({"error", "queue-full", "system-error"})


class QueueFlow:
    def __init__(self, *, context: CallContext, calls: CallStore, waiting: WaitingRoom, queue_entry: QueueEntry,
                 verification: VerificationFlow, callbacks: CallbackFlow, hold_music_url: str, callback_after: int,
                 presence: AgentPresence, meeting: MeetingFlow, dispatch: Dispatch, events: CallEvents):
        self._context = context
        self._calls = calls
        self._waiting = waiting
        self._queue_entry = queue_entry
        self._verification = verification
        self._callbacks = callbacks
        self._hold_music_url = hold_music_url
        self._callback_after = callback_after
        self._presence = presence
        self._meeting = meeting
        self._dispatch = dispatch
        self._events = events

    def route(self, state: CallState, prompts: Prompts, queue: Queue, severity: Severity | None) -> VoiceResponse:
        """The caller has chosen: open queues admit them (presales at once, others after verification)."""
        line = self._context.line(state)
        now = self._context.clock()
        if not is_open(line, queue, now, severity):
            return self._closed(state, line, prompts, queue, severity, now)
        if queue is Queue.PRESALES:
            return self._queue_entry.enqueue(state, prompts, queue, severity, announce=True)
        state.queue, state.severity = queue, severity
        self._calls.update(state.sid, queue=queue, severity=severity)
        # Where the queue's agents speak another language (Sweden's billing is in English), the
        # caller hears so now, before spending time on verification, not after it.
        notice = self._queue_entry.language_notice(line, prompts, queue, severity)
        verification = self._verification.admit(state, prompts)
        if notice is None:
            return verification
        response = VoiceResponse()
        say(response, prompts, notice)
        for verb in verification.verbs:
            response.append(verb)
        return response

    # -- webhooks -------------------------------------------------------------

    def closed_offer(self, call: CallParams, offer: Offer) -> VoiceResponse:
        """The caller's answer to "technical support is open instead: press 1; a callback: press 2"."""
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        if call.digits[:1] == CALLBACK_KEY:
            return self._callbacks.start(state, prompts)
        if offer is Offer.NONE:
            return hang_up(prompts, prompts.text("goodbye"))
        accepted = choose(call.digits, call.speech, {ACCEPT_KEY: offer.value}, {offer.value: prompts.raw("yes_words")})
        if accepted == Offer.CRITICAL.value:
            return self.route(state, prompts, Queue.TECHNICAL, Severity.A)
        if accepted == Offer.TECHNICAL.value:
            self._calls.update(state.sid, queue=Queue.TECHNICAL)
            return severity_question(prompts, 1)
        return hang_up(prompts, prompts.text("goodbye"))

    def partner(self, call: CallParams) -> VoiceResponse:
        """After the partner notice: sales (key 3) is still theirs to call; anything else ends the call."""
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        if is_presales_choice(call.digits):
            return self.route(state, prompts, Queue.PRESALES, None)
        return hang_up(prompts, prompts.text("goodbye"))

    def hold_music(self, locale: str) -> VoiceResponse:
        """The hold with nothing but the music and a thank-you: for when the router cannot say more."""
        prompts = self._context.prompts_for(locale)
        response = VoiceResponse()
        say_all(response, prompts, [prompts.text("hold_thanks")])
        response.play(self._hold_music_url)
        return response

    def hold(self, sid: str, queue: QueueName | None, locale: str, position: int, average_wait: int,
             waited: int, recover: CallParams | None = None) -> VoiceResponse:
        """The waitUrl, requested again each time it ends: where the caller stands, a fresh estimate, music.

        The language and queue come in the URL; the estimate is worked out again
        each cycle from this queue's recent pace (one Redis round trip; without
        Redis, Twilio's figures stand in).
        """
        self._dispatch.kick()  # a caller waits: any agent free for them? (off this webhook's thread)
        prompts = self._context.prompts_for(locale)
        if recover is not None and queue is not None:  # queued by the apology: Redis may not know they wait
            self._queue_entry.recover(sid, queue, prompts.locale, recover.dialed, recover.caller, waited)
        response = VoiceResponse()
        offer = waited >= self._callback_after
        target = self._callbacks.hold_offer(prompts) if offer else response
        estimate = None
        if self._queue_entry.taskrouter and queue is not None:
            # TaskRouter's callers all share the workflow's Twilio queue: count the caller's own queue instead.
            try:
                own, standing = self._waiting.standing(sid, queue, average_wait)
                if own:
                    position, estimate = own, standing.seconds if own > 1 else None
            except StoreUnavailable:  # Twilio's figures alone
                pass
        if position > 1 and estimate is None:
            try:
                estimate = self._waiting.estimate(sid, queue, position, average_wait).seconds if queue else None
            except StoreUnavailable:  # Twilio's figures alone
                estimate = None
            if estimate is None:
                estimate = estimate_wait(position, [], 0, average_wait).seconds
        sentences: list[str] = []
        if position == 1:
            sentences.append(prompts.text("position_next"))
        elif position > 1:
            sentences.append(prompts.text("position", position=position))
        if estimate is not None:
            minutes = minutes_to_say(estimate)
            sentences.append(prompts.text("wait_minutes", minutes=minutes) if minutes > 1 else prompts.text("wait_one_minute"))
        else:
            sentences.append(prompts.text("hold_thanks"))
        if offer:
            sentences.append(prompts.text("callback_offer_hold"))
        say_all(target, prompts, sentences)
        if offer:
            response.append(target)
        response.play(self._hold_music_url)
        return response

    def queue_result(self, sid: str, result: str) -> VoiceResponse:
        """Twilio reports why the caller left the queue; a failure gets an apology, not silence.

        If Redis fails while this is written, the webhook answers with the hang-up
        (`if_store_fails`), never with a second queue."""
        try:
            state = self._calls.get(sid)
        except StoreUnavailable:
            state = None
        if state is not None:
            self._calls.update(sid, status=CallStatus.LEFT, queue_result=result)
            self._waiting.left(sid, state.queue_name, served=result in SERVED_RESULTS)
            self._record_leaving(sid, result, state)
            if result == "leave" and state.callback is CallbackWish.WANTED:
                return self._callbacks.start(state, self._context.prompts(state))
        return self.queue_ended(state, result)

    def queue_ended(self, state: CallState | None, result: str) -> VoiceResponse:
        """The end of a call that left the queue: said sorry to if the queue failed it."""
        prompts = self._context.prompts(state) if state else self._context.prompts_for("")
        return hang_up(prompts, prompts.text("queue_failed") if result in QUEUE_FAILURES else None)

    def status(self, sid: str, call_status: str) -> VoiceResponse:
        """Twilio's status callback. Only a final status (completed, busy, failed, no-answer, canceled)
        ends the call's record: ringing or in-progress does not. Twilio ignores this answer."""
        final = final_status(call_status)
        if final is None:
            return VoiceResponse()
        try:
            state, offer = self._calls.get_with(sid, self._presence.reading_offer(sid))
        except StoreUnavailable:
            return VoiceResponse()
        self._calls.close(sid, final, self._context.clock())
        self._events.call_over(sid)  # the wallboard's record: abandoned if still waiting, else the talk ends
        if state is not None:
            self._waiting.left(sid, state.queue_name, served=False)
        self._meeting.caller_gone(sid, offer, state)
        return VoiceResponse()

    def _record_leaving(self, sid: str, result: str, state: CallState) -> None:
        """The wallboard's record of why the caller left the queue (`redirected`, among the served results, is
        the router's own Queue Member update taking them to their agent: the only redirect out of a queue it
        makes)."""
        if result in SERVED_RESULTS:
            self._events.answered(sid)
        elif result == "leave" and state.callback is CallbackWish.WANTED:
            self._events.left_for_callback(sid)
        elif result in QUEUE_FAILURES:
            self._events.left_on_failure(sid)
        else:  # hangup, or a leave of their own
            self._events.abandoned(sid)

    # -- a closed queue ---------------------------------------------------------

    def _closed(self, state: CallState, line: Line, prompts: Prompts, queue: Queue,
                severity: Severity | None, now: datetime) -> VoiceResponse:
        """Say so, say when it opens, offer what is open instead, else a polite goodbye."""
        name = QueueName.for_caller(line, queue, prompts.locale, severity)
        state.queue, state.severity, state.queue_name = queue, severity, name
        self._calls.update(state.sid, queue=queue, severity=severity, queue_name=name, status=CallStatus.CLOSED)
        CLOSED.labels(line.id, queue.value).inc()
        offer = alternative(line, queue, severity, now, partner=state.verified is Verified.PARTNER)
        label = prompts.raw(f"queue_names.{queue.value}")
        offers = {Offer.CRITICAL: "offer_critical", Offer.TECHNICAL: "offer_technical"}
        sentences = [*self._why_closed(line, prompts, queue, severity, now),
                     prompts.text(offers[offer]) if offer in offers else None,
                     prompts.text("callback_offer_closed", queue=label)]
        response = ask(f"closed?offer={offer.value}", prompts, sentences, hints=prompts.raw("yes_words"), speech=True)
        return hang_up(prompts, prompts.text("goodbye"), response=response)

    def _why_closed(self, line: Line, prompts: Prompts, queue: Queue, severity: Severity | None,
                    now: datetime) -> Sentences:
        """Closed now, why (a holiday, an admin's closure), its hours and when it opens next."""
        label = prompts.raw(f"queue_names.{queue.value}")
        closure = closure_at(line, queue, now)
        if closure is not None and closure.end is None:  # the emergency switch: its message says it all
            sentences = [self._context.in_language(closure.messages, prompts)]
        else:
            holiday = queue in QUEUES_CLOSED_ON_HOLIDAYS and holiday_name(line, now)
            sentences = [prompts.text("closed_holiday" if holiday else "closed_now", queue=label),
                         dict(closure.messages).get(prompts.language) if closure else None]
            config = line.queue(queue)
            if config is not None:
                sentences.append(spoken.describe_hours(prompts, label, config.hours_for(severity), line.timezone))
        opening = next_opening(line, queue, now, severity)
        if opening is not None:
            sentences.append(spoken.next_opening(prompts, now.astimezone(ZoneInfo(line.timezone)), opening))
        return sentences


def final_status(call_status: str) -> CallStatus | None:
    """Twilio's `CallStatus` as the end of the call it names; None for one that is not final.
    A callback without one is taken as the end (Twilio sends it on the final callback)."""
    if not call_status:
        return CallStatus.COMPLETED
    final = next((status for status in FINAL_STATUSES if status.value == call_status), None)
    return final
