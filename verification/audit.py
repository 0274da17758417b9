"""The record of every code sent and checked, for admins: who, when, which
channel, the masked destination, and the result. Never the code itself."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import redis

from runtime.masking import mask_number
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import staged

STREAM = "audit:verification"
KEEP = 10_000


def mask_destination(channel: str, destination: str) -> str:
    """`+4670*****67` for a phone; `j•••@contoso.com` for an e-mail address."""
    if channel == "email":
        local, _, domain = destination.partition("@")
        return f"{local[:1]}•••@{domain}"
    return mask_number(destination)


class AuditLog:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime]):
        self._redis = client
        self._clock = clock

    def record(self, *, actor: str, action: str, account: str, result: str, channel: str = "", destination: str = "") -> None:
        """`actor` is "caller +4670*****67" or "agent <id>"; destinations arrive unmasked and are stored masked."""
        entry = {
            "at": self._clock().isoformat(), "actor": actor, "action": action, "account": account,
            "channel": channel, "destination": mask_destination(channel, destination) if destination else "",
            "result": result,
        }
        with staged(self._redis) as pipe:  # with the webhook's other writes
            pipe.xadd(STREAM, entry, maxlen=KEEP, approximate=True)

    def recent(self, count: int = 100, account: str | None = None) -> list[dict[str, str]]:
        with redis_errors():
            entries = [fields for _, fields in self._redis.xrevrange(STREAM, count=max(1, min(count, 1000)) * (10 if account else 1))]
        if account:
            entries = [entry for entry in entries if entry["account"] == account]
        return entries[:count]

    def search(self, *, account: str = "", result: str = "", since: datetime | None = None, until: datetime | None = None,
               count: int = 200) -> list[dict[str, str]]:
        """The newest `count` entries matching every filter given (account, result, `since` <= at < `until`),
        looked for among the most recent KEEP entries."""
        with redis_errors():
            entries = [fields for _, fields in self._redis.xrevrange(STREAM, count=KEEP)]
        found = []
        for entry in entries:
            if account and entry.get("account") != account or result and entry.get("result") != result:
                continue
            if since or until:
                try:
                    at = datetime.fromisoformat(entry.get("at", ""))
                except ValueError:
                    continue
                if since and at < since or until and at >= until:
                    continue
            found.append(entry)
            if len(found) >= count:
                break
        return found
