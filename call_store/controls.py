"""In-call controls: what an agent (their own calls) or a supervisor (any live call) may do to a call
in its conference, through Twilio's REST API.

Conference Participant update (https://www.twilio.com/docs/voice/api/conference-participant-resource):
`Hold` with `HoldUrl` (a document of Play, Say, Pause or Redirect, played to the held participant only),
`Muted`, `Coaching` + `CallSidToCoach`; Participants create dials a supervisor in (muted to listen,
coaching to be heard by the agent only, neither to barge). Calls update
(https://www.twilio.com/docs/voice/api/call-resource): `Url` redirects the caller out of the conference
(a transfer back into a queue), `Status=completed` ends the call.

A warm transfer (consult) uses the same resource: the caller on `Hold` (their HoldUrl's music), the
target dialled in by Participants create (`Label` consult, `EndConferenceOnExit` false, `Timeout` the
ring time, a `StatusCallback` for their leg), briefed on joining by `AnnounceUrl` on their participant
alone; complete hands the conference over (`EndConferenceOnExit` moved from the first agent to the
target, the caller off hold, the first agent removed), cancel removes the target and takes the caller
off hold.
"""
from __future__ import annotations

import logging
from enum import Enum

import redis

from call_store.call_state import CallState, CallStatus, CallStore
from call_store.offers import Dispatch
from routing.model import Queue
from routing.offers import Skills
from routing.queues import QueueName
from runtime.twilio_rest import RestFailed, VoiceRest
from runtime.unit_of_work import read_together
from workforce.directory import AgentDirectory
from workforce.model import Agent
from workforce.presence import CONSULTS, AgentPresence, AgentState, Offer

log = logging.getLogger(__name__)
RESERVE_SECONDS = 60  # how long a caller transferred to a named agent waits for them alone


class Disposition(str, Enum):
    RESOLVED = "resolved"
    ESCALATED = "escalated"
    CALLBACK_PROMISED = "callback-promised"


class Monitor(str, Enum):
    LISTEN = "listen"  # muted: hears both, heard by nobody
    COACH = "coach"  # heard by the agent only
    BARGE = "barge"  # heard by both


class NoRest(RestFailed):
    """Push routing is off: there is no Twilio REST API to act through."""


class ConsultRefused(Exception):
    """A warm transfer cannot begin, complete or be cancelled now (the reason says why)."""


