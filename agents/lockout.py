"""Counting failed sign-ins per agent, and locking the agent out after too many.

Kept in Redis (INCR with an expiry), so the count holds across processes and a
lock-out ends by itself.
"""
from __future__ import annotations

import redis

from runtime.redis_connection import redis_errors

FAILURES = "agent-failures:"


class Lockout:
    def __init__(self, client: redis.Redis, limit: int = 5, window_seconds: int = 15 * 60):
        self._redis = client
        self.limit = limit
        self.window = window_seconds

    def locked(self, agent_id: str) -> bool:
        with redis_errors():
            return int(self._redis.get(FAILURES + agent_id) or 0) >= self.limit

    def failed(self, agent_id: str) -> None:
        with redis_errors():
            self._redis.pipeline().incr(FAILURES + agent_id).expire(FAILURES + agent_id, self.window).execute()

    def succeeded(self, agent_id: str) -> None:
        with redis_errors():
            self._redis.delete(FAILURES + agent_id)
