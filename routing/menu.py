"""What the caller's keys mean, what happens when they choose nothing, and
what is offered instead of a closed queue. Pure: a line, a queue, an instant."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from routing.hours import is_open
from routing.model import Line, Queue, Severity

MAX_ATTEMPTS = 3  # the first question and at most two re-prompts
MENU_KEYS = {"1": Queue.TECHNICAL, "2": Queue.BILLING, "3": Queue.PRESALES}
SEVERITY_KEYS = {"1": Severity.A, "2": Severity.B, "3": Severity.C}
DEFAULT_QUEUE = Queue.TECHNICAL  # a caller who never chooses still reaches a person
DEFAULT_SEVERITY = Severity.B
CALLBACK_KEY = "2"  # at a closed queue's offer
ACCEPT_KEY = "1"
PRESALES_KEY = "3"  # a partner's customer may still reach sales


class Offer(str, Enum):
    """What a closed queue offers instead (besides a callback)."""

    TECHNICAL = "technical"  # technical support is open
    CRITICAL = "critical"  # only severity A is served now
    NONE = "none"


def alternative(line: Line, queue: Queue, severity: Severity | None, now: datetime, partner: bool = False) -> Offer:
    """Technical support when it is open and the caller wanted something else; severity A when
    only critical technical cases are served now; else nothing but a callback.

    A partner's customer (`partner`) is offered nothing: their partner gives them support, and
    technical support would only lead back to the notice that says so."""
    if partner:
        return Offer.NONE
    if queue is not Queue.TECHNICAL and is_open(line, Queue.TECHNICAL, now):
        return Offer.TECHNICAL
    if queue is Queue.TECHNICAL and severity is not Severity.A and is_open(line, Queue.TECHNICAL, now, Severity.A):
        return Offer.CRITICAL
    return Offer.NONE


def parse_offer(text: str) -> Offer:
    try:
        return Offer(text)
    except ValueError:
        return Offer.NONE
