"""What a simulated call leaves behind: the events the caller lived through,
and how one scripted answer to a <Gather> is written."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

DTMF_KEYS = "0123456789*#"


@dataclass
class Event:
    """One thing that happened on the call; `kind` says what (say, input, request, error, ...)."""

    kind: str
    text: str = ""
    attrs: dict = field(default_factory=dict)


@dataclass
class Transcript:
    """The call as the caller lived it, plus every request Twilio would have made."""

    events: list[Event] = field(default_factory=list)
    outcome: str = ""  # hangup | queued | dialed | error
    queue: str | None = None
    requests: list[tuple[str, dict]] = field(default_factory=list)
    last_twiml: str = ""
    duration: int = 0  # estimated seconds, as posted in CallDuration

    def said(self) -> list[str]:
        return [event.text for event in self.events if event.kind == "say"]

    @property
    def errors(self) -> list[str]:
        return [event.text for event in self.events if event.kind == "error"]


@dataclass(frozen=True)
class Answer:
    """What the caller does at one <Gather>: keys, speech, or nothing."""

    kind: str  # dtmf | speech | silence
    value: str = ""


SILENCE = Answer("silence")


def parse_answer(text: str | None) -> Answer:
    """Read one scripted answer: keys ("12#"), "say:<words>", or "" / None for silence."""
    if not text:
        return SILENCE
    if text.startswith("say:"):
        if not text[4:].strip():
            raise ValueError("say: needs words, e.g. say:billing")
        return Answer("speech", text[4:].strip())
    if set(text) <= set(DTMF_KEYS):
        return Answer("dtmf", text)
    raise ValueError(f"{text!r} is not an answer: use keys 0-9 * #, say:<words>, or nothing for silence")


CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class DeliveredCode:
    """A scripted answer keyed when its <Gather> comes: the newest six-digit code that
    reached the caller's contact since the call began (read through `newest`, which
    returns the texts of the messages delivered so far, newest first), plus `suffix`."""

    def __init__(self, newest, suffix: str = ""):
        self._newest = newest
        self._suffix = suffix
        self._seen: list[str] | None = None

    def start(self) -> None:
        """Remember what was delivered before the call, so that an old code is never keyed."""
        self._seen = list(self._newest())

    def __call__(self, gather: Event) -> Answer:
        before = self._seen or []
        for text in self._newest():
            if text in before:
                break
            found = CODE.search(text)
            if found:
                return Answer("dtmf", found.group(1) + self._suffix)
        return SILENCE  # no code came: the caller has nothing to key
