"""One-time verification codes: short-lived, single-use, attempt-limited.

An organisation has at most one live code: a new one replaces the last. It is
made by pyotp from a fresh secret that is thrown away at once; Redis keeps
only an HMAC of it (keyed with a server secret), the attempts left and the
expiry. Checking reads under WATCH and deletes in MULTI, so of two calls
entering the same code at the same instant exactly one succeeds. Send limits
are sliding windows kept by one Lua script, so they hold across processes.
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

from runtime.redis_connection import redis_errors

CHALLENGE = "otp:"
SENT_FOR_ORG = "otp-sent:org:"
SENT_TO_CALLER = "otp-sent:caller:"
SECRET = "secret:otp-hmac"
CODE_DIGITS = 6

# Drop sends older than each window, refuse if a window is full, else record the send in both.
_SLIDING_WINDOWS = """
for i = 1, #KEYS do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2 * i]))
  if redis.call('ZCARD', KEYS[i]) >= tonumber(ARGV[2 * i + 1]) then return i end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[1], ARGV[#ARGV])
  redis.call('PEXPIRE', KEYS[i], ARGV[2 * i])
end
return 0
"""


@dataclass(frozen=True)
class CodePolicy:
    lifetime_seconds: int = 600
    max_attempts: int = 3
    per_org: int = 3
    org_window_seconds: int = 15 * 60
    per_caller: int = 3
    caller_window_seconds: int = 60 * 60


class Outcome(str, Enum):
    VERIFIED = "verified"
    WRONG = "wrong"  # attempts remain
    LOCKED = "locked"  # that was the last attempt: the code is dead
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # never issued, already used, or already dead


class RateLimited(Exception):
    """Too many codes sent recently for this organisation or to this caller."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__(f"send limit reached for the {scope}")


@dataclass(frozen=True)
class Issued:
    code: str  # goes to the delivery channel and nowhere else
    expires_at: datetime


class CodeBook:
    def __init__(self, client: redis.Redis, clock: Callable[[], datetime], secret: str | None = None,
                 policy: CodePolicy = CodePolicy()):
        self._redis = client
        self._clock = clock
        self._secret = secret.encode() if secret else None
        self.policy = policy
        self._windows = client.register_script(_SLIDING_WINDOWS)

    def issue(self, account_number: str, caller: str) -> Issued:
        """A new code for the organisation, counted against both send limits (raises RateLimited)."""
        now = self._clock()
        self._count_send(account_number, caller, now)
        code = pyotp.HOTP(pyotp.random_base32(), digits=CODE_DIGITS).at(0)  # fresh secret, used once, discarded
        expires_at = now.timestamp() + self.policy.lifetime_seconds
        key = CHALLENGE + account_number
        record = {"digest": self._digest(account_number, code), "attempts_left": self.policy.max_attempts,
                  "expires_at": expires_at}
        self._run(lambda: self._redis.pipeline()
                  .delete(key).hset(key, mapping=record).expire(key, self.policy.lifetime_seconds).execute())
        return Issued(code, datetime.fromtimestamp(expires_at, tz=now.tzinfo))

    def check(self, account_number: str, code: str) -> Outcome:
        """Compare in constant time; a right code is spent, a wrong one costs an attempt."""
        key = CHALLENGE + account_number
        offered = self._digest(account_number, code)
        with redis_errors(), self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(key)
                    record = pipe.hgetall(key)
                    outcome = self._judge(record, offered)
                    pipe.multi()
                    if outcome is Outcome.WRONG:
                        pipe.hincrby(key, "attempts_left", -1)
                    elif outcome is not Outcome.UNKNOWN:
                        pipe.delete(key)
                    pipe.execute()
                    return outcome
                except redis.WatchError:
                    continue

    def _judge(self, record: dict[str, str], offered: str) -> Outcome:
        if not record:
            return Outcome.UNKNOWN
        if self._clock().timestamp() >= float(record["expires_at"]):
            return Outcome.EXPIRED
        if hmac.compare_digest(record["digest"], offered):
            return Outcome.VERIFIED
        return Outcome.WRONG if int(record["attempts_left"]) > 1 else Outcome.LOCKED

    def _count_send(self, account_number: str, caller: str, now: datetime) -> None:
        policy = self.policy
        keys = [SENT_FOR_ORG + account_number]
        args = [policy.org_window_seconds * 1000, policy.per_org]
        if caller:
            keys.append(SENT_TO_CALLER + caller)
            args += [policy.caller_window_seconds * 1000, policy.per_caller]
        now_ms = int(now.timestamp() * 1000)
        full = self._run(lambda: self._windows(keys=keys, args=[now_ms, *args, f"{now_ms}:{secrets.token_hex(4)}"]))
        if full:
            raise RateLimited("organisation" if full == 1 else "caller")

    def _digest(self, account_number: str, code: str) -> str:
        if self._secret is None:  # fetched on first use, so start-up does not need Redis
            self._secret = self._shared_secret()
        return hmac.new(self._secret, f"{account_number}:{code}".encode(), hashlib.sha256).hexdigest()

    def _shared_secret(self) -> bytes:
        """Without CODE_SECRET: one random secret that every process shares through Redis."""
        self._run(lambda: self._redis.set(SECRET, secrets.token_hex(32), nx=True))
        return self._run(lambda: self._redis.get(SECRET)).encode()

    @staticmethod
    def _run(action):
        with redis_errors():
            return action()

