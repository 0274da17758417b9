"""The meeting: an offered agent answers, hears the briefing, and meets the caller in a conference.

The legs (README, "Agents taking calls"):
- The router places the agent's leg with Calls create; its `Url` is `briefing`, played to
  whoever answers it (the agent), never to the caller: who is calling and how far to trust
  them, in the agent's language. Then `<Dial><Conference>` into the room named for the call.
- When the agent has joined (the conference's participant-join event), the caller is taken
  out of their queue with a Queue Member update (`Url`: `meet`); their own leg hears only
  "connecting you to an agent" in their language and joins the same room.
- The agent's leg reports its progress to `offer-status`: no answer puts the agent offline
  (missed) and the caller, still in their queue in their place, goes to the next agent; an
  agent who hangs up during the briefing leaves the caller at the front of their queue.
- The conference's end sends the agent into wrap-up.
- A warm transfer's target (`call_store.controls`) joins the same room with the label consult:
  their briefing is announced to their participant alone, and their leg's status (consult-status)
  ends the consult (missed, free) or, once the call is theirs, sends them into wrap-up.
- A callback's offer (key `cb-<id>`) is briefed as a callback; once its agent is in the room the
  customer is dialled (`ivr.callback_calls`) instead of dequeued.

Twilio's pages: Calls https://www.twilio.com/docs/voice/api/call-resource, Queue Member
https://www.twilio.com/docs/voice/api/queue-member, <Conference>
https://www.twilio.com/docs/voice/twiml/conference.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlencode

import redis
from twilio.twiml.voice_response import Dial, VoiceResponse

from call_store.call_state import CallState, CallStatus, CallStore
from call_store.events import CallEvents
from call_store.callbacks import CallbackBook, callback_of
from call_store.offers import Dispatch
from call_store.waiting import WaitingRoom
from ivr.briefing import who_is_coming
from ivr.callback_calls import CallbackCalls, as_call
from ivr.enqueue import QueueEntry
from ivr.twiml import ask, hang_up, say
from prompts.catalogue import Catalogues, Prompts
from routing.menu import DEFAULT_QUEUE
from routing.model import Queue
from routing.response_times import first_response
from runtime.metrics import QUEUE_WAIT_SECONDS
from runtime.twilio_rest import RestFailed, VoiceRest
from runtime.unit_of_work import read_together
from workforce.directory import AgentDirectory
from workforce.model import Agent
from workforce.presence import CONSULTS, AgentPresence, Offer

log = logging.getLogger(__name__)
BRIEFING_HOLD_SECONDS = 10 * 60  # how long an answered offer holds the caller before it lapses
ROOM_PREFIX = "call-"
NOT_ANSWERED = frozenset({"no-answer", "busy", "failed"})
FINAL = frozenset({"completed", "canceled", "no-answer", "busy", "failed"})


def room(caller_sid: str) -> str:
    """The conference named for the call."""
    return ROOM_PREFIX + caller_sid


class MeetingFlow:
    def __init__(self, *, client: redis.Redis, calls: CallStore, waiting: WaitingRoom, agents: AgentDirectory,
                 presence: AgentPresence, dispatch: Dispatch, rest: VoiceRest | None, catalogues: Catalogues,
                 clock: Callable[[], datetime], line_name: Callable[[str], str], call_ttl: int,
                 queue_entry: QueueEntry, hold_music_url: str, events: CallEvents, callbacks: CallbackBook,
                 callback_calls: CallbackCalls):
        self._redis = client
        self._calls = calls
        self._waiting = waiting
        self._agents = agents
        self._presence = presence
        self._dispatch = dispatch
        self._rest = rest
        self._catalogues = catalogues
        self._clock = clock
        self._line_name = line_name
        self._call_ttl = call_ttl
        self._queue_entry = queue_entry
        self._hold_music_url = hold_music_url
        self._events = events  # the wallboard's record
        self._callbacks = callbacks
        self._callback_calls = callback_calls

    # -- the agent's leg ------------------------------------------------------------

    def briefing(self, caller_sid: str, agent_id: str, press: bool = True, agent_leg: str = "") -> VoiceResponse:
        """The agent answered: the briefing, then the conference. On a phone the agent takes the call by
        pressing 1 (so a voicemail that picks up never swallows a caller); the browser's answer is the
        agent's own click. A caller who has gone is said so."""
        callback_id = callback_of(caller_sid)
        if callback_id is not None:  # a callback the router will dial once the agent takes it
            callback, agent, offer = read_together(self._redis, self._callbacks.reading(callback_id),
                                                   self._agents.reading(agent_id), self._presence.reading_offer(caller_sid))
            state = as_call(callback) if callback is not None and callback.status == "open" else None
        else:
            state, agent, offer = read_together(self._redis, self._calls.reading(caller_sid),
                                                self._agents.reading(agent_id), self._presence.reading_offer(caller_sid))
        prompts = self._agent_prompts(agent)
        response = VoiceResponse()
        if state is None or agent is None or offer is None or offer.agent_id != agent_id \
                or (callback_id is None and state.status is not CallStatus.QUEUED) or state.queue_name is None:
            if callback_id is not None:  # claimed by hand or closed meanwhile: not the agent's miss
                self._presence.staging_end(agent_id, caller_sid, "free")
            say(response, prompts, prompts.text("briefing_caller_gone"))
            response.hangup()
            return response
        self._presence.staging_advance(agent_id, caller_sid, "briefing", BRIEFING_HOLD_SECONDS)
        if callback_id is None:
            self._calls.update(caller_sid, agent=agent_id, agent_leg=agent_leg)
            sentences = self.briefing_sentences(state, prompts)
        else:
            sentences = [self._callback_calls.opening(callback, prompts), *self.briefing_sentences(state, prompts)]
        if press:
            response = ask(f"accept?{urlencode({'call': caller_sid, 'agent': agent_id})}", prompts,
                           [*sentences, prompts.text("briefing_accept")])
            response.hangup()  # no key: not taken (offer-status puts the agent offline-missed)
            return response
        for sentence in sentences:
            say(response, prompts, sentence)
        return self._into_room(response, caller_sid, agent_id)

    def accept(self, caller_sid: str, agent_id: str, digits: str) -> VoiceResponse:
        """The agent's key after the briefing: 1 takes the call into the room, if the caller is still there."""
        agent, offer = read_together(self._redis, self._agents.reading(agent_id), self._presence.reading_offer(caller_sid))
        prompts = self._agent_prompts(agent)
        response = VoiceResponse()
        if digits[:1] != "1":
            response.hangup()
            return response
        if offer is None or offer.agent_id != agent_id or offer.phase != "briefing":
            return hang_up(prompts, prompts.text("briefing_caller_gone"))
        return self._into_room(response, caller_sid, agent_id)

    def _into_room(self, response: VoiceResponse, caller_sid: str, agent_id: str) -> VoiceResponse:
        dial = Dial()
        dial.conference(room(caller_sid), participant_label="agent", start_conference_on_enter=True,
                        end_conference_on_exit=True, beep=False, status_callback=self._dispatch.url(
                            "conference", call=caller_sid, agent=agent_id),
                        status_callback_method="POST", status_callback_event="join leave end")
        response.append(dial)
        return response

    def briefing_sentences(self, state: CallState, prompts: Prompts) -> list[str]:
        """Queue, line, language; severity; organisation and how verified (or plainly not); plan and the
        first response promised; transferred by whom and why; how long since they first joined the queue."""
        queue = state.queue_name
        sentences = who_is_coming(prompts, state, self._line_name)
        if queue.kind is not Queue.PRESALES:
            plan = prompts.raw("plan_names").get(state.plan or "standard", state.plan)
            promise = prompts.raw(f"response_times.{first_response(queue.severity, state.plan, state.line)}")
            sentences.append(prompts.text("briefing_promise", plan=plan, response=promise))
        if state.transferred_by:
            sentences.append(prompts.text("briefing_transferred", agent=state.transferred_by,
                                          reason=state.transfer_reason or "-"))
        waited = int((self._clock() - state.enqueued_at).total_seconds()) if state.enqueued_at else 0
        minutes = max(waited, 0) // 60
        sentences.append(prompts.text("whisper_waited", minutes=minutes) if minutes else prompts.text("whisper_waited_short"))
        return sentences

    def offer_status(self, caller_sid: str, agent_id: str, call_status: str) -> VoiceResponse:
        """The agent's leg's progress. Final: not answered -> offline-missed; hung up during the briefing
        -> offline-missed too (the caller never left the queue: still at its front); after the call -> wrap-up."""
        if call_status not in FINAL:
            return VoiceResponse()
        callback_id = callback_of(caller_sid)
        offer, *more = read_together(self._redis, self._presence.reading_offer(caller_sid),
                                     *([self._callbacks.reading(callback_id)] if callback_id else []))
        callback = more[0] if more else None
        mine = offer is not None and offer.agent_id == agent_id
        if callback is not None and callback.status == "calling" and call_status not in NOT_ANSWERED:
            outcome = "free"  # took the callback and left while the customer's phone rang
            self._callback_calls.agent_left(caller_sid)
        elif call_status in NOT_ANSWERED or (mine and offer.phase in ("ringing", "briefing")):
            outcome = "missed" if mine else "free"
        else:
            outcome = "wrap-up"
        self._presence.staging_end(agent_id, caller_sid, outcome)
        self._dispatch.kick()
        return VoiceResponse()

    def conference(self, caller_sid: str, agent_id: str, event: str, label: str, conference_sid: str = "",
                   leg: str = "") -> VoiceResponse:
        """Conference events. The agent joined: take the caller out of their queue into the room. An agent
        consulted in a warm transfer joined: their briefing, to them alone. The end: the agent goes into wrap-up."""
        if event == "participant-join" and label == "agent":
            self._bring_caller(caller_sid, agent_id, conference_sid)
        elif event == "participant-join" and label == "consult":
            self._brief_consulted(caller_sid, conference_sid, leg)
        elif event == "conference-end":
            self._presence.staging_end(agent_id, caller_sid, "wrap-up")
            self._dispatch.kick()
        return VoiceResponse()

    def _bring_caller(self, caller_sid: str, agent_id: str, conference_sid: str) -> None:
        callback_id = callback_of(caller_sid)
        if callback_id is not None:
            [offer] = read_together(self._redis, self._presence.reading_offer(caller_sid))
            if offer is None or offer.agent_id != agent_id or not self._callback_calls.dial(
                    callback_id, agent_id, offer.leg, conference_sid):
                self._end_agent_leg(offer, agent_id, caller_sid, "free")
            return
        state, offer = read_together(self._redis, self._calls.reading(caller_sid), self._presence.reading_offer(caller_sid))
        if state is None or offer is None or offer.agent_id != agent_id or state.queue_name is None:
            self._end_agent_leg(offer, agent_id, caller_sid, "free")
            return
        self._calls.update(caller_sid, conference_sid=conference_sid)
        url = self._dispatch.url("meet", call=caller_sid)
        try:
            twilio_queue = self._queue_entry.twilio_queue(state.queue_name)
            queue_sid = self._rest.queue_sid(twilio_queue)
            if queue_sid is None:
                raise RestFailed(f"no Twilio queue named {twilio_queue}")
            self._rest.dequeue_to(queue_sid, caller_sid, url)
        except RestFailed as exc:
            log.warning("could not bring %s to agent %s: %s; the caller stays queued", caller_sid, agent_id, exc)
            self._end_agent_leg(offer, agent_id, caller_sid, "back")

    def _brief_consulted(self, caller_sid: str, conference_sid: str, leg: str) -> None:
        """The consulted agent is in the room (busy now): Participant update AnnounceUrl plays the briefing
        to their participant only, while the caller holds."""
        [consult] = read_together(self._redis, self._presence.reading_offer(caller_sid, CONSULTS))
        if consult is None or (consult.leg and leg and consult.leg != leg):
            return
        self._presence.staging_advance(consult.agent_id, caller_sid, "joined", self._call_ttl, leg=leg, table=CONSULTS)
        try:
            self._rest.participant(conference_sid, leg or consult.leg, announce_method="POST",
                                   announce_url=self._dispatch.url("consult-briefing", call=caller_sid,
                                                                   agent=consult.agent_id))
        except RestFailed as exc:
            log.warning("could not brief agent %s consulted on %s: %s", consult.agent_id, caller_sid, exc)

    def consult_briefing(self, caller_sid: str, agent_id: str) -> VoiceResponse:
        """The announcement to the consulted agent (Say only, as a participant's announcement allows)."""
        state, agent = read_together(self._redis, self._calls.reading(caller_sid), self._agents.reading(agent_id))
        prompts = self._agent_prompts(agent)
        response = VoiceResponse()
        if state is None or state.queue_name is None:
            say(response, prompts, prompts.text("briefing_caller_gone"))
            return response
        for sentence in self.briefing_sentences(state, prompts):
            say(response, prompts, sentence)
        return response

    def consult_status(self, caller_sid: str, agent_id: str, call_status: str) -> VoiceResponse:
        """The consulted agent's leg's progress. Final while still consulted (no answer, or hung up before
        the hand-over): the consult is over, missed (not answered) or free, and the caller comes off hold
        to the first agent. Final after the hand-over: the call was theirs, so wrap-up."""
        if call_status not in FINAL:
            return VoiceResponse()
        state, consult, offer = read_together(self._redis, self._calls.reading(caller_sid),
                                              self._presence.reading_offer(caller_sid, CONSULTS),
                                              self._presence.reading_offer(caller_sid))
        if consult is not None and consult.agent_id == agent_id:
            missed = call_status in NOT_ANSWERED or consult.phase == "ringing"
            self._presence.staging_end(agent_id, caller_sid, "missed" if missed else "free", table=CONSULTS)
            if state is not None and state.consult_agent == agent_id:
                self._calls.update(caller_sid, consult_agent="", consult_leg="")
            if state is not None and state.conference_sid and state.status is CallStatus.CONNECTED:
                self._dispatch.kick(lambda: self._rest.participant(state.conference_sid, caller_sid, hold=False))
        elif offer is not None and offer.agent_id == agent_id:
            self._presence.staging_end(agent_id, caller_sid, "wrap-up")
        self._dispatch.kick()
        return VoiceResponse()

    def _end_agent_leg(self, offer: Offer | None, agent_id: str, caller_sid: str, outcome: str) -> None:
        """The meeting cannot happen: the agent's leg is hung up (off this thread) and the agent freed."""
        self._presence.staging_end(agent_id, caller_sid, outcome)
        if offer is not None and offer.agent_id == agent_id:
            self._dispatch.hang_up_later(offer.leg)

    # -- the caller's leg -----------------------------------------------------------------

    def meet(self, caller_sid: str) -> VoiceResponse:
        """Out of the queue: "connecting you to an agent" in the caller's language, then the room."""
        state = self._calls.get(caller_sid)
        prompts = self._catalogues(state.language if state and state.language else "en")
        response = VoiceResponse()
        say(response, prompts, prompts.text("connecting_agent"))
        if state is not None:
            self._calls.update(caller_sid, status=CallStatus.CONNECTED)
            self._waiting.left(caller_sid, state.queue_name, served=True)
            self._events.answered(caller_sid)  # the wallboard's record (once: the Enqueue action's redirect may have)
            if state.agent:
                self._presence.staging_advance(state.agent, caller_sid, "joined", self._call_ttl)
            if state.enqueued_at and state.queue_name:
                QUEUE_WAIT_SECONDS.labels(state.queue_name.kind.value).observe(
                    max((self._clock() - state.enqueued_at).total_seconds(), 0))
        dial = Dial()
        dial.conference(room(caller_sid), participant_label="caller", start_conference_on_enter=True,
                        end_conference_on_exit=True, beep=False)
        response.append(dial)
        return response

    def requeue(self, caller_sid: str, queue_text: str) -> VoiceResponse:
        """A cold transfer (Calls update Url): the caller leaves the conference for another queue, where they
        wait from their first arrival with their verification; the agent who transferred goes into wrap-up."""
        state = self._calls.get(caller_sid)
        if state is None:
            raise LookupError(f"no call {caller_sid} to transfer")  # the caller's apology: technical support
        queue = next((kind for kind in Queue if kind.value == queue_text), DEFAULT_QUEUE)
        prompts = self._catalogues(state.language or "en")
        if state.agent:
            self._presence.staging_end(state.agent, caller_sid, "wrap-up")
        self._dispatch.kick()
        return self._queue_entry.requeue(state, prompts, queue)

    def on_hold(self, locale: str) -> VoiceResponse:
        """The HoldUrl: a held caller hears a word of thanks, then music (Play and Say only, as Twilio allows)."""
        prompts = self._catalogues(locale)
        response = VoiceResponse()
        say(response, prompts, prompts.text("hold_thanks"))
        response.play(self._hold_music_url, loop=0)
        return response

    # -- the caller's end --------------------------------------------------------------------

    def caller_gone(self, caller_sid: str, offer: Offer | None, state: CallState | None = None) -> None:
        """The caller hung up: an agent still ringing or hearing the briefing is freed, their leg ended; so is an
        agent being consulted about them (a warm transfer under way)."""
        if state is not None and state.consult_agent:
            self._presence.staging_end(state.consult_agent, caller_sid, "free", table=CONSULTS)
            self._dispatch.hang_up_later(state.consult_leg)
        if offer is None or offer.phase not in ("ringing", "briefing"):
            return
        self._presence.staging_end(offer.agent_id, caller_sid, "free")
        self._dispatch.hang_up_later(offer.leg)

    def _agent_prompts(self, agent: Agent | None) -> Prompts:
        language = next((lang for lang in (agent.languages if agent else ()) if self._catalogues.has(lang)), "en")
        return self._catalogues(language)
