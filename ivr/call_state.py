"""What the router remembers about a call between Twilio's webhooks.

Everything lives in one Redis hash per CallSid, with an expiry, so any router
process on any machine can serve the next webhook of any call. A Redis error
never leaves this module as a redis exception: it becomes `StoreUnavailable`,
which the IVR turns into an apology and the technical queue.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import redis

from runtime.redis_connection import redis_errors

KEY_PREFIX = "call:"
CLOSED_TTL_SECONDS = 15 * 60  # late webhooks after the status callback still find the record


@dataclass
class CallState:
    sid: str
    line: str
    dialed: str = ""
    caller: str = ""  # E.164, or "" when withheld or unparsable
    caller_country: str = ""
    language: str = ""  # the caller's locale once chosen, e.g. "sv-SE"
    queue: str = ""
    severity: str = ""
    queue_name: str = ""
    status: str = "ivr"  # ivr -> queued -> (left | ended)
    org: str = ""  # the organisation's account number, once known
    org_name: str = ""
    plan: str = ""
    verified: str = ""  # "yes", "no", or "partner" (sent to its partner)
    verified_by: str = ""  # "registered-phone", "sms" or "email"
    channel: str = ""  # where the last code went: "sms:+46...", "email:..."
    table_version: str = ""  # the country table version the call began with
    agent: str = ""  # the agent who took the call
    callback: str = ""  # "wanted" (left the queue for one), then "booked"
    queue_result: str = ""
    started_at: str = ""
    enqueued_at: str = ""
    ended_at: str = ""

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> "CallState | None":
        """None for a partial record (an update that outlived its call): treat as lost."""
        if not data.get("sid") or not data.get("line"):
            return None
        known = {f.name for f in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in known})


class CallStore:
    def __init__(self, client: redis.Redis, ttl_seconds: int):
        self._redis = client
        self._ttl = ttl_seconds

    def get(self, sid: str) -> CallState | None:
        with redis_errors():
            data = self._redis.hgetall(KEY_PREFIX + sid)
        return CallState.from_hash(data)

    def put(self, state: CallState) -> None:
        self._write(state.sid, asdict(state), self._ttl)

    def update(self, sid: str, also=None, **changes: str) -> None:
        """Write `changes`; `also(pipeline)` may add writes that belong with them (one round trip)."""
        self._write(sid, changes, self._ttl, also)

    def close(self, sid: str, status: str, ended_at: str) -> None:
        """Mark the call over; the record stays briefly for webhooks that arrive late."""
        self._write(sid, {"status": status, "ended_at": ended_at}, CLOSED_TTL_SECONDS)

    def _write(self, sid: str, mapping: dict[str, str], ttl: int, also=None) -> None:
        """One round trip: the fields and the expiry together (and whatever `also` adds)."""
        with redis_errors():
            pipe = self._redis.pipeline().hset(KEY_PREFIX + sid, mapping=mapping).expire(KEY_PREFIX + sid, ttl)
            if also is not None:
                also(pipe)
            pipe.execute()
