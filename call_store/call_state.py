"""What the router remembers about a call between Twilio's webhooks.

Everything lives in one Redis hash per CallSid, with an expiry, so any router
process on any machine can serve the next webhook of any call. A step's webhook
reads the hash together with the organisations its verification may need, in
one round trip; its writes go with the webhook's unit of work. A Redis error
never leaves this module as a redis exception: it becomes `StoreUnavailable`,
which the IVR turns into an apology and the technical queue.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import Enum

import redis

from routing.model import Queue, Severity
from routing.queues import QueueName
from runtime.record_store import PhoneIndexedStore
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import read_together, stage_hash_update, staged
from verification.codes import CodeBook, Outcome
from verification.organisations import Organisation
from verification.service import Destination

KEY_PREFIX = "call:"
CLOSED_TTL_SECONDS = 15 * 60  # late webhooks after the status callback still find the record
READ_ALONG = {"stored": False}

# KEYS: the call's record. ARGV: the directory's record and phone-index prefixes, and an account
# number to read besides the call's own. While the call has no organisation yet, the records
# registered on the caller's number come too (sorted by account number, as the directory gives them).
# It reads keys it is not passed (the directory's), which one Redis primary allows and Redis Cluster would not.
_READ_CALL = """
local call = redis.call('HGETALL', KEYS[1])
local caller, org = '', ''
for i = 1, #call, 2 do
  if call[i] == 'caller' then caller = call[i + 1] elseif call[i] == 'org' then org = call[i + 1] end
end
local by_phone = {}
if org == '' and caller ~= '' then
  local accounts = redis.call('SMEMBERS', ARGV[2] .. caller)
  table.sort(accounts)
  for i, account in ipairs(accounts) do by_phone[i] = redis.call('GET', ARGV[1] .. account) end
