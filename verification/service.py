"""Sending and checking codes with their audit, shared by the IVR's PIN step
and the agents' manual check, so both obey the same limits and leave the same trail."""
from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import Enum

from runtime.metrics import VERIFICATION
from runtime.redis_connection import StoreUnavailable
from verification.audit import AuditLog
from verification.codes import CodeBook, Issued, Outcome, RateLimited
from verification.delivery import DeliveryFailed, Message, Sender
from verification.organisations import Organisation

log = logging.getLogger(__name__)

MAX_PER_KIND = 3  # destinations offered per channel: a phone menu has nine keys


class Sent(str, Enum):
    SENT = "sent"
    SENDING = "sending"  # still under way when the caller could wait no longer; it finishes in the background
    FAILED = "failed"
    LIMITED = "limited"


@dataclass(frozen=True)
class Destination:
    channel: str  # "sms" or "email"
    address: str


def destinations(organisation: Organisation) -> list[Destination]:
    """Where a code for this organisation may go: its registered phones, then its e-mails."""
    return [Destination("sms", phone) for phone in organisation.registered_phones[:MAX_PER_KIND]] + [
        Destination("email", email) for email in organisation.registered_emails[:MAX_PER_KIND]
    ]


class Verifier:
    """`wait` bounds how long a webhook waits on a slow SMTP server or Twilio API: after that the
    send carries on in a background thread and its outcome is audited when it ends."""

    _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="code-delivery")

    def __init__(self, codes: CodeBook, senders: dict[str, Sender], audit: AuditLog, wait: float = 0.8):
        self.codes = codes
        self._senders = senders
        self._audit = audit
        self._wait = wait

    def send(self, organisation: Organisation, destination: Destination, *, actor: str, caller: str,
             compose: Callable[[Destination, str, int], Message], request: str = "",
             finished: Callable[[Sent], None] | None = None) -> Sent:
        """Issue a code (counted against the limits) and deliver it; the code goes nowhere else.

        A delivery that fails gives its send back to the limits (`CodeBook.refund`). A repeated `request`
        (a replayed webhook) whose code is live is not sent again. `finished` hears how a delivery that
        outlived the wait (SENDING) ended, from the delivery thread."""
        account = organisation.account_number

        def record(result: str) -> None:
            VERIFICATION.labels("send", result.split(":")[0].split(" ")[0]).inc()
            self._audit.record(actor=actor, action="send", account=account, channel=destination.channel,
                               destination=destination.address, result=result)

        try:
            issued = self.codes.issue(account, caller, request)
        except RateLimited as limited:
            record(f"refused: {limited.scope} limit")
            return Sent.LIMITED
        if issued is None:
            record("repeated request: not sent again")
            return Sent.SENT
        message = compose(destination, issued.code, self.codes.policy.lifetime_seconds // 60)
        delivered: Future[Sent] = Future()
        self._pool.submit(self._deliver, self._senders[destination.channel], message, delivered, record, issued, finished)
        try:
            return delivered.result(timeout=self._wait)
        except FutureTimeout:
            if not delivered.cancel():  # it is ending just now
                return delivered.result()
            record("sending")  # the delivery thread records how it ends
            return Sent.SENDING

    def _deliver(self, sender: Sender, message: Message, delivered: Future, record: Callable[[str], None],
                 issued: Issued, finished: Callable[[Sent], None] | None) -> None:
        """In a delivery thread: send, give a failed send back, audit the outcome, then tell the webhook
        (or, if it gave up waiting, whoever asked to hear how it ended)."""
        try:
            sender.send(message)
            outcome = Sent.SENT
        except DeliveryFailed:
            outcome = Sent.FAILED
        waited_for = delivered.set_running_or_notify_cancel()
        try:
            if outcome is Sent.FAILED:
                self.codes.refund(issued)
            record(outcome.value if waited_for else f"{outcome.value} (late)")
            if not waited_for and finished is not None:
                finished(outcome)
        except StoreUnavailable:
            log.error("could not record a code delivery (%s): Redis unavailable", outcome.value)
        finally:
            if waited_for:
                delivered.set_result(outcome)

    def check(self, account_number: str, code: str, *, actor: str, channel: str) -> Outcome:
        return self.checked(account_number, self.codes.check(account_number, code), actor=actor, channel=channel)

    def checked(self, account_number: str, outcome: Outcome, *, actor: str, channel: str) -> Outcome:
        """Count and audit a check's outcome (made here, or read along with the call)."""
        VERIFICATION.labels("check", outcome.value).inc()
        self._audit.record(actor=actor, action="check", account=account_number, channel=channel, result=outcome.value)
        return outcome

    def passed_by_phone(self, organisation: Organisation, *, actor: str, number: str) -> None:
        """The caller's number is on the profile: recorded like any other check."""
        VERIFICATION.labels("check", "registered-phone").inc()
        self._audit.record(actor=actor, action="check", account=organisation.account_number,
                           channel="registered-phone", destination=number, result=Outcome.VERIFIED.value)
