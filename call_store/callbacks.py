"""Callback requests: durable, in the caller's original place in line.

A request keeps the time its caller first joined the queue, so it is served in
that order rather than as a new arrival, and is due only while its queue is
open. Records live in Redis (append-only persistence), so none is lost when a
process or Redis restarts.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime

import redis

from call_store.events import CallEvents
from routing.model import Queue
from routing.queues import QueueName
from routing.serving import Waiting, serving_order
from runtime.metrics import CALLBACKS
from runtime.redis_connection import acknowledged, redis_errors, unless_network
from runtime.unit_of_work import staged

OPEN = "callbacks:open"  # sorted by the caller's original place in line
RECORD = "callback:"


@dataclass
class Callback:
    id: str
    sid: str
    number: str  # E.164
    line: str
    queue_name: str  # e.g. billing.en.B
    language: str  # the caller's locale
    place: float  # when the caller first joined the queue (epoch seconds)
    requested_at: float
    org: str = ""
    org_name: str = ""
    verified: str = ""
    status: str = "open"  # open -> claimed -> closed
    claimed_by: str = ""
    closed_at: float = 0.0

    @property
    def queue(self) -> QueueName:
        """The queue it waits in (a record from before queue names were checked reads as technical)."""
        return QueueName.parse(self.queue_name) or QueueName(Queue.TECHNICAL, self.language.split("-")[0].lower())

    @property
    def entry(self) -> Waiting:
        return Waiting(self.id, self.queue, self.place)


class CallbackBook:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], events: CallEvents | None = None):
        self._redis = client
        self._clock = clock
        self._events = events  # the wallboard's record of requests and claims (None: not recorded)

    def request(self, **fields) -> Callback:
        callback = Callback(id=secrets.token_hex(6), requested_at=self._clock().timestamp(), **fields)
        with staged(self._redis) as pipe:  # with the call's record of it, in one MULTI that replicas confirm
            acknowledged(pipe).set(RECORD + callback.id, json.dumps(asdict(callback))).zadd(OPEN, {callback.id: callback.place})
        CALLBACKS.labels("requested").inc()
        if self._events is not None:
            self._events.callback_requested(callback.sid, callback.line, callback.queue_name)
        return callback

    def get(self, callback_id: str) -> Callback | None:
        with redis_errors():
            raw = self._redis.get(RECORD + callback_id)
        return Callback(**json.loads(raw)) if raw else None

    def outstanding(self) -> list[Callback]:
        """Open and claimed requests, in serving order (severity A first, then the original place)."""
        with redis_errors():
            ids = self._redis.zrange(OPEN, 0, -1)
            raws = self._redis.mget([RECORD + callback_id for callback_id in ids]) if ids else []
        callbacks = {cb.id: cb for cb in (Callback(**json.loads(raw)) for raw in raws if raw)}
        return [callbacks[entry.sid] for entry in serving_order(cb.entry for cb in callbacks.values())]

    def claim(self, callback_id: str, agent_id: str) -> bool:
        """True if this agent now has it; False if someone else claimed or closed it first."""
        claimed = self._counted("claimed", self._change(callback_id, lambda cb: cb.status == "open", status="claimed", claimed_by=agent_id))
        callback = self.get(callback_id) if claimed and self._events is not None else None
        if callback is not None:  # the claiming agent dials the caller back
            self._events.callback_dialled(callback.sid, callback.line, callback.queue_name, agent_id)
        return claimed

    def close(self, callback_id: str, agent_id: str, supervisor: bool = False) -> bool:
        """Only a claimed callback closes, and only by the agent who claimed it (or a supervisor): an
        unclaimed one must be claimed first, so no agent can make a caller's request vanish unseen."""
        return self._counted("closed", self._change(
            callback_id, lambda cb: cb.status == "claimed" and (cb.claimed_by == agent_id or supervisor),
            status="closed", closed_at=self._clock().timestamp()))

    @staticmethod
    def _counted(event: str, done: bool) -> bool:
        if done:
            CALLBACKS.labels(event).inc()
        return done

    def _change(self, callback_id: str, allowed: Callable[[Callback], bool], **fields) -> bool:
        key = RECORD + callback_id
        with redis_errors(), self._redis.pipeline() as pipe:
            acknowledged(pipe)
            while True:
                try:
                    pipe.watch(key)
                    raw = pipe.get(key)
                    callback = Callback(**json.loads(raw)) if raw else None
                    if callback is None or not allowed(callback):
                        pipe.unwatch()
                        return False
                    for name, value in fields.items():
                        setattr(callback, name, value)
                    pipe.multi()
                    pipe.set(key, json.dumps(asdict(callback)))
                    if callback.status == "closed":
                        pipe.zrem(OPEN, callback_id)
                    pipe.execute()
                    return True
                except redis.WatchError as race:
                    unless_network(race)
