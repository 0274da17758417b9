"""What a simulated call leaves behind: the events the caller lived through,
and how one scripted answer to a <Gather> is written."""
from __future__ import annotations

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
