"""The call's opening: the line it reached, the greeting, the language, the
menu and, for technical support, the severity. Then the queue flow takes over.
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from call_store.call_state import CallStore
from countries.store import TableStore
from ivr.call_context import CallContext, CallParams
from ivr.questions import (
    language_question,
    menu_question,
    no_answer_lead,
    severity_question,
)
from ivr.queue_flow import QueueFlow
from ivr.twiml import Sentences
from prompts.catalogue import Prompts
from routing.choices import choose
from routing.lookup import line_for
from routing.menu import (
    DEFAULT_QUEUE,
    DEFAULT_SEVERITY,
    MAX_ATTEMPTS,
    MENU_KEYS,
    SEVERITY_KEYS,
)
from routing.model import HIGHEST_SEVERITY, Line, Queue, Table
from runtime.metrics import CALLS


class AnswerFlow:
    def __init__(self, *, context: CallContext, tables: TableStore, calls: CallStore, queue_flow: QueueFlow):
        self._context = context
        self._tables = tables
        self._calls = calls
        self._queue_flow = queue_flow

    def answer(self, call: CallParams) -> VoiceResponse:
        """A new call: find the line, greet, and ask for a language or straight for the menu."""
        version, table, state = self._tables.current_with(self._calls.reading(call.sid))  # one round trip
        match = line_for(table, call.dialed, call.caller)
        line = match.line
        if state is None:
            state = self._calls.create(
                sid=call.sid, line=line.id, dialed=call.dialed, caller=call.caller.e164 if call.caller else "",
                caller_country=match.caller_country or "", attestation=call.attestation,
                started_at=self._context.clock(), table_version=version,
                language=line.languages[0] if len(line.languages) == 1 else "",
            )
            CALLS.labels(line.id).inc()
        # else: a replay for a call under way (Twilio's retry, or a captured request sent again) answers as the
        # first did and leaves the call as it stands: its organisation, verification and place are not reset.
        if state.language:
            prompts = self._context.catalogues(state.language)
            return menu_question(prompts, 1, greet=True, notices=self._notices(table, line, prompts))
        return language_question(line, self._context.catalogues, 1)

    def language(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        line = self._context.line(state)
        catalogues = self._context.catalogues
        keys = {str(number): locale for number, locale in enumerate(line.languages, start=1)}
        words = {locale: catalogues(locale).raw("language_words") for locale in line.languages}
        chosen = choose(call.digits, call.speech, keys, words)
        if chosen is None and call.attempt < MAX_ATTEMPTS:
            lead = no_answer_lead(catalogues(line.languages[0]), call.digits, call.speech)
            return language_question(line, catalogues, call.attempt + 1, lead)
        locale = chosen or line.languages[0]
        self._calls.update(state.sid, language=locale)
        prompts = catalogues(locale)
        return menu_question(prompts, 1, notices=self._notices(self._context.table(state), line, prompts))

    def menu(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        queue = _picked(call, MENU_KEYS, prompts.raw("menu_words"))
        if queue is None and call.attempt < MAX_ATTEMPTS:
            return menu_question(prompts, call.attempt + 1, lead=no_answer_lead(prompts, call.digits, call.speech))
        queue = queue or DEFAULT_QUEUE
        if queue is Queue.TECHNICAL:
            self._calls.update(state.sid, queue=queue)
            return severity_question(prompts, 1)
        return self._queue_flow.route(state, prompts, queue, HIGHEST_SEVERITY.get(queue))

    def severity(self, call: CallParams) -> VoiceResponse:
        state = self._context.restore(call)
        prompts = self._context.prompts(state)
        severity = _picked(call, SEVERITY_KEYS, prompts.raw("severity_words"))
        if severity is None and call.attempt < MAX_ATTEMPTS:
            return severity_question(prompts, call.attempt + 1, lead=no_answer_lead(prompts, call.digits, call.speech))
        return self._queue_flow.route(state, prompts, Queue.TECHNICAL, severity or DEFAULT_SEVERITY)

    def _notices(self, table: Table, line: Line, prompts: Prompts) -> Sentences:
        """Current service-health notices for the line, each in the caller's language where it has one."""
        return [self._context.in_language(notice.texts, prompts) for notice in table.notices_for(line.id, self._context.clock())]


def _picked(call: CallParams, keys: dict, words: dict[str, list[str]]):
    """The option (a `Queue`, a `Severity`) the caller's key or words pick; None for none.
    The catalogues name options by their value ("technical", "A")."""
    chosen = choose(call.digits, call.speech, {key: option.value for key, option in keys.items()}, words)
    return next((option for option in keys.values() if option.value == chosen), None)
