"""One-time verification codes: short-lived, single-use, attempt-limited.

An organisation has at most one live code: a new one replaces the last. It is
made by pyotp from a fresh secret that is thrown away at once; Redis keeps
only an HMAC of it (keyed with a server secret that never enters Redis:
CODE_SECRET, or on a developer's machine a file in the instance folder, so a
Redis that loses its data cannot leave processes keyed differently), the
attempts left and the expiry. Issuing (the send limits, sliding windows that hold across processes,
and the new record) and checking (judge, then spend or count the attempt) are
each one Lua script: one round trip, and of two calls entering the same code
at the same instant exactly one succeeds.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

import pyotp
import redis
from redis.client import Pipeline

from runtime.metrics import CODES_REFUSED
from runtime.redis_connection import redis_errors
from runtime.unit_of_work import now_with_staged

CHALLENGE = "otp:"
SENT_FOR_ORG = "otp-sent:org:"
SENT_FOR_ORG_TO = "otp-sent:org-caller:"  # + account and requester
SENT_TO_CALLER = "otp-sent:caller:"
SENT_ANYWHERE = "otp-sent:all"
WITHHELD = "withheld"  # the requester every caller with a withheld number shares
CODE_DIGITS = 6

# KEYS: the code's record, then one sliding window per limit. ARGV: now (ms), the send's id,
# the record's digest, attempts and lifetime (s), the request's key, then each window's length
# (ms) and size. A request whose key the live code already carries was served: -1, nothing counted.
# Else drop sends older than each window; refuse if one is full, else count the send and store the code.
_ISSUE = """
if ARGV[6] ~= '' and redis.call('HGET', KEYS[1], 'request') == ARGV[6] then return -1 end
local now = tonumber(ARGV[1])
for i = 2, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - tonumber(ARGV[2 * i + 3]))
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 * i + 4]) then return i - 1 end
end
for i = 2, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * i + 3])
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'digest', ARGV[3], 'attempts_left', ARGV[4], 'expires_at', now / 1000 + tonumber(ARGV[5]),
           'request', ARGV[6], 'send', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 0
"""

# KEYS: the code's record, then the windows its send was counted in. ARGV: the send's id. A delivery that
# failed gives its send back: it leaves the windows, and its code (nobody received it) is dropped.
_REFUND = """
for i = 2, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
if redis.call('HGET', KEYS[1], 'send') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: the code's record. ARGV: the offered code's digest, now (s). The digests are HMACs under a
# secret Redis never sees, so comparing them here leaks nothing an attacker could use.
_CHECK = """
local record = redis.call('HMGET', KEYS[1], 'digest', 'attempts_left', 'expires_at')
if not record[1] then return 'unknown' end
if tonumber(ARGV[2]) >= tonumber(record[3]) then redis.call('DEL', KEYS[1]) return 'expired' end
if record[1] == ARGV[1] then redis.call('DEL', KEYS[1]) return 'verified' end
if tonumber(record[2]) > 1 then redis.call('HINCRBY', KEYS[1], 'attempts_left', -1) return 'wrong' end
redis.call('DEL', KEYS[1])
return 'locked'
"""


@dataclass(frozen=True)
class CodePolicy:
    """The send limits, each a sliding window: per organisation and requester (so a stranger's calls spend
    the stranger's budget, not the organisation's), per organisation (larger: every requester together),
    per requester whatever the organisation (withheld numbers sharing one, larger, budget), and one cap
    across all organisations, against someone walking the whole directory."""
    lifetime_seconds: int = 600
    max_attempts: int = 3
    per_org_caller: int = 3
    per_org: int = 10
    org_window_seconds: int = 15 * 60
    per_caller: int = 3
    per_withheld: int = 10
    caller_window_seconds: int = 60 * 60
    everywhere: int = 1000
    everywhere_window_seconds: int = 60 * 60


class Outcome(str, Enum):
    VERIFIED = "verified"
    WRONG = "wrong"  # attempts remain
    LOCKED = "locked"  # that was the last attempt: the code is dead
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # never issued, already used, or already dead


