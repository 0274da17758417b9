"""Counting failed sign-ins per agent, and locking the agent out after too many.

Kept in Redis (INCR with an expiry), so the count holds across processes and a
lock-out ends by itself.
"""
from __future__ import annotations

import redis

from runtime.unit_of_work import read_together, staged

FAILURES = "agent-failures:"


class Lockout:
    def __init__(self, client: redis.Redis, limit: int = 5, window_seconds: int = 15 * 60):
        self._redis = client
        self.limit = limit
        self.window = window_seconds

    def locked(self, agent_id: str) -> bool:
        return self.too_many(read_together(self._redis, self.failures(agent_id))[0])

    def too_many(self, failures: int) -> bool:
        return failures >= self.limit

    def failures(self, agent_id: str):
        """The failure count as a `Read`, to ride with other reads in one round trip."""
        def stage(pipe):
            pipe.get(FAILURES + agent_id)
            return lambda raw: int(raw or 0)
        return stage

    def failed(self, agent_id: str) -> None:
        with staged(self._redis) as pipe:
            pipe.incr(FAILURES + agent_id).expire(FAILURES + agent_id, self.window)

    def succeeded(self, agent_id: str) -> None:
        with staged(self._redis) as pipe:
            pipe.delete(FAILURES + agent_id)
