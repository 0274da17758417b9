"""In-call controls: what an agent (their own calls) or a supervisor (any live call) may do to a call
in its conference, through Twilio's REST API.

Conference Participant update (https://www.twilio.com/docs/voice/api/conference-participant-resource):
`Hold` with `HoldUrl` (a document of Play, Say, Pause or Redirect, played to the held participant only),
`Muted`, `Coaching` + `CallSidToCoach`; Participants create dials a supervisor in (muted to listen,
coaching to be heard by the agent only, neither to barge). Calls update
(https://www.twilio.com/docs/voice/api/call-resource): `Url` redirects the caller out of the conference
(a transfer back into a queue), `Status=completed` ends the call.
"""
from __future__ import annotations

from enum import Enum

from call_store.call_state import CallState, CallStatus, CallStore
from call_store.offers import Dispatch
from runtime.twilio_rest import RestFailed, VoiceRest
from workforce.model import Agent
from workforce.presence import AgentPresence, AgentState

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


class CallControls:
    def __init__(self, *, calls: CallStore, presence: AgentPresence, rest: VoiceRest | None, dispatch: Dispatch):
        self._calls = calls
        self._presence = presence
        self._rest = rest
        self._dispatch = dispatch

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

    def wrap_up(self, agent: Agent, caller_sid: str, disposition: Disposition) -> AgentState | None:
        """The agent's disposition of their call, recorded; their wrap-up ends (available). None: not their call."""
        state = self._calls.get(caller_sid)
        if state is None or state.agent != agent.agent_id:
            return None
        self._calls.update(caller_sid, disposition=disposition)
        presence = self._presence.get(agent.agent_id)
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