SCOPES = ("organisation and caller", "caller", "organisation", "all organisations")  # in the order they are checked


class RateLimited(Exception):
    """Too many codes sent recently: for this organisation to this requester, to this requester, for this
    organisation, or across all organisations (`scope`, one of SCOPES)."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__(f"send limit reached for the {scope}")


@dataclass(frozen=True)
class Issued:
    code: str  # goes to the delivery channel and nowhere else
    expires_at: datetime
    send_id: str = ""  # what the send limits counted, to give back if the delivery fails
    counted_in: tuple[str, ...] = ()  # the code's record, then the windows


class CodeBook:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], secret: str,
                 policy: CodePolicy = CodePolicy()):
        if not secret:
            raise ValueError("a code book needs a secret to key its digests")
        self._redis = client
        self._clock = clock
        self._secret = secret.encode()
        self.policy = policy

    def issue(self, account_number: str, caller: str, request: str = "") -> Issued | None:
        """A new code for the organisation, counted against every send limit (raises RateLimited).

        `caller` names who asks: the caller's E.164 number, an agent ("agent 1001"), or "" for a
        withheld number (all of which share one budget).

        `request` names the request asking (a webhook replayed by Twilio names the same one):
        None when the live code was issued for it already, and nothing is counted again.
        Writes staged in the webhook's unit of work go in the same round trip.
        """
        policy = self.policy
        now = self._clock()
        code = pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)  # fresh secret, used once, discarded
        requester = caller or WITHHELD
        keys = [CHALLENGE + account_number, f"{SENT_FOR_ORG_TO}{account_number}:{requester}", SENT_TO_CALLER + requester,
                SENT_FOR_ORG + account_number, SENT_ANYWHERE]
        windows = [policy.org_window_seconds * 1000, policy.per_org_caller,
                   policy.caller_window_seconds * 1000, policy.per_caller if caller else policy.per_withheld,
                   policy.org_window_seconds * 1000, policy.per_org,
                   policy.everywhere_window_seconds * 1000, policy.everywhere]
        now_ms = int(now.timestamp() * 1000)
        send_id = f"{now_ms}:{secrets.token_hex(4)}"
        args = [now_ms, send_id, self._digest(account_number, code), policy.max_attempts,
                policy.lifetime_seconds, request, *windows]
        full = now_with_staged(self._redis, lambda pipe: pipe.eval(_ISSUE, len(keys), *keys, *args))
        if full == -1:
            return None
        if full:
            CODES_REFUSED.labels(SCOPES[full - 1]).inc()
            raise RateLimited(SCOPES[full - 1])
        return Issued(code, datetime.fromtimestamp(now_ms / 1000 + policy.lifetime_seconds, tz=now.tzinfo),
                      send_id, tuple(keys))

    def refund(self, issued: Issued) -> None:
        """The delivery failed: the send does not count against the limits, and its code is void.

        Budgets exist to stop codes being sprayed at a victim, and a code that never left sprays nothing;
        counting it would let an SMTP outage use up an organisation's sends on a channel that is down."""
        with redis_errors():
            self._redis.eval(_REFUND, len(issued.counted_in), *issued.counted_in, issued.send_id)

    def check(self, account_number: str, code: str) -> Outcome:
        """A right code is spent, a wrong one costs an attempt (one round trip, with whatever is staged)."""
        return Outcome(now_with_staged(self._redis, lambda pipe: self.stage_check(pipe, account_number, code)))

    def stage_check(self, pipe: Pipeline, account_number: str, code: str) -> None:
        """Add the check to `pipe`, to ride with other reads; `Outcome(reply)` is its result."""
        pipe.eval(_CHECK, 1, CHALLENGE + account_number, self._digest(account_number, code), self._clock().timestamp())

    def _digest(self, account_number: str, code: str) -> str:
        return hmac.new(self._secret, f"{account_number}:{code}".encode(), hashlib.sha256).hexdigest()
