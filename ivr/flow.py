"""The caller's call, step by step: language, menu, severity, hours, queue.

Each method answers one webhook with the TwiML for the next thing the caller
hears. Attempts travel in the (signed) URL, so a replayed webhook gives the
same answer and never counts twice; the call's choices live in Redis.
Nothing here knows about Flask.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from twilio.twiml.voice_response import Enqueue, VoiceResponse

from countries.store import TableStore
from prompts import spoken
from call_store.call_state import CallState, CallStore
from ivr.callback_flow import CallbackFlow
from call_store.callbacks import CallbackBook
from prompts.catalogue import Catalogues, Prompts
from routing.choices import choose
from ivr.twiml import asked, question, say
from ivr.verification_flow import VerificationFlow
from call_store.waiting import WaitingRoom, estimate_wait
from routing.hours import closure_at, holiday_name, is_open, next_opening
from routing.lookup import line_for
from routing.model import (
    HIGHEST_SEVERITY,
    QUEUES_CLOSED_ON_HOLIDAYS,
    Line,
    Queue,
    Severity,
    Table,
)
from routing.numbers import caller_e164
from routing.queues import (
    minutes_to_say,
    queue_language,
    queue_name,
)
from runtime.metrics import CALLS, CLOSED, ENQUEUED
from runtime.redis_connection import StoreUnavailable
from runtime.unit_of_work import flush
from verification.directory import Directory
from verification.service import Verifier

MAX_ATTEMPTS = 3  # the first question and at most two re-prompts
MENU_KEYS = {"1": Queue.TECHNICAL.value, "2": Queue.BILLING.value, "3": Queue.PRESALES.value}
SEVERITY_KEYS = {"1": Severity.A.value, "2": Severity.B.value, "3": Severity.C.value}
DEFAULT_QUEUE = Queue.TECHNICAL  # a caller who never chooses still reaches a person
DEFAULT_SEVERITY = Severity.B
OFFER_TECHNICAL, OFFER_CRITICAL = "technical", "critical"
FALLBACK_LOCALE = "en-GB"  # for the hold and apologies when the caller's language is unknown
Spoken = Sequence[tuple[Prompts, str]]  # sentences, each with the voice that speaks it
CALLBACK_KEY = "2"  # at a closed queue's offer
SERVED_RESULTS = frozenset({"bridged", "bridging-in-process"})
QUEUE_FAILURES = frozenset({"error", "queue-full", "system-error"})


class CallFlow:
    def __init__(self, *, tables: TableStore, catalogues: Catalogues, calls: CallStore,
                 clock: Callable[[], datetime], hold_music_url: str, directory: Directory, verifier: Verifier,
                 waiting: WaitingRoom, callbacks: CallbackBook, callback_after: int, workflow_sid: str | None = None):
        self._tables = tables
        self._catalogues = catalogues
        self._calls = calls
        self._clock = clock
        self._hold_music_url = hold_music_url
        self._waiting = waiting
        self._workflow_sid = workflow_sid
        self._callback_after = callback_after
        self.callbacks = CallbackFlow(book=callbacks, calls=calls, clock=clock, line_of=self._line, queue_open=self._queue_open)
        self.verification = VerificationFlow(
            directory=directory, verifier=verifier, calls=calls, enqueue=self._enqueue_chosen, presales=self._presales,
        )

    # -- webhooks -----------------------------------------------------------

    def answer(self, sid: str, dialed: str, caller: str, caller_e164: str) -> VoiceResponse:
        """A new call: find the line, greet, and ask for a language or straight for the menu."""
        version, table = self._tables.current()
        match = line_for(table, dialed, caller)
        line = match.line
        state = CallState(
            sid=sid, line=line.id, dialed=dialed, caller=caller_e164, caller_country=match.caller_country or "",
            started_at=self._now_iso(), table_version=str(version),
        )
        if len(line.languages) == 1:
            state.language = line.languages[0]
        self._calls.put(state)
        CALLS.labels(line.id).inc()
        if state.language:
            prompts = self._catalogues(state.language)
            return self._menu_question(prompts, 1, greet=True, notices=self._notices(table, line, prompts))
        return self._language_question(line, 1)

    def language(self, state: CallState, attempt: int, digits: str, speech: str) -> VoiceResponse:
        line = self._line(state)
        keys = {str(number): locale for number, locale in enumerate(line.languages, start=1)}
        words = {locale: self._catalogues(locale).raw("language_words") for locale in line.languages}
        chosen = choose(digits, speech, keys, words)
        if chosen is None and attempt < MAX_ATTEMPTS:
            lead = self._lead(self._catalogues(line.languages[0]), digits, speech)
            return self._language_question(line, attempt + 1, lead)
        locale = chosen or line.languages[0]
        self._calls.update(state.sid, language=locale)
        prompts = self._catalogues(locale)
        return self._menu_question(prompts, 1, notices=self._notices(self._table(state), line, prompts))

    def menu(self, state: CallState, attempt: int, digits: str, speech: str) -> VoiceResponse:
        prompts = self.prompts(state)
        chosen = choose(digits, speech, MENU_KEYS, prompts.raw("menu_words"))
        if chosen is None and attempt < MAX_ATTEMPTS:
            return self._menu_question(prompts, attempt + 1, lead=self._lead(prompts, digits, speech))
        queue = Queue(chosen) if chosen else DEFAULT_QUEUE
        if queue is Queue.TECHNICAL:
            self._calls.update(state.sid, queue=queue.value)
            return self._severity_question(prompts, 1)
        return self._hours_check(state, prompts, queue, HIGHEST_SEVERITY.get(queue))

    def severity(self, state: CallState, attempt: int, digits: str, speech: str) -> VoiceResponse:
        prompts = self.prompts(state)
        chosen = choose(digits, speech, SEVERITY_KEYS, prompts.raw("severity_words"))
        if chosen is None and attempt < MAX_ATTEMPTS:
            return self._severity_question(prompts, attempt + 1, lead=self._lead(prompts, digits, speech))
        severity = Severity(chosen) if chosen else DEFAULT_SEVERITY
        return self._hours_check(state, prompts, Queue.TECHNICAL, severity)

    def closed_offer(self, state: CallState, offer: str, digits: str, speech: str) -> VoiceResponse:
        """The caller's answer to "technical support is open instead: press 1; a callback: press 2"."""
        prompts = self.prompts(state)
        if digits[:1] == CALLBACK_KEY:
            return self.callbacks.start(state, prompts)
        accepted = choose(digits, speech, {"1": offer}, {offer: prompts.raw("yes_words")})
        if accepted == OFFER_CRITICAL:
            return self._hours_check(state, prompts, Queue.TECHNICAL, Severity.A)
        if accepted == OFFER_TECHNICAL:
            self._calls.update(state.sid, queue=Queue.TECHNICAL.value)
            return self._severity_question(prompts, 1)
        return self._goodbye(prompts)

    def hold(self, sid: str, queue: str, locale: str, position: int, average_wait: int, waited: int) -> VoiceResponse:
        """The waitUrl, requested again each time it ends: where the caller stands, a fresh estimate, music.

        The language and queue come in the URL; the estimate is worked out again
        each cycle from this queue's recent pace (one Redis round trip; without
        Redis, Twilio's figures stand in).
        """
        prompts = self._catalogues(locale if locale and self._catalogues.has(locale) else FALLBACK_LOCALE)
        response = VoiceResponse()
        offer = waited >= self._callback_after
        target = self.callbacks.hold_offer(prompts) if offer else response
        if position == 1:
            say(target, prompts, prompts.text("position_next"))
        elif position > 1:
            say(target, prompts, prompts.text("position", position=position))
        try:
            estimate = self._waiting.estimate(sid, queue, position, average_wait).seconds if position > 1 else None
        except StoreUnavailable:  # Twilio's figures alone
            estimate = estimate_wait(position, [], 0, average_wait).seconds if position > 1 else None
        if estimate is not None:
            minutes = minutes_to_say(estimate)
            wait = prompts.text("wait_minutes", minutes=minutes) if minutes > 1 else prompts.text("wait_one_minute")
            say(target, prompts, wait)
        else:
            say(target, prompts, prompts.text("hold_thanks"))
        if offer:
            say(target, prompts, prompts.text("callback_offer_hold"))
            response.append(target)
        response.play(self._hold_music_url)
        return response

    def queue_result(self, sid: str, result: str) -> VoiceResponse:
        """Twilio reports why the caller left the queue; a failure gets an apology, not silence."""
        response = VoiceResponse()
        try:
            state = self._calls.get(sid)
            if state is not None:
                self._calls.update(sid, status="left", queue_result=result)
                self._waiting.left(sid, state.queue_name, served=result in SERVED_RESULTS)
                if result == "leave" and state.callback == "wanted":
                    return self.callbacks.start(state, self.prompts(state))
                flush()  # here, so a Redis lost now ends in the hang-up below, not in a second queue
        except StoreUnavailable:
            state = None
        if result in QUEUE_FAILURES:
            prompts = self.prompts(state) if state else self._catalogues(FALLBACK_LOCALE)
            say(response, prompts, prompts.text("queue_failed"))
        response.hangup()
        return response

    def status(self, sid: str, call_status: str) -> VoiceResponse:
        """The call is over: close its record (best effort; Twilio ignores this answer)."""
        try:
            state = self._calls.get(sid)
            self._calls.close(sid, call_status or "completed", self._now_iso())
            if state is not None:
                self._waiting.left(sid, state.queue_name, served=False)
            flush()
        except StoreUnavailable:
            pass
        return VoiceResponse()

    def apology(self, dialed: str, caller: str) -> VoiceResponse:
        """When call state cannot be read or written: say sorry and queue for technical support.

        Needs nothing but the table in memory, so it works with Redis down.
        """
        line = line_for(self._tables.latest_known(), dialed, caller).line
        prompts = self._catalogues(line.languages[0])
        response = VoiceResponse()
        say(response, prompts, prompts.text("apology"))
        self._enqueue_verb(response, prompts.locale, queue_name(Queue.TECHNICAL, prompts.locale, DEFAULT_SEVERITY), None)
        return response

    def known(self, sid: str) -> CallState | None:
        return self._calls.get(sid)

    def restore(self, sid: str, dialed: str, caller: str, account: str = "", code: str = "") -> CallState:
        """The call's state (with what its verification step reads along: see `CallStore.read`),
        rebuilt from Twilio's parameters if Redis has lost it."""
        state = self._calls.read(sid, account, code)
        if state is not None:
            return state
        version, table = self._tables.current()
        match = line_for(table, dialed, caller)
        state = CallState(
            sid=sid, line=match.line.id, dialed=dialed, caller=caller_e164(caller),
            caller_country=match.caller_country or "", language=match.line.languages[0],
            started_at=self._now_iso(), table_version=str(version),
        )
        self._calls.put(state)
        return state

    # -- the steps' questions -----------------------------------------------

    def _language_question(self, line: Line, attempt: int, lead: str | None = None) -> VoiceResponse:
        first = self._catalogues(line.languages[0])
        hints = [word for locale in line.languages for word in self._catalogues(locale).raw("language_words")]
        gather = question(f"language?attempt={attempt}", first, hints)
        say(gather, first, lead or first.text("welcome"))
        for digit, locale in enumerate(line.languages, start=1):
            prompts = self._catalogues(locale)
            say(gather, prompts, prompts.text("choose_language", digit=digit))
        return asked(gather, f"language?attempt={attempt}")

    def _menu_question(self, prompts: Prompts, attempt: int, lead: str | None = None, greet: bool = False,
                       notices: Spoken = ()) -> VoiceResponse:
        """The menu; the first time, after the welcome and any service-health notices."""
        gather = question(f"menu?attempt={attempt}", prompts, _all_words(prompts.raw("menu_words")))
        if greet:
            say(gather, prompts, prompts.text("welcome"))
        for voice, text in notices:
            say(gather, voice, text)
        for text in (lead, prompts.text("menu")):
            if text:
                say(gather, prompts, text)
        return asked(gather, f"menu?attempt={attempt}")

    def _notices(self, table: Table, line: Line, prompts: Prompts) -> Spoken:
        """Current service-health notices for the line, each in the caller's language where it has one."""
        return [self._in_language(notice.texts, prompts) for notice in table.notices_for(line.id, self._clock())]

    def _in_language(self, texts: tuple[tuple[str, str], ...], prompts: Prompts) -> tuple[Prompts, str]:
        """An admin's text in the caller's language, else in English (or whatever there is) with a voice for it."""
        by_language = dict(texts)
        if prompts.language in by_language:
            return prompts, by_language[prompts.language]
        language, text = ("en", by_language["en"]) if "en" in by_language else next(iter(by_language.items()))
        return self._catalogues(language if self._catalogues.has(language) else FALLBACK_LOCALE), text

    def _severity_question(self, prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
        gather = question(f"severity?attempt={attempt}", prompts, _all_words(prompts.raw("severity_words")))
        for text in (lead, prompts.text("severity")):
            if text:
                say(gather, prompts, text)
        return asked(gather, f"severity?attempt={attempt}")

    @staticmethod
    def _lead(prompts: Prompts, digits: str, speech: str) -> str:
        return prompts.text("not_understood" if digits or speech else "no_input")

    # -- hours and the queue --------------------------------------------------

    def _hours_check(self, state: CallState, prompts: Prompts, queue: Queue, severity: Severity | None) -> VoiceResponse:
        line = self._line(state)
        now = self._clock()
        if is_open(line, queue, now, severity):
            return self._admit(state, line, prompts, queue, severity)
        return self._closed(state, line, prompts, queue, severity, now)

    def _admit(self, state: CallState, line: Line, prompts: Prompts, queue: Queue, severity: Severity | None) -> VoiceResponse:
        """The queue is open: presales callers go straight in, others are verified first."""
        if queue is Queue.PRESALES:
            return self._enqueue(state, line, prompts, queue, severity)
        state.queue, state.severity = queue.value, severity.value if severity else ""
        self._calls.update(state.sid, queue=state.queue, severity=state.severity)
        return self.verification.admit(state, prompts)

    def _enqueue_chosen(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Verification is over: queue the caller where they chose before it began."""
        severity = Severity(state.severity) if state.severity else None
        return self._enqueue(state, self._line(state), prompts, Queue(state.queue or DEFAULT_QUEUE.value), severity)

    def _presales(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        return self._hours_check(state, prompts, Queue.PRESALES, None)

    def _enqueue(self, state: CallState, line: Line, prompts: Prompts, queue: Queue, severity: Severity | None) -> VoiceResponse:
        agents_locale = queue_language(line, queue, prompts.locale)
        name = queue_name(queue, agents_locale, severity)
        label = prompts.raw(f"queue_names.{queue.value}")
        response = VoiceResponse()
        agents_language = self._catalogues(agents_locale).language
        if agents_language != prompts.language:
            language = prompts.raw(f"language_names.{agents_language}")
            say(response, prompts, prompts.text("queue_language", queue=label, language=language))
        say(response, prompts, prompts.text("connecting", queue=label))
        self._enqueue_verb(response, prompts.locale, name, state)
        self._waiting.joined(state.sid, name)
        self._calls.update(
            state.sid, queue=queue.value, severity=severity.value if severity else "",
            queue_name=name, status="queued", enqueued_at=self._now_iso(),
        )
        ENQUEUED.labels(line.id, queue.value).inc()
        return response

    def _enqueue_verb(self, response: VoiceResponse, locale: str, name: str, state: CallState | None) -> None:
        """Into our named queue, or, with TaskRouter configured, into its workflow with the same facts as a Task."""
        wait_url = f"hold?{urlencode({'lang': locale, 'queue': name})}"
        if not self._workflow_sid:
            response.enqueue(name, wait_url=wait_url, wait_url_method="POST", action="queue-result", method="POST")
            return
        enqueue = Enqueue(workflow_sid=self._workflow_sid, wait_url=wait_url, wait_url_method="POST",
                          action="queue-result", method="POST")
        enqueue.task(json.dumps(task_attributes(name, state)))
        response.append(enqueue)

    def _closed(self, state: CallState, line: Line, prompts: Prompts, queue: Queue,
                severity: Severity | None, now: datetime) -> VoiceResponse:
        """Say so, say when it opens, offer what is open instead, else a polite goodbye."""
        label = prompts.raw(f"queue_names.{queue.value}")
        config = line.queue(queue)
        closure = closure_at(line, queue, now)
        if closure is not None and closure.end is None:  # the emergency switch: its message says it all
            sentences = [self._in_language(closure.messages, prompts)]
        else:
            holiday = queue in QUEUES_CLOSED_ON_HOLIDAYS and holiday_name(line, now)
            sentences = [(prompts, prompts.text("closed_holiday" if holiday else "closed_now", queue=label))]
            reason = dict(closure.messages).get(prompts.language) if closure else None
            if reason:
                sentences.append((prompts, reason))
            if config is not None:
                sentences.append((prompts, spoken.describe_hours(prompts, label, config.hours_for(severity), line.timezone)))
        opening = next_opening(line, queue, now, severity)
        if opening is not None:
            sentences.append((prompts, spoken.next_opening(prompts, now.astimezone(ZoneInfo(line.timezone)), opening)))
        name = queue_name(queue, queue_language(line, queue, prompts.locale), severity)
        state.queue, state.severity, state.queue_name = queue.value, severity.value if severity else "", name
        self._calls.update(state.sid, queue=state.queue, severity=state.severity, queue_name=name, status="closed")
        CLOSED.labels(line.id, queue.value).inc()
        offer = self._alternative(line, queue, severity, now)
        offers = [] if offer is None else [prompts.text("offer_critical" if offer == OFFER_CRITICAL else "offer_technical")]
        offers.append(prompts.text("callback_offer_closed", queue=label))
        gather = question(f"closed?offer={offer or 'none'}", prompts, prompts.raw("yes_words"))
        for voice, sentence in sentences + [(prompts, text) for text in offers]:
            say(gather, voice, sentence)
        response = VoiceResponse()
        response.append(gather)
        return self._goodbye(prompts, response)

    @staticmethod
    def _alternative(line: Line, queue: Queue, severity: Severity | None, now: datetime) -> str | None:
        if queue is not Queue.TECHNICAL and is_open(line, Queue.TECHNICAL, now):
            return OFFER_TECHNICAL
        if queue is Queue.TECHNICAL and severity is not Severity.A and is_open(line, Queue.TECHNICAL, now, Severity.A):
            return OFFER_CRITICAL
        return None

    @staticmethod
    def _goodbye(prompts: Prompts, response: VoiceResponse | None = None) -> VoiceResponse:
        response = response or VoiceResponse()
        say(response, prompts, prompts.text("goodbye"))
        response.hangup()
        return response

    # -- context ----------------------------------------------------------------

    def _queue_open(self, state: CallState) -> bool:
        severity = Severity(state.severity) if state.severity else None
        return is_open(self._line(state), Queue(state.queue or DEFAULT_QUEUE.value), self._clock(), severity)

    def _table(self, state: CallState) -> Table:
        """The table version the call began with (the newest, if that is gone)."""
        try:
            return self._tables.at(int(state.table_version or 0))
        except (LookupError, ValueError):
            return self._tables.current()[1]

    def _line(self, state: CallState) -> Line:
        table = self._table(state)
        return table.line(state.line) or table.line(table.default_line)

    def prompts(self, state: CallState) -> Prompts:
        line = self._line(state)
        locale = state.language if state.language in line.languages else line.languages[0]
        return self._catalogues(locale)

    def _now_iso(self) -> str:
        return self._clock().isoformat()


def _all_words(words: dict[str, list[str]]) -> list[str]:
    return [word for names in words.values() for word in names]


def task_attributes(queue_name: str, state: CallState | None) -> dict:
    """What TaskRouter routes on: the same facts our queue names and whisper carry."""
    parts = queue_name.split(".")
    return {
        "type": parts[0],
        "language": parts[1] if len(parts) > 1 else "",
        "severity": parts[2] if len(parts) > 2 else "",
        "verified": bool(state and state.verified == "yes"),
        "organisation": state.org if state else "",
        "organisation_name": state.org_name if state else "",
        "country": state.caller_country if state else "",
        "line": state.line if state else "",
        "call_sid": state.sid if state else "",
    }
