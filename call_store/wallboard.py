"""The supervisor's wallboard: today's figures per queue, the agents by state, the live calls, and the
series its charts draw, read from the call events' counters (`call_store.events`) and the agents' presence.

The arithmetic is `routing.wallboard`'s (pure); this module reads Redis (four round trips: the counters,
moves and who waits in one; the agents' records in two; their presence in one) and puts the figures together.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import redis

from call_store.events import CallEvents, Event, split_key
from routing.queues import QueueName
from routing.wallboard import QueueDay, combined, waiting_series
from runtime.unit_of_work import read_together
from workforce.directory import AgentDirectory
from workforce.presence import AgentPresence, AgentState

WINDOW_MINUTES = 8 * 60  # the "callers waiting" chart's span
STATE_ORDER = (AgentState.AVAILABLE, AgentState.OFFERED, AgentState.BUSY, AgentState.WRAP_UP,
               AgentState.OFFLINE_MISSED, AgentState.OFFLINE)


@dataclass(frozen=True)
class QueueFigures:
    key: str  # "SE/technical.sv.A"; "all" for the total
    line: str
    queue: QueueName | None
    waiting: int
    longest_wait: float | None  # seconds the longest-waiting caller has waited, None if nobody waits
    day: QueueDay

    @property
    def label(self) -> str:
        return "All queues" if self.key == "all" else f"{self.queue or self.key.partition('/')[2]} ({self.line})"


@dataclass(frozen=True)
class AgentRow:
    agent_id: str
    name: str
    state: AgentState
    since: datetime | None
    call: str  # the caller's CallSid while offered or busy
    supervisor: bool


@dataclass(frozen=True)
class Board:
    now: datetime
    day: date
    threshold_seconds: int
    target: float  # service level target, 0..1
    queues: list[QueueFigures]
    total: QueueFigures
    agents: list[AgentRow]
    waiting_series: list[int]  # callers waiting (all queues) at the end of each minute of the last 8 hours
    first_minute: int  # the series' first epoch minute

    @property
    def by_state(self) -> list[tuple[AgentState, int]]:
        counts = Counter(agent.state for agent in self.agents)
        return [(state, counts.get(state, 0)) for state in STATE_ORDER]

    @property
    def live_calls(self) -> list[AgentRow]:
        """Agents on a call (busy with a caller): the calls a supervisor may listen to, coach or barge into."""
        return [agent for agent in self.agents if agent.state is AgentState.BUSY and agent.call]


class Wallboard:
    def __init__(self, *, client: redis.Redis, events: CallEvents, agents: AgentDirectory, presence: AgentPresence,
                 clock: Callable[[], datetime], target_percent: int = 80):
        self._redis = client
        self._events = events
        self._agents = agents
        self._presence = presence
        self._clock = clock
        self.target = target_percent / 100

    @property
    def threshold_seconds(self) -> int:
        return self._events.threshold_seconds

    @property
    def zone(self) -> ZoneInfo:
        return self._events.zone

    def today(self) -> date:
        return self._events.today()

    @staticmethod
    def total(rows: list[QueueFigures]) -> QueueFigures:
        """The queues' figures added up (waiting: the callers in all of them; longest: the longest of all)."""
        longest = [row.longest_wait for row in rows if row.longest_wait is not None]
        return QueueFigures("all", "", None, sum(row.waiting for row in rows), max(longest, default=None),
                            combined(row.day for row in rows))

    def board(self) -> Board:
        now = self._clock()
        snapshot = self._events.snapshot()
        keys = sorted(set(snapshot.today) | {key for key, joined in snapshot.waiting.items() if joined})
        queues = [self._figures(key, snapshot.today.get(key, QueueDay()), snapshot.waiting.get(key, []), now)
                  for key in keys]
        everyone = [since for joined in snapshot.waiting.values() for since in joined]
        total = self.total(queues)
        last = int(now.timestamp() // 60)
        first = last - WINDOW_MINUTES + 1
        moves: dict[int, int] = {}
        for per_queue in snapshot.moves.values():
            for minute, delta in per_queue.items():
                moves[minute] = moves.get(minute, 0) + delta
        return Board(now=now, day=self._events.today(), threshold_seconds=self.threshold_seconds, target=self.target,
                     queues=queues, total=total, agents=self._agent_rows(),
                     waiting_series=waiting_series(len(everyone), moves, first, last), first_minute=first)

    def day(self, on: date) -> list[QueueFigures]:
        """A past (or this) day's figures per queue, for the CSV export (nobody waits in a past day)."""
        return [QueueFigures(key, *_line_and_queue(key), 0, None, day) for key, day in sorted(self._events.day(on).items())]

    def events(self, start: datetime, end: datetime) -> list[Event]:
        return self._events.events(start, end)

    def _figures(self, key: str, day: QueueDay, joined: list[float], now: datetime) -> QueueFigures:
        return QueueFigures(key, *_line_and_queue(key), len(joined), _longest(joined, now), day)

    def _agent_rows(self) -> list[AgentRow]:
        agents = self._agents.all()
        if not agents:
            return []
        presences = read_together(self._redis, *(self._presence.reading(agent.agent_id) for agent in agents))
        rows = [AgentRow(agent.agent_id, agent.name, presence.state, presence.since, presence.call, agent.supervisor)
                for agent, presence in zip(agents, presences)]
        return sorted(rows, key=lambda row: (STATE_ORDER.index(row.state), row.name))


def _line_and_queue(key: str) -> tuple[str, QueueName | None]:
    return split_key(key)


def _longest(joined: list[float], now: datetime) -> float | None:
    return max(now.timestamp() - min(joined), 0.0) if joined else None
