"""Named admin tokens, so the table's history says who made each change.

Tokens are random, shown once when made, and stored only as SHA-256 digests
(a long random token needs no slow hash). ADMIN_TOKEN, when set, is one more
token named "admin"; without any, a development token is kept in the instance folder.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

import redis

from runtime.redis_connection import acknowledged, redis_errors

TOKENS = "admin-tokens"  # digest -> name


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AdminTokens:
    def __init__(self, client: redis.Redis, configured: str):
        self._redis = client
        self._configured = configured

    def create(self, name: str) -> str:
        token = secrets.token_urlsafe(32)
        with redis_errors():  # confirmed by replicas before the token is shown: it must not vanish later
            acknowledged(self._redis.pipeline()).hset(TOKENS, digest(token), name).execute()
        return token

    def revoke(self, name: str) -> int:
        with redis_errors():
            gone = [key for key, owner in self._redis.hgetall(TOKENS).items() if owner == name]
            return acknowledged(self._redis.pipeline()).hdel(TOKENS, *gone).execute()[0] if gone else 0

    def names(self) -> list[str]:
        with redis_errors():
            return sorted(set(self._redis.hvals(TOKENS)))

    def holder(self, token: str) -> str | None:
        """The name behind `token`, or None."""
        if not token:
            return None
        if hmac.compare_digest(token.encode(), self._configured.encode()):
            return "admin"
        with redis_errors():
            return self._redis.hget(TOKENS, digest(token))
