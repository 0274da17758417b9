"""Who is offered to whom: push routing's choice, pure.

The caller the router would serve first (severity A, then the longest wait:
`serving_order`) goes to the skilled agent idle longest; then the next caller
to the next such agent, and so on. Each pairing carries the caller's other
skilled agents in the same order, so that if another process took the first
meanwhile, the atomic offer in Redis falls to the next without a new choice.

A caller transferred to a named agent is reserved for that agent: offered to
them alone (skills aside: the transferring agent chose them), before anyone
else is paired, and to nobody while the reservation stands and they are busy.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from routing.queues import QueueName
from routing.serving import Waiting, serving_order


@dataclass(frozen=True)
class Skills:
    """What an agent takes: queue types (technical, billing, presales) and languages (two-letter)."""

    queues: frozenset[str]
    languages: frozenset[str]

    def cover(self, queue: QueueName) -> bool:
        return queue.kind.value in self.queues and queue.language in self.languages


@dataclass(frozen=True)
class Idle:
    """An agent ready for a caller, idle since `since` (epoch seconds), with their skills."""

    agent_id: str
    since: float
    skills: Skills


@dataclass(frozen=True)
class Pairing:
    caller: Waiting
    agents: tuple[str, ...]  # the chosen agent first, then the caller's other skilled agents, longest idle first


def pairings(waiting: Iterable[Waiting], idle: Iterable[Idle], offered: frozenset[str] = frozenset(),
             reserved: Mapping[str, str] | None = None) -> list[Pairing]:
    """The offers to make now: each caller not already offered, in serving order, to the longest-idle
    skilled agent not already chosen for an earlier caller. No agent is chosen twice. A caller in
    `reserved` (CallSid -> agent id) goes to that agent only, and those pairings come first."""
    reserved = reserved or {}
    agents = sorted(idle, key=lambda agent: (agent.since, agent.agent_id))
    ready = {agent.agent_id for agent in agents}
    taken: set[str] = set()
    made = []
    ordered = serving_order(entry for entry in waiting if entry.sid not in offered)
    for caller in ordered:
        target = reserved.get(caller.sid)
        if target is not None and target in ready and target not in taken:
            taken.add(target)
            made.append(Pairing(caller, (target,)))
    for caller in ordered:
        if caller.sid in reserved:
            continue
        skilled = [agent.agent_id for agent in agents if agent.skills.cover(caller.queue)]
        free = [agent_id for agent_id in skilled if agent_id not in taken]
        if not free:
            continue
        taken.add(free[0])
        made.append(Pairing(caller, (free[0], *(agent_id for agent_id in skilled if agent_id != free[0]))))
    return made
