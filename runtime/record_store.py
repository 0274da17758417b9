"""JSON records in Redis with an index by phone number (organisations, agents).

A record and its index change together in one MULTI, guarded by WATCH, so a
lookup never sees a half-written record, and a batch lands whole or not at all.
Every change is durable: replicas confirm it before it counts as done.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Generic, TypeVar

import redis

from runtime.redis_connection import acknowledged, redis_errors, unless_network
from runtime.unit_of_work import read_together

T = TypeVar("T")


class PhoneIndexedStore(Generic[T]):
    def __init__(self, client: redis.Redis, *, kind: str, key_of: Callable[[T], str], phones_of: Callable[[T], tuple[str, ...]],
                 to_dict: Callable[[T], dict], from_dict: Callable[[dict], T]):
        self._redis = client
        self.record_prefix, self.phone_prefix, self._all = f"{kind}:", f"{kind}-phone:", f"{kind}s"
        self._key_of, self._phones_of = key_of, phones_of
        self._to_dict, self._from_dict = to_dict, from_dict

    def get(self, key: str) -> T | None:
        return read_together(self._redis, self.reading(key))[0]

    def reading(self, key: str):
        """`get(key)` as a `Read`, to ride with other reads in one round trip."""
        def stage(pipe):
            pipe.get(self.record_prefix + key)
            return lambda raw: self.decode(raw) if raw else None
        return stage

    def all(self) -> list[T]:
        return self._many(sorted(self._call(self._redis.smembers, self._all)))

    def by_phone(self, number: str) -> list[T]:
        """Every record that lists `number` (E.164), in key order."""
        if not number:
            return []
        return self._many(sorted(self._call(self._redis.smembers, self.phone_prefix + number)))

    def put(self, record: T) -> bool:
        """Create or replace; True when it was new."""
        return self.put_many([record])[0]

    def put_many(self, records: list[T]) -> list[bool]:
        keys = [self.record_prefix + self._key_of(record) for record in records]
        return self._transaction(keys, lambda pipe, old: [
            self._stage_put(pipe, record, old.get(key)) for key, record in zip(keys, records)
        ])

    def delete(self, key: str) -> bool:
        return self._transaction([self.record_prefix + key], lambda pipe, old: self._stage_delete(pipe, old.get(self.record_prefix + key)))

    def _stage_put(self, pipe, record: T, previous: T | None) -> bool:
        key = self._key_of(record)
        pipe.set(self.record_prefix + key, json.dumps(self._to_dict(record)))
        pipe.sadd(self._all, key)
        for number in set(self._phones_of(previous) if previous else ()) - set(self._phones_of(record)):
            pipe.srem(self.phone_prefix + number, key)
        for number in self._phones_of(record):
            pipe.sadd(self.phone_prefix + number, key)
        return previous is None

    def _stage_delete(self, pipe, previous: T | None) -> bool:
        if previous is None:
            return False
        key = self._key_of(previous)
        pipe.delete(self.record_prefix + key)
        pipe.srem(self._all, key)
        for number in self._phones_of(previous):
            pipe.srem(self.phone_prefix + number, key)
        return True

    def _transaction(self, keys: list[str], stage):
        """Read the current records under WATCH, stage the writes, and retry if anyone raced us."""
        with redis_errors(), self._redis.pipeline() as pipe:
            acknowledged(pipe)
            while True:
                try:
                    pipe.watch(*keys)
                    old = {key: self.decode(raw) for key, raw in zip(keys, pipe.mget(keys)) if raw}
                    pipe.multi()
                    result = stage(pipe, old)
                    pipe.execute()
                    return result
                except redis.WatchError as race:
                    unless_network(race)

    def _many(self, keys: list[str]) -> list[T]:
        if not keys:
            return []
        return [self.decode(raw) for raw in self._call(self._redis.mget, [self.record_prefix + key for key in keys]) if raw]

    def decode(self, raw: str) -> T:
        return self._from_dict(json.loads(raw))

    @staticmethod
    def _call(method, *args):
        with redis_errors():
            return method(*args)
