"""Into the queue: what the caller hears as they join it, the `<Enqueue>` verb,
and the router's record that they wait there.

With TaskRouter configured, the same caller goes into its workflow with the
same facts as a Task. The apology (Redis or anything else failed) enqueues
too, from nothing but the table in memory.
"""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from urllib.parse import urlencode

from twilio.twiml.voice_response import Enqueue, VoiceResponse

from call_store.call_state import CallState, CallStatus, CallStore
from call_store.events import CallEvents
from call_store.waiting import WaitingRoom
from countries.store import TableStore
from ivr.call_context import CallContext
from ivr.twiml import say
from prompts.catalogue import Prompts
from routing.lookup import line_for
from routing.menu import DEFAULT_QUEUE, DEFAULT_SEVERITY
from routing.model import Line, Queue, Severity
from routing.numbers import PhoneNumber
from routing.queues import QueueName
from runtime.metrics import ENQUEUED


class QueueEntry:
    def __init__(self, *, context: CallContext, tables: TableStore, calls: CallStore, waiting: WaitingRoom,
                 events: CallEvents, workflow_sid: str | None = None):
        self._context = context
        self._tables = tables
        self._calls = calls
        self._waiting = waiting
        self._workflow_sid = workflow_sid
        self._events = events

    @property
    def taskrouter(self) -> bool:
        """Callers go to TaskRouter's workflow (TWILIO_WORKFLOW_SID), all in one Twilio queue named after it."""
        return bool(self._workflow_sid)

    def twilio_queue(self, name: QueueName) -> str:
        """The Twilio queue a caller of `name` waits in: ours, or in TaskRouter mode the workflow's
        (https://twilio.com/docs/taskrouter/twiml-queue-calls: its FriendlyName is the workflow's sid)."""
        return self._workflow_sid or str(name)

    def enqueue(self, state: CallState, prompts: Prompts, queue: Queue, severity: Severity | None,
                announce: bool = False) -> VoiceResponse:
        """Into the queue; `announce`: say here whether its agents speak another language (a caller
        who was verified heard that before verification began)."""
        line = self._context.line(state)
        name = QueueName.for_caller(line, queue, prompts.locale, severity)
        label = prompts.raw(f"queue_names.{queue.value}")
        response = VoiceResponse()
        notice = self.language_notice(line, prompts, queue, severity) if announce else None
        if notice:
            say(response, prompts, notice)
        say(response, prompts, prompts.text("connecting", queue=label))
        arrived = self._context.clock()
        self.enqueue_verb(response, prompts.locale, name, state, arrived=arrived)
        self._waiting.joined(state.sid, name, since=arrived)
        self._events.queued(state.sid, line.id, name, since=arrived)  # the wallboard's record
        self._calls.update(state.sid, queue=queue, severity=severity, queue_name=name, status=CallStatus.QUEUED,
                           enqueued_at=arrived)
        ENQUEUED.labels(line.id, queue.value).inc()
        return response

    def requeue(self, state: CallState, prompts: Prompts, queue: Queue) -> VoiceResponse:
        """Transferred into `queue`: at the caller's first arrival (so served in that place), verification kept."""
        severity = (state.severity or DEFAULT_SEVERITY) if queue is Queue.TECHNICAL else (
            Severity.B if queue is Queue.BILLING else None)
        name = QueueName.for_caller(self._context.line(state), queue, prompts.locale, severity)
        response = VoiceResponse()
        say(response, prompts, prompts.text("connecting", queue=prompts.raw(f"queue_names.{queue.value}")))
        self.enqueue_verb(response, prompts.locale, name, state, arrived=state.enqueued_at)
        self._waiting.joined(state.sid, name, since=state.enqueued_at)
        self._events.transferred(state.sid, queue.value)  # the wallboard's record: the talk ends, a new wait begins
        self._events.queued(state.sid, state.line, name)
        self._calls.update(state.sid, queue=queue, severity=severity, queue_name=name, status=CallStatus.QUEUED,
                           agent="", agent_leg="", conference_sid="", on_hold=False)
        return response

    @staticmethod
    def language_notice(line: Line, prompts: Prompts, queue: Queue, severity: Severity | None) -> str | None:
        """"Billing is given in English." when the queue's agents do not speak the caller's language."""
        name = QueueName.for_caller(line, queue, prompts.locale, severity)
        if name.language == prompts.language:
            return None
        label = prompts.raw(f"queue_names.{queue.value}")
        return prompts.text("queue_language", queue=label, language=prompts.raw(f"language_names.{name.language}"))

    def enqueue_chosen(self, state: CallState, prompts: Prompts) -> VoiceResponse:
        """Verification is over: queue the caller where they chose before it began."""
        return self.enqueue(state, prompts, state.queue or DEFAULT_QUEUE, state.severity)

    def apology(self, dialed: str, caller: PhoneNumber | None, locale: str = "") -> VoiceResponse:
        """When call state cannot be read or written: say sorry and queue for technical support.

        Needs nothing but the table in memory and the request, so it works with Redis down: the
        language the caller chose comes in the signed URL (`lang`), else the line's first. The hold
        URL asks for the caller to be recorded (`recover`), as Redis may not know they wait.
        """
        line = line_for(self._tables.latest_known(), dialed, caller).line
        prompts = self._context.prompts_for(locale if locale in line.languages else line.languages[0])
        response = VoiceResponse()
        say(response, prompts, prompts.text("apology"))
        name = QueueName.for_caller(line, Queue.TECHNICAL, prompts.locale, DEFAULT_SEVERITY)
        self.enqueue_verb(response, prompts.locale, name, None, recover=True)
        return response

    def recover(self, sid: str, name: QueueName, locale: str, dialed: str, caller: PhoneNumber | None, waited: int) -> None:
        """A caller the apology queued, on their hold webhook: into our record of who waits, arrived `waited`
        seconds ago (Twilio's QueueTime), and their call's record, keeping whatever it already holds."""
        arrived = self._context.clock() - timedelta(seconds=max(waited, 0))
        line = line_for(self._tables.latest_known(), dialed, caller).line
        self._waiting.joined(sid, name, since=arrived)
        self._events.queued(sid, line.id, name, since=arrived)  # the wallboard's record
        self._calls.recovered(sid, line=line.id, dialed=dialed, caller=caller.e164 if caller else "", language=locale,
                              queue=name.kind, severity=name.severity, queue_name=name, enqueued_at=arrived)

    def enqueue_verb(self, response: VoiceResponse, locale: str, name: QueueName, state: CallState | None,
                     recover: bool = False, arrived: datetime | None = None) -> None:
        """Into our named queue, or, with TaskRouter configured, into its workflow with the same facts as a Task."""
        wait_url = f"hold?{urlencode({'lang': locale, 'queue': str(name), **({'recover': '1'} if recover else {})})}"
        if not self._workflow_sid:
            response.enqueue(str(name), wait_url=wait_url, wait_url_method="POST", action="queue-result", method="POST")
            return
        enqueue = Enqueue(workflow_sid=self._workflow_sid, wait_url=wait_url, wait_url_method="POST",
                          action="queue-result", method="POST")
        enqueue.task(json.dumps(task_attributes(name, state, arrived)))
        response.append(enqueue)


def task_attributes(name: QueueName, state: CallState | None, arrived: datetime | None = None) -> dict:
    """What TaskRouter routes on: the same facts our queue names and briefing carry, with the queue key and
    when the caller first joined a queue (kept through a transfer)."""
    return {
        "queue": str(name),
        "arrived": arrived.isoformat() if arrived else "",
        "verified_by": state.verified_by if state else "",
        "type": name.kind.value,
        "language": name.language,
        "severity": name.severity.value if name.severity else "",
        "verified": bool(state and state.verified == "yes"),
        "organisation": state.org if state else "",
        "organisation_name": state.org_name if state else "",
        "country": state.caller_country if state else "",
        "line": state.line if state else "",
        "call_sid": state.sid if state else "",
    }
