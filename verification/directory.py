"""The organisation directory in Redis, indexed by registered phone number.

A record and its phone index change together in one MULTI, guarded by WATCH,
so a caller's lookup never sees a half-written organisation, and an import of
many records lands whole or not at all.
"""
from __future__ import annotations

import json

import redis

from runtime.redis_connection import StoreUnavailable
from verification.organisations import Organisation

RECORD = "org:"
BY_PHONE = "org-phone:"
ALL = "orgs"


class Directory:
    def __init__(self, client: redis.Redis):
        self._redis = client

    def get(self, account_number: str) -> Organisation | None:
        raw = self._call(self._redis.get, RECORD + account_number)
        return _decode(raw) if raw else None

    def all(self) -> list[Organisation]:
        numbers = sorted(self._call(self._redis.smembers, ALL))
        if not numbers:
            return []
        raws = self._call(self._redis.mget, [RECORD + number for number in numbers])
        return [_decode(raw) for raw in raws if raw]

    def by_phone(self, number: str) -> list[Organisation]:
        """Every organisation that registered `number` (E.164), in account order."""
        if not number:
            return []
        accounts = sorted(self._call(self._redis.smembers, BY_PHONE + number))
        if not accounts:
            return []
        raws = self._call(self._redis.mget, [RECORD + account for account in accounts])
        return [_decode(raw) for raw in raws if raw]

    def put(self, organisation: Organisation) -> bool:
        """Create or replace; True when it was new."""
        return self.put_many([organisation])[0]

    def put_many(self, organisations: list[Organisation]) -> list[bool]:
        """All records, with their phone index, in one transaction."""
        keys = [RECORD + org.account_number for org in organisations]
        return self._transaction(keys, lambda pipe, old: [
            self._stage_put(pipe, org, old.get(RECORD + org.account_number)) for org in organisations
        ])

    def delete(self, account_number: str) -> bool:
        key = RECORD + account_number
        return self._transaction([key], lambda pipe, old: self._stage_delete(pipe, account_number, old.get(key)))

    @staticmethod
    def _stage_put(pipe, org: Organisation, previous: Organisation | None) -> bool:
        pipe.set(RECORD + org.account_number, json.dumps(org.to_dict()))
        pipe.sadd(ALL, org.account_number)
        for number in set(previous.registered_phones if previous else ()) - set(org.registered_phones):
            pipe.srem(BY_PHONE + number, org.account_number)
        for number in org.registered_phones:
            pipe.sadd(BY_PHONE + number, org.account_number)
        return previous is None

    @staticmethod
    def _stage_delete(pipe, account_number: str, previous: Organisation | None) -> bool:
        if previous is None:
            return False
        pipe.delete(RECORD + account_number)
        pipe.srem(ALL, account_number)
        for number in previous.registered_phones:
            pipe.srem(BY_PHONE + number, account_number)
        return True

    def _transaction(self, keys: list[str], stage):
        """Read the current records under WATCH, stage the writes, and retry if anyone raced us."""
        try:
            with self._redis.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(*keys)
                        raws = pipe.mget(keys) if keys else []
                        old = {key: _decode(raw) for key, raw in zip(keys, raws) if raw}
                        pipe.multi()
                        result = stage(pipe, old)
                        pipe.execute()
                        return result
                    except redis.WatchError:
                        continue
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc

    @staticmethod
    def _call(method, *args):
        try:
            return method(*args)
        except redis.RedisError as exc:
            raise StoreUnavailable(str(exc)) from exc


def _decode(raw: str) -> Organisation:
    data = json.loads(raw)
    return Organisation(
        account_number=data["account_number"], name=data["name"],
        registered_phones=tuple(data["registered_phones"]), registered_emails=tuple(data["registered_emails"]),
        purchased_via=data["purchased_via"], plan=data["plan"],
    )
