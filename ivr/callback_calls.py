"""Callbacks the router dials: the agent's side is the meeting (`ivr.meeting_flow`); this is the rest.

A due callback is offered like a caller (`call_store.offers.Dispatch`, key `cb-<id>`). The agent
hears the briefing (a callback, asked for how long ago; the customer's queue, organisation and how
verified; since when they have been waiting) and joins the conference named for the key. When the
agent is in the room, the router dials the customer from the line's own number with Calls create
(https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource: `From` the line's
number, `Url` callback-meet, `StatusCallback` callback-status, `Timeout`). The customer who answers
hears that this is the callback they asked for, in their language, and joins the agent; from then
on it is a call like any other (its record, the in-call controls). No answer, busy or failed: the
try is recorded, the agent is freed, and the request waits for its next try, or is closed as
unreachable after the last.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

import redis
from twilio.twiml.voice_response import Dial, VoiceResponse

from call_store.call_state import CallState, CallStatus, CallStore, Verified
from call_store.callbacks import Callback, CallbackBook, callback_of, offer_key
from call_store.offers import Dispatch
from ivr.twiml import hang_up, say
from prompts.catalogue import Catalogues, Prompts
from runtime.twilio_rest import RestFailed, VoiceRest
from runtime.unit_of_work import read_together
from workforce.presence import AgentPresence

log = logging.getLogger(__name__)
CUSTOMER_RING_SECONDS = 30  # how long the customer's phone rings on each try
FINAL = frozenset({"completed", "canceled", "no-answer", "busy", "failed"})


def as_call(callback: Callback, sid: str = "") -> CallState:
    """What the briefing (and, once the customer answers, the call's record) knows of a callback's customer."""
    queue = callback.queue
    return CallState(
        sid=sid or offer_key(callback.id), line=callback.line, dialed=callback.line_number, caller=callback.number,
        language=callback.language, queue=queue.kind, severity=queue.severity, queue_name=queue,
        org=callback.org, org_name=callback.org_name, plan=callback.plan,
        verified=next((v for v in Verified if v.value == callback.verified), Verified.NOT_YET),
        verified_by=callback.verified_by, enqueued_at=datetime.fromtimestamp(callback.place, timezone.utc))


class CallbackCalls:
    def __init__(self, *, client: redis.Redis, book: CallbackBook, calls: CallStore, presence: AgentPresence,
                 dispatch: Dispatch, rest: VoiceRest | None, catalogues: Catalogues, clock: Callable[[], datetime],
                 line_number: Callable[[str], str], call_ttl: int, attempts: int, retry_seconds: int):
        self._redis = client
        self._book = book
        self._calls = calls
        self._presence = presence
        self._dispatch = dispatch
        self._rest = rest
        self._catalogues = catalogues
        self._clock = clock
        self._line_number = line_number
        self._call_ttl = call_ttl
        self.attempts = attempts
        self.retry_seconds = retry_seconds

    def opening(self, callback: Callback, prompts: Prompts) -> str:
        """The briefing's first sentence: a callback, asked for how many minutes ago."""
        minutes = max(int(self._clock().timestamp() - callback.requested_at), 0) // 60
        return prompts.text("briefing_callback", minutes=minutes)

    def dial(self, callback_id: str, agent_id: str, agent_leg: str, conference_sid: str) -> bool:
        """The agent is in the room: ring the customer from the line's own number. False if the request is
        no longer there to call (claimed by hand or closed meanwhile) or Twilio refused: the agent's leg
        should then be ended."""
        if not self._book.start_attempt(callback_id, agent_id, agent_leg, conference_sid):
            return False
        callback = self._book.get(callback_id)
        try:
            leg = self._rest.place_call(
                to=callback.number, from_=callback.line_number or self._line_number(callback.line),
                url=self._dispatch.url("callback-meet", callback=callback_id),
                status_callback=self._dispatch.url("callback-status", callback=callback_id),
                timeout=CUSTOMER_RING_SECONDS)
        except RestFailed as exc:
            log.warning("callback %s: could not dial the customer: %s", callback_id, exc)
            self._book.attempt_failed(callback_id, "router-error", self.retry_seconds, self.attempts)
            return False
        self._book.dialled(callback_id, leg)
        log.info("callback %s: dialling the customer (leg %s) for agent %s", callback_id, leg, agent_id)
        return True

    def meet(self, callback_id: str, leg: str) -> VoiceResponse:
        """The customer answered: "this is the callback you asked for", then the agent's room. Their call gets
        a record like any caller's, so the in-call controls work on it."""
        before = self._book.reached(callback_id)
        if before is None:  # the try was called off (the agent left) while the phone rang
            callback = self._book.get(callback_id)
            prompts = self._catalogues(callback.language if callback else "en")
            return hang_up(prompts, prompts.text("callback_try_again"))
        prompts = self._catalogues(before.language or "en")
        current = before.current
        state = as_call(before, leg)
        state.status, state.started_at = CallStatus.CONNECTED, self._clock()
        state.agent, state.agent_leg, state.conference_sid = (current.get("agent", ""), current.get("agent_leg", ""),
                                                              current.get("conference_sid", ""))
        self._calls.put(state)
        if state.agent:
            self._presence.staging_advance(state.agent, offer_key(callback_id), "joined", self._call_ttl)
        response = VoiceResponse()
        say(response, prompts, prompts.text("callback_calling"))
        say(response, prompts, prompts.text("connecting_agent"))
        dial = Dial()
        dial.conference("call-" + offer_key(callback_id), participant_label="caller", start_conference_on_enter=True,
                        end_conference_on_exit=True, beep=False)
        response.append(dial)
        return response

    def status(self, callback_id: str, leg: str, call_status: str) -> VoiceResponse:
        """The customer's leg's final status. Never answered (no-answer, busy, failed, canceled): the try is
        recorded, the agent freed and their leg ended. Answered: their call's record ends."""
        if call_status not in FINAL:
            return VoiceResponse()
        before = self._book.attempt_failed(callback_id, call_status, self.retry_seconds, self.attempts) \
            if call_status != "completed" else None
        if before is not None:
            self._free_agent(before)
        elif call_status == "completed":
            callback = self._book.get(callback_id)
            if callback is not None and callback.status == "calling":  # ended before anyone answered
                self._free_agent(self._book.attempt_failed(callback_id, "no-answer", self.retry_seconds, self.attempts))
            elif leg:
                self._calls.close(leg, CallStatus.COMPLETED, self._clock())
        self._dispatch.kick()
        return VoiceResponse()

    def agent_left(self, key: str) -> None:
        """The agent's leg ended while their callback's customer was being rung: the customer's leg is
        cancelled, and the request is open again at once (the customer was not at fault)."""
        callback_id = callback_of(key)
        [callback] = read_together(self._redis, self._book.reading(callback_id))
        if callback is None or callback.status != "calling":
            return
        if self._book.attempt_failed(callback_id, "agent-left", 0, self.attempts) is not None:
            self._dispatch.hang_up_later(callback.current.get("leg", ""))

    def _free_agent(self, before: Callback | None) -> None:
        if before is None:
            return
        agent = before.current.get("agent", "")
        if agent:
            self._presence.staging_end(agent, offer_key(before.id), "free")
        self._dispatch.hang_up_later(before.current.get("agent_leg", ""))