end
local account = ARGV[3] ~= '' and ARGV[3] or org
local named = false
if account ~= '' then named = redis.call('GET', ARGV[1] .. account) end
return {call, by_phone, named}
"""


class CallStatus(str, Enum):
    """Where the call is: in the menus, waiting, told the queue is closed, out of the queue, booked a
    callback, or over (Twilio's final `CallStatus`, kept as it came)."""

    IVR = "ivr"
    QUEUED = "queued"
    CONNECTED = "connected"  # an agent took the call (the agent line)
    CLOSED = "closed"
    LEFT = "left"
    CALLBACK = "callback"
    COMPLETED = "completed"
    BUSY = "busy"
    FAILED = "failed"
    NO_ANSWER = "no-answer"
    CANCELED = "canceled"


FINAL_STATUSES = frozenset({CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER,
                            CallStatus.CANCELED})


class Verified(str, Enum):
    NOT_YET = ""
    YES = "yes"
    NO = "no"
    PARTNER = "partner"  # sent to its partner


class CallbackWish(str, Enum):
    NONE = ""
    WANTED = "wanted"  # left the queue for one
    BOOKED = "booked"


@dataclass
class CallState:
    sid: str
    line: str
    dialed: str = ""
    caller: str = ""  # E.164, or "" when withheld or unparsable
    caller_country: str = ""
    attestation: str = ""  # StirVerstat as Twilio gave it with the call ("" where no carrier gives one)
    language: str = ""  # the caller's locale once chosen, e.g. "sv-SE"
    queue: Queue | None = None
    severity: Severity | None = None
    queue_name: QueueName | None = None
    status: CallStatus = CallStatus.IVR
    org: str = ""  # the organisation's account number, once known
    org_name: str = ""
    plan: str = ""
    verified: Verified = Verified.NOT_YET
    verified_by: str = ""  # "registered-phone", "sms", "email" or "agent <id>"
    channel: Destination | None = None  # where the last code went
    sends: int = 0  # codes asked for on this call; the questions that may send carry it in their URL
    delivery: str = ""  # how a delivery that outlived its webhook ended: "sent:<sends>" or "failed:<sends>"
    table_version: int = 0  # the country table version the call began with
    agent: str = ""  # the agent who took the call
    agent_leg: str = ""  # the agent's own leg of the call (for a coach to whisper to)
    conference_sid: str = ""  # the call's conference, once the agent is in it
    disposition: str = ""  # the agent's wrap-up: resolved, escalated, callback-promised
    transferred_by: str = ""  # the agent who last transferred the call, and why, for the next briefing
    transfer_reason: str = ""
    consult_agent: str = ""  # a warm transfer under way: the agent consulted, and their leg in the conference
    consult_leg: str = ""
    on_hold: bool = False  # the agent put the caller on hold (music) and has not resumed them yet
    callback: CallbackWish = CallbackWish.NONE
    queue_result: str = ""
    started_at: datetime | None = None
    enqueued_at: datetime | None = None
    ended_at: datetime | None = None
    # Read along with the record by `CallStore.read`, in the same round trip; never stored.
    phone_organisations: tuple[Organisation, ...] | None = field(default=None, compare=False, metadata=READ_ALONG)
    named_organisation: Organisation | None = field(default=None, compare=False, metadata=READ_ALONG)
    code_outcome: Outcome | None = field(default=None, compare=False, metadata=READ_ALONG)

    @classmethod
    def from_hash(cls, data: dict[str, str]) -> "CallState | None":
        """None for a partial record (an update that outlived its call): treat as lost.

        A record is read on nearly every webhook, so it is decoded the cheap way: an empty field is what
        the field's default is (tests/unit/call_store/test_call_state_codec.py holds every decoder to that),
        so only the fields that hold something are decoded, and the state is the defaults with those laid
        over them, without `__init__`'s forty assignments."""
        if not data.get("sid") or not data.get("line"):
            return None
        state = _new_state(cls)
        values = state.__dict__
        values.update(_BLANK)
        values.update({name: _FIELDS[name](text) for name, text in data.items() if text and name in _FIELDS})
        return state

    def stored(self) -> dict[str, str]:
        """The fields that hold something, as the hash holds them: an empty one is its default, unwritten."""
        values = self.__dict__
        return {name: _encode(value) for name in STORED
                if (value := values[name]) is not None and value is not False and value != ""}


def encode(**fields) -> dict[str, str]:
    """Fields as the call's Redis hash holds them: text, "" for none."""
    return {name: _encode(value) for name, value in fields.items()}


def _encode(value) -> str:
    if value.__class__ is str:  # most fields, asked first
        return value
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if isinstance(value, Enum):
        return value._value_  # the member's value, as `.value` gives it without `.value`'s Python-level descriptor
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Destination):
        return f"{value.channel}:{value.address}"
    return str(value)


def _enum(kind, empty=None):
    members = {member.value: member for member in kind}  # a dict lookup, not Enum's call, per field per read
    def decode(text: str):
        return members.get(text, empty)
    return decode


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _destination(text: str) -> Destination | None:
    channel, _, address = text.partition(":")
    return Destination(channel, address) if channel and address else None


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 0


def _flag(text: str) -> bool:
    return text == "yes"


_DECODERS = {
    "queue": _enum(Queue), "severity": _enum(Severity), "queue_name": QueueName.parse,
    "status": _enum(CallStatus, CallStatus.IVR), "verified": _enum(Verified, Verified.NOT_YET),
    "callback": _enum(CallbackWish, CallbackWish.NONE), "channel": _destination, "sends": _count,
    "table_version": _count, "on_hold": _flag, "started_at": _instant, "enqueued_at": _instant, "ended_at": _instant,
}
STORED = frozenset(f.name for f in fields(CallState) if f.metadata.get("stored", True))
# Each stored field's decoder, text fields as they are (`str` of a str is the str itself, and a C call):
# one lookup per field of every read, where a value this router did not write becomes "none".
_FIELDS = {name: _DECODERS.get(name, str) for name in STORED}
_BLANK = {f.name: f.default for f in fields(CallState)}  # every field has a plain default (sid and line none)
del _BLANK["sid"], _BLANK["line"]
_new_state = object.__new__