class CallControls:
    def __init__(self, *, client: redis.Redis, calls: CallStore, presence: AgentPresence, rest: VoiceRest | None,
                 dispatch: Dispatch, agents: AgentDirectory):
        self._redis = client
        self._calls = calls
        self._presence = presence
        self._rest = rest
        self._dispatch = dispatch
        self._agents = agents

    def live_call(self, agent: Agent, caller_sid: str) -> CallState | None:
        """The call, if it is live in its conference and the agent's own (or the agent supervises)."""
        state = self._calls.get(caller_sid)
        if state is None or state.status is not CallStatus.CONNECTED or not state.conference_sid:
            return None
        return state if state.agent == agent.agent_id or agent.supervisor else None

    def hold(self, state: CallState, on: bool) -> None:
        """The caller on hold (music, in their language's voice) or back."""
        self._api().participant(state.conference_sid, state.sid, hold=on,
                                hold_url=self._dispatch.url("on-hold", lang=state.language or "en"), hold_method="POST")
        self._calls.update(state.sid, on_hold=on)  # so a reloaded console shows the caller still on hold

    def end(self, state: CallState) -> None:
        self._api().hang_up(state.sid)

    def transfer(self, agent: Agent, state: CallState, queue: str, reason: str) -> None:
        """Cold transfer: the caller leaves the conference for `queue`, at their first arrival, verification
        kept; the next agent's briefing says who transferred them and why."""
        self._calls.update(state.sid, transferred_by=agent.name, transfer_reason=reason)
        self._api().redirect_call(state.sid, self._dispatch.url("requeue", queue=queue))

    def transfer_to_agent(self, agent: Agent, state: CallState, target: Agent, reason: str) -> None:
        """Transfer to a named agent: the caller goes back into their own queue at their first arrival,
        verification kept, reserved for `target` (offered to them alone); the target's briefing says who
        transferred them and why. If the target does not answer (or the reservation lapses while they are
        taken by another call), the caller is simply first in line there for anyone."""
        queue = state.queue_name.kind.value if state.queue_name else (state.queue.value if state.queue else "technical")
        self._calls.update(state.sid, transferred_by=agent.name, transfer_reason=reason)
        self._presence.reserve(state.sid, target.agent_id, RESERVE_SECONDS)
        try:
            self._api().redirect_call(state.sid, self._dispatch.url("requeue", queue=queue))
        except RestFailed:
            self._presence.release(state.sid)
            raise

    def target_refusal(self, agent: Agent, target: Agent | None) -> str | None:
        """Why `target` cannot be transferred to now (None: they can): they must exist, be someone else,
        and be available."""
        if target is None:
            return "no such agent"
        if target.agent_id == agent.agent_id:
            return "that is you"
        state = self._presence.get(target.agent_id).state
        if state is not AgentState.AVAILABLE:
            return f"{target.name} is {state.value}, not available"
        return None

    # -- warm transfer -------------------------------------------------------------------

    def consult_candidates(self, agent: Agent, state: CallState, kind: str) -> list[str]:
        """Agents ready now whose skills cover `kind` in the caller's language, longest idle first."""
        language = state.queue_name.language if state.queue_name else (state.language or "en")[:2].lower()
        queue = QueueName(Queue(kind), language)
        [ready] = read_together(self._redis, self._presence.reading_ready())
        others = [entry for entry in ready if entry.agent_id != agent.agent_id]
        records = read_together(self._redis, *(self._agents.reading(entry.agent_id) for entry in others))
        return [entry.agent_id for entry, record in sorted(zip(others, records), key=lambda pair: pair[0].since)
                if record is not None and Skills(frozenset(record.queues), frozenset(record.languages)).cover(queue)]

    def consult(self, agent: Agent, state: CallState, candidates: list[str], reason: str) -> tuple[str, str]:
        """Warm transfer begins: the first candidate still available is claimed (atomically, as an offer is),
        the caller goes on hold, and the target is dialled into the conference. (target id, their leg)."""
        if state.consult_agent:
            raise ConsultRefused(f"already consulting agent {state.consult_agent}")
        api = self._api()
        ring_seconds = self._dispatch.ring_seconds
        claimed = self._presence.offer(state.sid, candidates, ring_seconds, table=CONSULTS)
        if claimed is None:
            raise ConsultRefused("no longer available")
        target, ring = claimed
        if not ring:
            self._presence.end(target, state.sid, "back", table=CONSULTS)
            raise ConsultRefused("has no phone or browser to ring")
        held = False
        try:
            self.hold(state, True)
            held = True
            leg = api.add_participant(
                state.conference_sid, to=ring, from_=state.dialed or ring, label="consult", beep="false",
                end_conference_on_exit=False, timeout=ring_seconds, status_callback_method="POST",
                status_callback=self._dispatch.url("consult-status", call=state.sid, agent=target),
                status_callback_event=["answered", "completed"])
        except RestFailed:
            self._presence.end(target, state.sid, "back", table=CONSULTS)
            if held:
                self._quietly(lambda: self.hold(state, False))
            raise
        self._presence.advance(target, state.sid, "ringing", ring_seconds + 15, leg=leg, table=CONSULTS)
        self._calls.update(state.sid, consult_agent=target, consult_leg=leg, transferred_by=agent.name,
                           transfer_reason=reason)
        return target, leg

    def complete_consult(self, agent: Agent, state: CallState) -> str:
        """The first agent leaves; the caller, off hold, stays with the target, whose call it now is. The
        target's id."""
        consult = self._consult(state)
        if consult.phase != "joined":
            raise ConsultRefused("the agent you are consulting has not joined yet")
        api = self._api()
        api.participant(state.conference_sid, state.agent_leg, end_conference_on_exit=False)
        api.participant(state.conference_sid, consult.leg, end_conference_on_exit=True)
        self.hold(state, False)
        api.remove_participant(state.conference_sid, state.agent_leg)
        self._presence.hand_over(state.sid, consult.agent_id)
        self._calls.update(state.sid, agent=consult.agent_id, agent_leg=consult.leg, consult_agent="", consult_leg="")
        self._presence.end(agent.agent_id, state.sid, "wrap-up")
        return consult.agent_id

    def cancel_consult(self, state: CallState) -> str:
        """The target leaves (available again); the caller, off hold, is back with the first agent."""
        consult = self._consult(state)
        api = self._api()
        if consult.phase == "joined":
            api.remove_participant(state.conference_sid, consult.leg)
        elif consult.leg:
            api.hang_up(consult.leg)
        self._presence.end(consult.agent_id, state.sid, "free", table=CONSULTS)
        self._calls.update(state.sid, consult_agent="", consult_leg="")
        self.hold(state, False)
        return consult.agent_id

    def _consult(self, state: CallState) -> Offer:
        [consult] = read_together(self._redis, self._presence.reading_offer(state.sid, CONSULTS))
        if consult is None or consult.agent_id != state.consult_agent:
            raise ConsultRefused("no consult under way on this call")
        return consult

    @staticmethod
    def _quietly(request) -> None:
        """A clean-up after a failure already reported: its own failure is logged, not raised."""
        try:
            request()
        except RestFailed as exc:
            log.warning("clean-up after a failed warm transfer failed too: %s", exc)

    def wrap_up(self, agent: Agent, caller_sid: str, disposition: Disposition) -> AgentState | None:
        """The agent's disposition of their call, recorded; their wrap-up ends (available). None: not their call
        (theirs: they have it now, or it is the last call they had, which a transfer has since given to a queue)."""
        state = self._calls.get(caller_sid)
        presence = self._presence.get(agent.agent_id)
        if state is None or (state.agent != agent.agent_id and presence.last != caller_sid):
            return None
        self._calls.update(caller_sid, disposition=disposition)
        if presence.state is AgentState.WRAP_UP:
            result = self._presence.set_by_agent(agent.agent_id, AgentState.AVAILABLE)
            self._dispatch.kick()
            return result
        return presence.state

    def monitor(self, supervisor: Agent, state: CallState, mode: Monitor) -> str:
        """Dial the supervisor into the call's conference: listen (muted), coach (the agent alone hears them),
        barge (everyone does). Rings where their offers ring, else their first registered phone. The leg's sid."""
        ring = self._presence.get(supervisor.agent_id).ring or (supervisor.phones[0] if supervisor.phones else "")
        if not ring:
            raise RestFailed("the supervisor has no phone or browser to ring")
        extra = {"call_sid_to_coach": state.agent_leg} if mode is Monitor.COACH else {}
        return self._api().add_participant(
            state.conference_sid, to=ring, from_=state.dialed or ring, label=f"supervisor-{supervisor.agent_id}",
            muted=mode is Monitor.LISTEN, coaching=mode is Monitor.COACH, end_conference_on_exit=False,
            beep="false", **extra)

    def _api(self) -> VoiceRest:
        if self._rest is None:
            raise NoRest("Twilio's REST API is not configured (TWILIO_ACCOUNT_SID)")
        return self._rest
