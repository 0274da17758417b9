"""What every step of the caller's call works from: Twilio's parameters, parsed
once, and the call as the router remembers it, with its line, its table
version and its words.

A step reads its call here in one round trip (with what its verification may
need); if Redis has lost the record, the call is rebuilt from Twilio's
parameters so the caller carries on rather than starting again.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from call_store.call_state import CallState, CallStore
from countries.store import TableStore
from prompts.catalogue import Catalogues, Prompts
from routing.hours import is_open
from routing.lookup import line_for
from routing.menu import DEFAULT_QUEUE, MAX_ATTEMPTS
from routing.model import Line, Table
from routing.numbers import PhoneNumber, parse_number
from runtime.clock import Clock

FALLBACK_LOCALE = "en-GB"  # for the hold and apologies when the caller's language is unknown


@dataclass(frozen=True)
class CallParams:
    """What Twilio sent with one webhook, each value parsed once, where it came in."""

    sid: str
    dialed: str  # the To number, as Twilio sent it
    sent_from: str = field(default="", repr=False)  # the From number, as Twilio sent it: see `caller`
    digits: str = ""
    finished_on_key: str = ""  # the <Gather finishOnKey> that ended the input (not part of `digits`)
    speech: str = ""
    attempt: int = 1  # which asking of the question this answers (from the signed URL)
    attestation: str = ""  # StirVerstat: the carrier's SHAKEN/STIR verdict on the caller ID, where one is given

    def __post_init__(self):
        object.__setattr__(self, "attempt", min(max(self.attempt, 1), MAX_ATTEMPTS))

    @cached_property
    def caller(self) -> PhoneNumber | None:
        """The From number, parsed once, on the first step that needs it (most steps read the
        caller from the call's record instead); None when withheld or not a number."""
        return parse_number(self.sent_from)


class CallContext:
    def __init__(self, *, tables: TableStore, catalogues: Catalogues, calls: CallStore, clock: Clock):
        self._tables = tables
        self._catalogues = catalogues
        self._calls = calls
        self.clock = clock

    @property
    def catalogues(self) -> Catalogues:
        return self._catalogues

    def restore(self, call: CallParams, account: str = "", code: str = "") -> CallState:
        """The call's state (with what its verification step reads along: see `CallStore.read`),
        rebuilt from Twilio's parameters if Redis has lost it."""
        state = self._calls.read(call.sid, account, code)
        if state is not None:
            return state
        version, table = self._tables.current()
        match = line_for(table, call.dialed, call.caller)
        return self._calls.create(
            sid=call.sid, line=match.line.id, dialed=call.dialed, caller=call.caller.e164 if call.caller else "",
            caller_country=match.caller_country or "", attestation=call.attestation, language=match.line.languages[0],
            started_at=self.clock(), table_version=version,
        )

    def table(self, state: CallState) -> Table:
        """The table version the call began with (the newest, if that is gone)."""
        try:
            return self._tables.at(state.table_version)
        except LookupError:
            return self._tables.current()[1]

    def line(self, state: CallState) -> Line:
        table = self.table(state)
        return table.line(state.line) or table.line(table.default_line)

    def prompts(self, state: CallState) -> Prompts:
        line = self.line(state)
        locale = state.language if state.language in line.languages else line.languages[0]
        return self._catalogues(locale)

    def prompts_for(self, locale: str) -> Prompts:
        """A locale's words, or the fallback's when it has none (a URL from an older router, junk)."""
        return self._catalogues(locale if locale and self._catalogues.has(locale) else FALLBACK_LOCALE)

    def queue_open(self, state: CallState) -> bool:
        return is_open(self.line(state), state.queue or DEFAULT_QUEUE, self.clock(), state.severity)

    def in_language(self, texts: tuple[tuple[str, str], ...], prompts: Prompts) -> tuple[Prompts, str]:
        """An admin's text in the caller's language, else in English (or whatever there is) with a voice for it."""
        by_language = dict(texts)
        if prompts.language in by_language:
            return prompts, by_language[prompts.language]
        language, text = ("en", by_language["en"]) if "en" in by_language else next(iter(by_language.items()))
        return self.prompts_for(language), text