class CallStore:
    def __init__(self, client: redis.Redis, ttl_seconds: int, directory: PhoneIndexedStore[Organisation],
                 codes: CodeBook):
        self._redis = client
        self._ttl = ttl_seconds
        self._directory = directory
        self._codes = codes

    def get(self, sid: str) -> CallState | None:
        return read_together(self._redis, self.reading(sid))[0]

    def get_with(self, sid: str, *reads) -> list:
        """The call and other stores' reads (`Read`s) in one round trip: [state, *their results]."""
        return read_together(self._redis, self.reading(sid), *reads)

    def reading(self, sid: str):
        """`get(sid)` as a `Read`, to ride with other reads in one round trip."""
        def stage(pipe):
            pipe.hgetall(KEY_PREFIX + sid)
            return CallState.from_hash
        return stage

    def read(self, sid: str, account: str = "", code: str = "") -> CallState | None:
        """The call with what its verification step may need, in one round trip: the organisations
        on the caller's number, the one named by `account` (else the call's own), and with a `code`,
        the check of it against `account`'s live code."""
        read = (_READ_CALL, 1, KEY_PREFIX + sid, self._directory.record_prefix, self._directory.phone_prefix, account)
        with redis_errors():
            if code and account:
                pipe = self._redis.pipeline(transaction=False)
                pipe.eval(*read)
                self._codes.stage_check(pipe, account, code)
                replies = pipe.execute()
            else:  # one command: sent as it is, without a pipeline's own bookkeeping around it
                replies = [self._redis.eval(*read)]
        (flat, by_phone, named), checked = replies[0], replies[1:]
        state = CallState.from_hash(dict(zip(flat[::2], flat[1::2])))
        if state is None:
            return None
        state.phone_organisations = tuple(self._directory.decode(raw) for raw in by_phone if raw) if not state.org else None
        state.named_organisation = self._directory.decode(named) if named else None
        state.code_outcome = Outcome(checked[0]) if checked else None
        return state

    def create(self, **fields) -> CallState:
        """A new call's record from the fields it starts with, as `put(CallState(**fields))` writes it
        (encoding those fields, not every field of the state: this runs on every call's first webhook)."""
        state = CallState(**fields)
        mapping = {name: text for name, text in encode(**fields).items() if text}
        stage_hash_update(self._redis, KEY_PREFIX + state.sid, mapping, self._ttl, replace=True)
        return state

    def put(self, state: CallState) -> None:
        """The call's record as `state` has it, in place of whatever was there (a partial record an update
        left after its call): what the state leaves empty is absent, as an empty field reads."""
        stage_hash_update(self._redis, KEY_PREFIX + state.sid, state.stored(), self._ttl, replace=True)

    def update(self, sid: str, **changes) -> None:
        """Some fields of the call, typed as `CallState` types them."""
        self._write(sid, encode(**changes), self._ttl)

    def changes(self, sid: str, **changes) -> tuple[str, dict[str, str], int]:
        """What `update` would write (the key, the fields typed as `CallState` types them, the expiry),
        for a script that writes it only if it decides to."""
        return KEY_PREFIX + sid, encode(**changes), self._ttl

    def recovered(self, sid: str, **fields) -> None:
        """A call Redis never heard of (it was away when the call came in), as its hold webhook describes it:
        fields already there stay (HSETNX; an empty field is not there, see `put`); it is queued now, whatever
        it was."""
        key = KEY_PREFIX + sid
        with staged(self._redis) as pipe:
            for name, text in encode(sid=sid, started_at=fields.get("enqueued_at"), **fields).items():
                pipe.hsetnx(key, name, text)
            pipe.hset(key, mapping=encode(status=CallStatus.QUEUED, queue_name=fields.get("queue_name")))
            pipe.expire(key, self._ttl)

    def close(self, sid: str, status: CallStatus, ended_at: datetime) -> None:
        """Mark the call over; the record stays briefly for webhooks that arrive late."""
        self._write(sid, encode(status=status, ended_at=ended_at), CLOSED_TTL_SECONDS)

    def _write(self, sid: str, mapping: dict[str, str], ttl: int) -> None:
        """The fields and the expiry together, with the webhook's other writes (joined to its earlier write of
        the record, where nothing between touched it)."""
        stage_hash_update(self._redis, KEY_PREFIX + sid, mapping, ttl)
