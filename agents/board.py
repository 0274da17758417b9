"""What the console shows an agent: who waits and which callbacks are due, in
the order the router serves them, with what the whisper would tell."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from call_store.call_state import CallState, CallStore, Verified
from call_store.callbacks import Callback, CallbackBook
from call_store.waiting import WaitingRoom
from countries.store import TableStore
from routing.hours import next_opening
from routing.model import Severity, Table
from routing.serving import Estimate, Waiting, serving_order
from runtime.clock import Clock
from workforce.model import Agent

# What each severity means, in the policy's words, for the badge beside the queue.
SEVERITY_WORDS = {Severity.A: "critical", Severity.B: "high", Severity.C: "non-critical"}
NO_ESTIMATE = ("fewer than two callers were taken from that queue in the last hour, so there is nothing "
               "to base an estimate on yet")


def severity_label(severity: Severity | None) -> str:
    """"Severity A — critical", or "" for a queue without one (presales)."""
    return f"Severity {severity.value} — {SEVERITY_WORDS[severity]}" if severity else ""


@dataclass(frozen=True)
class WaitingRow:
    entry: Waiting
    state: CallState | None
    waited: str
    line: str
    estimate: Estimate
    mine: bool  # within the agent's skills

    @property
    def severity(self) -> str:
        return severity_label(self.entry.queue.severity)

    @property
    def verified(self) -> bool:
        return bool(self.state and self.state.verified is Verified.YES)

    @property
    def announcement(self) -> str:
        """What a screen reader hears once, when this caller first appears."""
        words = [f"New caller waiting in {self.entry.queue}", self.line]
        if self.severity:
            words.append(self.severity)
        if self.mine:
            words.append("your skills")
        return ", ".join(word for word in words if word) + "."


@dataclass(frozen=True)
class CallbackRow:
    callback: Callback
    due: str
    line: str
    mine: bool

    @property
    def severity(self) -> str:
        return severity_label(self.callback.queue.severity)

    @property
    def announcement(self) -> str:
        return f"New callback request in {self.callback.queue_name}, {self.line}, due {self.due}."


class QueueBoard:
    def __init__(self, *, waiting: WaitingRoom, calls: CallStore, callbacks: CallbackBook, tables: TableStore,
                 clock: Clock):
        self._waiting = waiting
        self._calls = calls
        self._callbacks = callbacks
        self._tables = tables
        self._clock = clock

    def live(self, agent: Agent) -> dict:
        now = self._clock()
        table = self._tables.latest_known()
        rows = []
        for entry in serving_order(self._waiting.everyone()):
            state = self._calls.get(entry.sid)
            rows.append(WaitingRow(entry, state, _minutes(now.timestamp() - entry.since),
                                   _line_name(table, state.line if state else ""),
                                   self._waiting.estimate(entry.sid, entry.queue, 0, 0), _skilled(agent, entry)))
        callbacks = [CallbackRow(callback, _due(table, callback, now), _line_name(table, callback.line),
                                 _skilled(agent, callback.entry)) for callback in self._callbacks.outstanding()]
        return {"rows": rows, "callbacks": callbacks, "now": now,
                "no_estimate": NO_ESTIMATE if any(row.estimate.seconds is None for row in rows) else ""}

    def call(self, sid: str) -> tuple[CallState | None, str]:
        """A call an agent picked to verify, with its line's name."""
        state = self._calls.get(sid[:64]) if sid else None
        return state, (_line_name(self._tables.latest_known(), state.line) if state else "")


def _skilled(agent: Agent, entry: Waiting) -> bool:
    return entry.queue.kind.value in agent.queues and entry.queue.language in agent.languages


def _due(table: Table, callback: Callback, now: datetime) -> str:
    """"now" while its queue is open, else when it opens (a callback is only due while its queue is open);
    the router's tries at it so far, and its next (or the one under way)."""
    tries = "; tries: " + ", ".join(f"{attempt.get('result')} {_clock_time(attempt.get('at', 0), table, callback)}"
                                    for attempt in callback.attempts) if callback.attempts else ""
    if callback.status == "calling":
        return f"being called now by agent {callback.current.get('agent', '?')}{tries}"
    at = now
    if callback.next_attempt_at > now.timestamp():
        at = datetime.fromtimestamp(callback.next_attempt_at, now.tzinfo)
    line = table.line(callback.line)
    if line is None:
        return "now" + tries
    queue = callback.queue
    opening = next_opening(line, queue.kind, at, queue.severity)
    if opening is None:
        return "when the line reopens" + tries
    if opening.timestamp() <= now.timestamp():
        return "now" + tries
    return opening.astimezone(ZoneInfo(line.timezone)).strftime("%a %d %b %H:%M") + f" ({line.timezone}){tries}"


def _clock_time(epoch: float, table: Table, callback: Callback) -> str:
    line = table.line(callback.line)
    zone = ZoneInfo(line.timezone) if line else timezone.utc
    return datetime.fromtimestamp(epoch, zone).strftime("%H:%M")


def _line_name(table: Table, line_id: str) -> str:
    line = table.line(line_id) if line_id else None
    return line.name if line else line_id


def _minutes(seconds: float) -> str:
    minutes = int(seconds // 60)
    return f"{minutes} min" if minutes else "under 1 min"
