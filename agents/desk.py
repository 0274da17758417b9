"""The agent desktop's own part of the console: the agent's state and how long they have been in it,
the screen pop for the caller the router offers them (before hello), the call they are on or wrapping
up, and the live roster of agents (who is available, for the transfer picker).

Everything comes from the router's records (presence, the call's record, the country table), never
from the browser phone: the screen pop shows the same whether the offer rings the browser or a phone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import redis

from agents.board import severity_label
from call_store.call_state import CallbackWish, CallState, CallStore, Verified
from countries.store import TableStore
from prompts.catalogue import Catalogues, primary_language
from routing.model import Queue, Severity
from routing.response_times import first_response
from runtime.clock import Clock
from runtime.unit_of_work import read_together
from workforce.directory import AgentDirectory
from workforce.model import Agent
from workforce.presence import AgentPresence, AgentState, Presence

STATE_WORDS = {AgentState.AVAILABLE: "Available", AgentState.OFFERED: "Offered a call", AgentState.BUSY: "Busy: on a call",
               AgentState.WRAP_UP: "Wrap-up", AgentState.OFFLINE: "Offline",
               AgentState.OFFLINE_MISSED: "Offline: you missed an offered call"}
# How the caller proved who they are, in the console's words.
VERIFIED_BY = {"registered-phone": "calling from a registered phone", "sms": "a code sent by text message",
               "email": "a code sent by e-mail"}
# The promised first responses that run on the clock, in hours (the others are business days or "any time").
PROMISE_HOURS = {"hour_1": 1, "hours_2": 2, "hours_4": 4, "hours_8": 8}


@dataclass(frozen=True)
class ScreenPop:
    """Who the router offers (or gave) the agent, as the console shows it before hello."""

    sid: str
    line: str
    language: str  # its name, in English ("Swedish")
    queue: str  # "technical.sv.A"
    queue_kind: str  # "technical"
    severity: str  # "Severity A — critical", or ""
    severity_class: str  # "severity-a", or ""
    organisation: str
    verified: bool
    verification: str  # how verified, or why not
    plan: str
    promise: str  # "within one hour (by 10:05 Europe/Stockholm)"
    waited: str
    transferred_from: str  # "Berit: wrong queue", or ""
    kind: str  # "Call" or "Callback"
    account: str  # the organisation's account number, for the code step
    locale: str  # the caller's locale ("sv-SE"): the code's message is written in it
    consulting: str  # a warm transfer under way: the agent consulted ("Berit (1002)"), or ""
    on_hold: bool  # the agent put the caller on hold and has not resumed them

    @property
    def needs_verifying(self) -> bool:
        return not self.verified and self.queue_kind != Queue.PRESALES.value

    def public(self) -> dict:
        return {"call_sid": self.sid, "line": self.line, "language": self.language, "locale": self.locale,
                "queue": self.queue, "severity": self.severity, "organisation": self.organisation,
                "account_number": self.account, "verified": self.verified, "verification": self.verification,
                "plan": self.plan, "first_response": self.promise, "waited": self.waited,
                "transferred_from": self.transferred_from, "kind": self.kind, "consulting": self.consulting,
                "on_hold": self.on_hold}


@dataclass(frozen=True)
class RosterEntry:
    agent_id: str
    name: str
    queues: tuple[str, ...]
    languages: tuple[str, ...]
    state: AgentState
    since: float | None  # epoch seconds

    @property
    def state_words(self) -> str:
        return STATE_WORDS[self.state]

    def public(self) -> dict:
        return {"agent_id": self.agent_id, "name": self.name, "queues": list(self.queues),
                "languages": list(self.languages), "state": self.state.value,
                "since": datetime.fromtimestamp(self.since, UTC).isoformat() if self.since else None}


@dataclass(frozen=True)
class Desk:
    presence: Presence
    state_words: str
    since: float | None  # epoch seconds the state began
    wrap_up_until: float | None
    ring: str  # "browser" or "phone"
    pop: ScreenPop | None  # the offered, current or (in wrap-up) last call
    roster: list[RosterEntry]

    def public(self) -> dict:
        return {**self.presence.public(), "state_words": self.state_words, "call": self.pop.public() if self.pop else None}

    @property
    def call_sid(self) -> str:
        """The call the in-call controls act on (while busy), or the one the wrap-up is about."""
        return self.pop.sid if self.pop else ""


class AgentDesk:
    def __init__(self, *, client: redis.Redis, presence: AgentPresence, calls: CallStore, agents: AgentDirectory,
                 tables: TableStore, catalogues: Catalogues, clock: Clock):
        self._redis = client
        self._presence = presence
        self._calls = calls
        self._agents = agents
        self._tables = tables
        self._english = catalogues("en")
        self._clock = clock

    def desk(self, agent: Agent) -> Desk:
        presence = self._presence.get(agent.agent_id)
        sid = presence.call if presence.state in (AgentState.OFFERED, AgentState.BUSY) else (
            presence.last if presence.state is AgentState.WRAP_UP else "")
        state = self._calls.get(sid) if sid else None
        return Desk(presence, STATE_WORDS[presence.state], presence.since.timestamp() if presence.since else None,
                    presence.until.timestamp() if presence.until else None,
                    "browser" if presence.ring.startswith("client:") else "phone",
                    self.screen_pop(state, presence) if state else None, self.roster())

    def roster(self) -> list[RosterEntry]:
        """Every agent and their state, by name (their states read in one round trip)."""
        agents = sorted(self._agents.all(), key=lambda a: (a.name.lower(), a.agent_id))
        states = read_together(self._redis, *(self._presence.reading(agent.agent_id) for agent in agents)) if agents else []
        entries = []
        for agent, presence in zip(agents, states):
            entries.append(RosterEntry(agent.agent_id, agent.name, agent.queues, agent.languages, presence.state,
                                       presence.since.timestamp() if presence.since else None))
        return entries

    def screen_pop(self, state: CallState, presence: Presence) -> ScreenPop:
        now = self._clock()
        table = self._tables.latest_known()
        line = table.line(state.line)
        queue = state.queue_name
        severity = queue.severity if queue else state.severity
        names = self._english.raw("language_names")
        language = names.get(primary_language(state.language), state.language) if state.language else "not chosen"
        verified = state.verified is Verified.YES
        kind = queue.kind.value if queue else ""
        if verified:
            method = VERIFIED_BY.get(state.verified_by, state.verified_by)
            verification = f"Verified: {state.org_name or state.org}, by {method}"
        elif kind == Queue.PRESALES.value:
            verification = "Sales caller: not verified (sales callers need not be)"
        elif state.verified is Verified.PARTNER:
            verification = "Not verified: a partner's customer, do not access the account"
        else:
            verification = "Not verified: do not access the account"
        waited_until = now if presence.state is AgentState.OFFERED or presence.since is None else presence.since
        waited = _minutes((waited_until - state.enqueued_at).total_seconds()) if state.enqueued_at else "—"
        transferred = ""
        if state.transferred_by:
            transferred = state.transferred_by + (f": {state.transfer_reason}" if state.transfer_reason else "")
        return ScreenPop(
            sid=state.sid, line=line.name if line else state.line, language=language,
            queue=str(queue) if queue else "—", queue_kind=kind, severity=severity_label(severity) if queue and queue.severity else "",
            severity_class=f"severity-{severity.value.lower()}" if queue and queue.severity else "",
            organisation=state.org_name or state.org or "unknown", verified=verified, verification=verification,
            plan=state.plan or "unknown", promise=self._promise(state, severity, line.timezone if line else "UTC"),
            waited=waited, transferred_from=transferred, kind="Callback" if state.callback is CallbackWish.BOOKED else "Call",
            account=state.org, locale=state.language, consulting=self._name(state.consult_agent),
            on_hold=state.on_hold)

    def _name(self, agent_id: str) -> str:
        if not agent_id:
            return ""
        agent = self._agents.get(agent_id)
        return f"{agent.name} ({agent_id})" if agent else agent_id

    def _promise(self, state: CallState, severity: Severity | None, zone: str) -> str:
        """The policy's first response for the caller's severity and plan, and by when, where it runs on the clock."""
        if state.queue_name and state.queue_name.kind is Queue.PRESALES:
            return "no response time is promised to sales callers"
        key = first_response(severity, state.plan, state.line)
        words = self._english.raw("response_times").get(key, key)
        start = state.enqueued_at or state.started_at
        if key in PROMISE_HOURS and start is not None:
            by = (start + timedelta(hours=PROMISE_HOURS[key])).astimezone(ZoneInfo(zone))
            return f"{words} (by {by:%H:%M} {zone})"
        return words


def _minutes(seconds: float) -> str:
    minutes = int(max(0, seconds) // 60)
    return f"{minutes} min" if minutes else "under 1 min"

