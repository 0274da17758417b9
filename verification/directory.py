"""The organisation directory in Redis, indexed by registered phone number."""
from __future__ import annotations

import redis

from runtime.record_store import PhoneIndexedStore
from verification.organisations import Organisation


def organisation_from_dict(data: dict) -> Organisation:
    return Organisation(
        account_number=data["account_number"], name=data["name"],
        registered_phones=tuple(data["registered_phones"]), registered_emails=tuple(data["registered_emails"]),
        purchased_via=data["purchased_via"], plan=data["plan"],
    )


class Directory(PhoneIndexedStore[Organisation]):
    def __init__(self, client: redis.Redis):
        super().__init__(
            client, kind="org", key_of=lambda org: org.account_number, phones_of=lambda org: org.registered_phones,
            to_dict=Organisation.to_dict, from_dict=organisation_from_dict,
        )
