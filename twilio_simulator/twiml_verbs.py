"""What Twilio does with TwiML, verb by verb, on every leg of a call.

A `Leg` is one party's call; the `Engine` plays the documents our webhooks
answer on the leg Twilio plays them on, and moves legs between the places
Twilio keeps them: a queue (`<Enqueue>`), a bridge (`<Dial>` to a number, a
client or a queue) and a conference (`<Dial><Conference>`). Each document is
fetched through an injected `request`, so the same semantics drive the Flask
test client, a real HTTP server, the command line and the REST stand-in.

Time is virtual: the engine keeps a clock of seconds and a heap of what happens
when (the next pass of a waitUrl, a phone answering, a party hanging up), and
only `run` moves it, so tests decide how much time passes. Within one step a
leg's own clock runs ahead by the estimated length of what it heard.

Twilio's pages this follows (each checked with the docs search):
  <Enqueue> https://www.twilio.com/docs/voice/twiml/enqueue
  <Leave>   https://www.twilio.com/docs/voice/twiml/leave
  <Queue>   https://www.twilio.com/docs/voice/twiml/queue
  <Dial>    https://www.twilio.com/docs/voice/twiml/dial
  <Gather>  https://www.twilio.com/docs/voice/twiml/gather
  <Conference> https://www.twilio.com/docs/voice/twiml/conference
It is deliberately stricter than Twilio: whatever Twilio would only warn about
(or quietly work around) ends the leg as a protocol error.
"""
from __future__ import annotations

import heapq
import itertools
import json
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urljoin, urlsplit

from twilio_simulator.call_transcript import (
    DTMF_KEYS,
    SILENCE,
    Answer,
    Event,
    Transcript,
    parse_answer,
)

TWIML_TYPES = frozenset({"text/xml", "application/xml", "text/html"})  # what Twilio parses as TwiML
PROMPT_VERBS = frozenset({"Say", "Play", "Pause"})  # the only verbs <Gather> may nest
SPEECH_CONFIDENCE = "0.92"
PLAY_SECONDS = 30  # an audio file's length is unknown here: a hold track is taken to last this long
DEFAULT_QUEUE_SIZE = 1000  # <Enqueue>: "The default maximum length of the queue is 1000"
DIAL_TIMEOUT = 30  # <Dial timeout> default, seconds of ringing
FINAL_STATUSES = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})
FOREVER = float("inf")


@dataclass(frozen=True)
class Context:
    """Where a document plays, and so which verbs Twilio accepts in it."""

    name: str
    verbs: frozenset[str]


CALL = Context(
    "a call document", frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Enqueue", "Dial", "Hangup", "Reject"})
)
WAIT = Context("a waitUrl document", frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}))
# <Queue url>: "The allowed verbs in this TwiML document are Play, Say, Pause, and Redirect."
QUEUE_URL = Context("a <Queue url> document", frozenset({"Play", "Say", "Pause", "Redirect"}))
# A conference participant's hold music and announcements.
HOLD = Context("a hold or announcement document", frozenset({"Play", "Say", "Pause", "Redirect"}))
# <Number url>/<Client url>: played to the called party before the bridge (call screening).
SCREEN = Context("a <Number url> document", frozenset({"Play", "Say", "Pause", "Gather", "Redirect", "Hangup"}))


@dataclass(frozen=True)
class Document:
    url: str  # relative URLs inside resolve against this
    root: ET.Element
    context: Context


class ProtocolError(Exception):
    """The server broke the TwiML contract: on Twilio the caller would hear "an application error"."""


@dataclass
class Party:
    """The person on a leg, scripted: what they answer, when they pick up, how long they stay.

    `answers` are consumed one per <Gather> (a callable is asked each time);
    `answer_after` is seconds of ringing before they pick up (None: they never
    do); `hold_cycles` is how many passes of a waitUrl they listen to before
    hanging up (None: they stay in the queue); `talk_seconds` is how long they
    stay once connected to someone (None: until the other side ends it).
    """

    answers: object = ()
    answer_after: float | None = 0
    hold_cycles: int | None = 1
    talk_seconds: float | None = 60
    busy: bool = False
    hang_up_after: float | None = None  # seconds after picking up when they hang up, wherever they are

    def __post_init__(self):
        self._script = None if callable(self.answers) else iter(self.answers)

    def answer(self, gather: Event) -> Answer:
        if self._script is None:
            value = self.answers(gather)
            return value if isinstance(value, Answer) else parse_answer(value)
        item = next(self._script, None)  # a finished script is a person who stays silent
        if item is None:
            return SILENCE
        if callable(item):  # resolved when asked: a code that has only just been sent
            item = item(gather)
        return item if isinstance(item, Answer) else parse_answer(item)


@dataclass
class Leg:
    """One call as Twilio keeps it: its parameters, where it is, what its party heard."""

    sid: str
    params: dict[str, str]  # sent with every request on this leg
    party: Party
    status_callback: str | None = None
    status_method: str = "POST"
    status_events: frozenset[str] = frozenset({"completed"})
    transcript: Transcript = field(default_factory=Transcript)
    status: str = "queued"
    place: str = "new"  # new | ringing | playing | queue | dialling | bridge | conference | ended
    clock: float = 0.0  # how far this leg's own playback has got, in engine seconds
    answered_at: float | None = None
    epoch: int = 0  # bumped whenever the leg is moved, so stale steps know to stop
    resume: dict | None = None  # the verb a waiting leg returns to, and what it asked for
    passes: int = 0  # waitUrl passes heard in the current queue
    forbidden: bool = False  # the server refused our signature: it would refuse the status callback too
    requests: int = 0
    sequence: int = 0  # status callbacks sent

    @property
    def ended(self) -> bool:
        return self.place == "ended"


@dataclass
class Queue:
    name: str
    sid: str
    max_size: int = DEFAULT_QUEUE_SIZE
    members: list[Leg] = field(default_factory=list)
    diallers: list[Leg] = field(default_factory=list)  # <Dial><Queue> legs waiting for someone to join
    entered: dict[str, float] = field(default_factory=dict)  # CallSid -> engine time it joined
    served: list[float] = field(default_factory=list)  # time each member waited before leaving


@dataclass
class Participant:
    leg: Leg
    label: str = ""
    muted: bool = False
    hold: bool = False
    coaching: bool = False
    call_sid_to_coach: str = ""
    start_on_enter: bool = True
    end_on_exit: bool = False
    hold_url: str = ""
    hold_method: str = "GET"


@dataclass
class Conference:
    name: str
    sid: str
    status: str = "init"  # init | in-progress | completed
    participants: dict[str, Participant] = field(default_factory=dict)  # CallSid -> participant
    callback: str | None = None
    callback_method: str = "POST"
    callback_events: frozenset[str] = frozenset()
    sequence: int = 0
    ended_reason: str = ""


Request = Callable[[Leg, str, str, dict, str], tuple[int, str, str]]  # (leg, url, method, params, status)


class Engine:
    """Twilio's side of every leg at once, on a virtual clock."""

    def __init__(self, request: Request, *, account_sid: str, max_requests: int = 60,
                 on_event: Callable[[Leg, Event], None] | None = None):
        self._request = request
        self.account_sid = account_sid
        self.max_requests = max_requests
        self._on_event = on_event
        self.now = 0.0
        self._heap: list = []
        self._live = 0  # steps pending that are not idle
        self._current: Leg | None = None  # the leg whose own step is running
        self._order = itertools.count()
        self.legs: dict[str, Leg] = {}
        self.queues: dict[str, Queue] = {}
        self.conferences: dict[str, Conference] = {}
        self.parties: dict[str, Party] = {}  # who answers a <Dial>led number or client, by target
        self.taskrouter = None  # a `twilio_simulator.taskrouter.TaskRouter`: <Enqueue workflowSid> makes its Tasks

    # ---- time -------------------------------------------------------------------------------

    def at(self, when: float, step: Callable[[], None], leg: Leg | None = None, idle: bool = False) -> None:
        """Do `step` at engine time `when`; a step for a leg that has moved since is dropped.

        An `idle` step (the next pass of a hold) happens only while time is let pass: it
        repeats for as long as someone waits, so it never keeps `run()` going by itself.
        """
        epoch = leg.epoch if leg else None
        self._live += not idle
        heapq.heappush(self._heap, (when, next(self._order), step, leg, epoch, idle))

    def run(self, until: float = FOREVER) -> None:
        """Do everything due up to `until` (default: until nothing but holds is left to happen)."""
        while self._heap and self._heap[0][0] <= until:
            if until == FOREVER and not self._live:
                break  # only callers waiting on hold: they would wait for ever
            when, _, step, leg, epoch, idle = heapq.heappop(self._heap)
            self._live -= not idle
            self.now = max(self.now, when)
            if leg is not None and (leg.epoch != epoch or leg.ended):
                continue
            if leg is not None:
                leg.clock = max(leg.clock, self.now)
            self._current = leg
            try:
                step()
            except ProtocolError as exc:
                if leg is None:
                    raise
                self.fail(leg, exc)
            finally:
                self._current = None
        if until != FOREVER:
            self.now = max(self.now, until)

    def pending(self) -> bool:
        return bool(self._heap)

    def next_due(self) -> float:
        return self._heap[0][0] if self._heap else FOREVER

    def step(self) -> bool:
        """Do the next thing that happens, whenever it is due; False when nothing is left."""
        if not self._heap:
            return False
        self.run(until=self._heap[0][0])
        return True

    # ---- legs -------------------------------------------------------------------------------

    def new_leg(self, params: dict[str, str], party: Party, sid: str | None = None, **options) -> Leg:
        sid = sid or "CA" + secrets.token_hex(16)
        leg = Leg(sid=sid, params={"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "CallSid": sid,
                                   **params}, party=party, clock=self.now, **options)
        self.legs[sid] = leg
        return leg

    def record(self, leg: Leg, event: Event) -> None:
        leg.transcript.events.append(event)
        if self._on_event:
            self._on_event(leg, event)

    def ring(self, leg: Leg, url: str, method: str = "POST", twiml: str | None = None, timeout: float = 60,
             on_answer: Callable[[], None] | None = None) -> None:
        """An outgoing leg rings its party; on answer it plays `url` (or `twiml`)."""
        leg.place, leg.status = "ringing", "ringing"
        self.notify_status(leg, "initiated", "initiated")
        self.notify_status(leg, "ringing", "ringing")
        party = leg.party
        if party.busy:
            self.at(self.now, lambda: self.finish(leg, "busy"), leg)
        elif party.answer_after is None or party.answer_after > timeout:
            self.at(self.now + timeout, lambda: self.finish(leg, "no-answer"), leg)
        else:
            def answered():
                self.answer(leg)
                if on_answer:
                    on_answer()
                else:
                    self.play_from(leg, self.fetch(leg, url, method, {}, CALL) if twiml is None
                                   else self.parse(leg, url, twiml, CALL))
            self.at(self.now + party.answer_after, answered, leg)

    def answer(self, leg: Leg) -> None:
        leg.status, leg.answered_at, leg.place = "in-progress", leg.clock, "playing"
        self.notify_status(leg, "answered", "in-progress")
        if leg.party.hang_up_after is not None:  # not tied to where the leg is: it goes whatever happens
            self.at(leg.clock + leg.party.hang_up_after, lambda: self.finish(leg, "completed", "the caller hangs up"))

    def notify_status(self, leg: Leg, event: str, call_status: str, extra: dict | None = None) -> None:
        """A status callback for `event`, if the leg asked for it (final ones always go when asked for)."""
        if leg.status_callback and event in leg.status_events and not leg.forbidden:
            leg.sequence += 1
            params = {"CallbackSource": "call-progress-events", "SequenceNumber": str(leg.sequence - 1),
                      **(extra or {})}
            try:
                status, _, _ = self._send(leg, leg.status_callback, leg.status_method, params, call_status, counted=False)
            except ProtocolError as exc:
                self.record(leg, Event("error", str(exc)))
                return
            if not 200 <= status < 300:
                self.record(leg, Event("error", f"status callback {leg.status_callback} answered HTTP {status}"))

    def interrupted(self, leg: Leg) -> None:
        """Something else acts on `leg` now: what it was still hearing (its clock ran ahead) is cut short."""
        if leg is not self._current and leg.clock > self.now:
            leg.clock = max(self.now, leg.answered_at or 0.0)

    def finish(self, leg: Leg, status: str = "completed", why: str = "") -> None:
        """The leg is over: take it out of wherever it waits, then the final status callback."""
        if leg.ended:
            return
        self.interrupted(leg)
        if why:
            self.record(leg, Event("hangup", why))
        place = leg.place
        leg.epoch += 1
        leg.place, leg.status = "ended", status
        if leg.transcript.outcome != "error":
            leg.transcript.outcome = {"queue": "queued", "bridge": "dialed", "dialling": "dialed",
                                      "conference": "dialed"}.get(place, "hangup")
        if place == "queue":
            self._leave_queue(leg, "hangup", continue_after=False)
        elif place == "dialling":
            self._stop_dialling(leg)
        elif place == "bridge":
            self._end_bridge(leg)
        elif place == "conference":
            self._leave_conference(leg, hung_up=True)
        duration = 0 if leg.answered_at is None else max(1, round(leg.clock - leg.answered_at))
        leg.transcript.duration = duration
        self.notify_status(leg, "completed", status, {"CallDuration": str(duration)} if leg.answered_at is not None
                           else {})

    def redirect(self, leg: Leg, url: str | None, method: str = "POST", twiml: str | None = None) -> None:
        """A live call gets new TwiML (Calls update Url/Twiml): it leaves where it was and plays that."""
        if leg.ended:
            return
        self.interrupted(leg)
        place = leg.place
        leg.epoch += 1
        if place == "queue":
            self._leave_queue(leg, "redirected", continue_after=False)
        elif place == "bridge":
            self._end_bridge(leg, redirected=True)
        elif place == "conference":
            self._leave_conference(leg, hung_up=False)
        elif place == "dialling":
            self._stop_dialling(leg)
        leg.place, leg.resume = "playing", None
        self.record(leg, Event("redirect", url or "(inline TwiML)"))
        self.at(self.now, lambda: self.play_from(
            leg, self.parse(leg, url or "", twiml, CALL) if twiml is not None else self.fetch(leg, url, method, {}, CALL)),
            leg)

    # ---- documents --------------------------------------------------------------------------

    def _send(self, leg: Leg, url: str, method: str, params: dict, call_status: str,
              counted: bool = True) -> tuple[int, str, str]:
        """One request for a leg; those that move the call on count towards max_requests (a loop guard)
        but a waitUrl pass or a status callback does not: a caller may wait as long as they like."""
        if counted and leg.requests >= self.max_requests:
            raise ProtocolError(f"loop: {self.max_requests} requests and the call has not ended (max_requests)")
        leg.requests += counted
        status, content_type, body = self._request(leg, url, method, params, call_status)
        if status == 403:
            leg.forbidden = True
        return status, content_type, body

    def fetch(self, leg: Leg, url: str, method: str, params: dict, context: Context) -> Document | None:
        """Request a document for this leg; None when the leg moved meanwhile or the answer was broken."""
        epoch = leg.epoch
        status_now = leg.status if leg.status != "queued" else "ringing"
        try:
            status, content_type, body = self._send(leg, url, method, params, status_now, counted=context is not WAIT)
            if epoch != leg.epoch:
                return None  # a REST update moved the leg while we waited: its answer no longer applies
            leg.transcript.last_twiml = body
            if status != 200:
                raise ProtocolError(f"{method} {url} answered HTTP {status}, not 200 with TwiML")
            media_type = content_type.split(";")[0].strip().lower()
            if media_type not in TWIML_TYPES:
                raise ProtocolError(f"{url} answered {media_type or 'no content type'}, not text/xml")
            return self.parse(leg, url, body, context)
        except ProtocolError as exc:
            self.fail(leg, exc)
            return None

    def parse(self, leg: Leg, url: str, body: str, context: Context) -> Document | None:
        try:
            return parse_document(url, body, context)
        except ProtocolError as exc:
            self.fail(leg, exc)
            return None

    def fail(self, leg: Leg, exc: ProtocolError) -> None:
        """Twilio says "an application error has occurred" and hangs up."""
        if leg.ended:  # an action requested after the hang-up: nobody hears it, Twilio's debugger logs it
            self.record(leg, Event("error", str(exc)))
            return
        self.record(leg, Event("error", str(exc)))
        leg.transcript.outcome = "error"
        self.finish(leg, "completed")

    def play_from(self, leg: Leg, doc: Document | None, start: int = 0) -> None:
        """Play a call document from verb `start` until the leg waits somewhere or ends."""
        while doc is not None and not leg.ended:
            epoch = leg.epoch
            try:
                doc, start = self._play(leg, doc, start)
            except ProtocolError as exc:
                self.fail(leg, exc)
                return
            if leg.epoch != epoch:
                return

    def _play(self, leg: Leg, doc: Document, start: int) -> tuple[Document | None, int]:
        verbs = list(doc.root)
        for index in range(start, len(verbs)):
            verb = verbs[index]
            if verb.tag in PROMPT_VERBS:
                if self.prompt(leg, verb, doc) == "endless":
                    if doc.context is CALL:
                        self.finish(leg, "completed", f"the caller hangs up during an endless <{verb.tag} loop=\"0\">")
                    return None, 0
                continue
            handler = getattr(self, "_" + verb.tag.lower())
            outcome = handler(leg, verb, doc, index)
            if outcome is not None:
                return outcome
            if leg.ended:
                return None, 0
        if doc.context is CALL and not leg.ended:
            self.finish(leg, "completed", "end of the document: Twilio hangs up")
        return None, 0

    def prompt(self, leg: Leg, verb: ET.Element, doc: Document, in_gather: bool = False) -> str | None:
        """<Say>, <Play>, <Pause>: what the party hears, and how long it takes."""
        if verb.tag == "Pause":
            length = _int(verb, "length", 1, minimum=1)
            leg.clock += length
            self.record(leg, Event("pause", "", {"length": length}))
            return None
        loop = _int(verb, "loop", 1, minimum=0)
        if verb.tag == "Say":
            text = " ".join("".join(verb.itertext()).split())  # SSML children are part of the text
            seconds = max(1, round(len(text.split()) / 2.5))
        else:
            ref = (verb.text or "").strip()
            text = _resolve(doc, ref, "<Play>") if ref else ""
            seconds = PLAY_SECONDS if ref else max(1, len(verb.get("digits", "")) // 2)
        leg.clock += seconds * max(loop, 1)
        self.record(leg, Event(verb.tag.lower(), text, {**verb.attrib, "loop": loop}))
        return "endless" if loop == 0 and not in_gather else None

    # ---- verbs: each returns (next document, verb index) or None to go on ------------------

    def _gather(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        settings = _gather_settings(verb, doc)
        for nested in verb:
            self.prompt(leg, nested, doc, in_gather=True)
        event = Event("gather", "", settings)
        self.record(leg, event)
        answer = leg.party.answer(event)
        params = _gather_params(answer, settings)
        self.record(leg, Event("input", answer.value, {"kind": answer.kind, "accepted": params is not None}))
        finished_alone = params is None and _finish_key_alone(answer, settings)
        leg.clock += settings["timeout"] if params is None and not finished_alone else 2
        if params is None and settings["actionOnEmptyResult"]:  # posted with nothing gathered
            params = {"Digits": "", "FinishedOnKey": settings["finishOnKey"]} if finished_alone else {}
        if params is not None:
            return self.fetch(leg, settings["action"], settings["method"], params, doc.context), 0
        return None  # no input: Twilio moves on to the verb after <Gather>

    def _redirect(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        url = _resolve(doc, verb.text or "", "<Redirect>")
        self.record(leg, Event("redirect", url))
        return self.fetch(leg, url, _method(verb), {}, doc.context), 0

    def _hangup(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        self.finish(leg, "completed", f"<{verb.tag}/>")
        return None, 0

    _reject = _hangup

    def _leave(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        self.record(leg, Event("leave", leg.resume["queue"] if leg.resume else ""))
        self._leave_queue(leg, "leave", continue_after=True)
        return None, 0

    def _enqueue(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        # The name may stand before or after a nested <Task>: XML keeps the latter as the Task's tail.
        name = ((verb.text or "") + "".join(child.tail or "" for child in verb)).strip()
        workflow = verb.get("workflowSid", "")
        queue_name = name or workflow
        wait_url = _resolve(doc, verb.get("waitUrl"), "<Enqueue waitUrl>") if verb.get("waitUrl") else None
        action = _resolve(doc, verb.get("action"), "<Enqueue action>") if verb.get("action") else None
        self.record(leg, Event("enqueue", name, {"workflowSid": workflow, "task": _task(verb), "waitUrl": wait_url}))
        leg.transcript.queue = name or None
        queue = self.queue(queue_name)
        leg.resume = {"verb": "Enqueue", "doc": doc, "index": index + 1, "action": action, "method": _method(verb),
                      "queue": queue_name, "wait_url": wait_url, "wait_method": _method(verb, "waitUrlMethod")}
        if len(queue.members) >= queue.max_size:
            leg.place = "queue"
            queue.entered[leg.sid] = leg.clock
            queue.members.append(leg)
            self._leave_queue(leg, "queue-full", continue_after=True)
            return None, 0
        leg.place, leg.passes = "queue", 0
        queue.members.append(leg)
        queue.entered[leg.sid] = leg.clock
        leg.transcript.outcome = "queued"
        if workflow and self.taskrouter is not None:  # TaskRouter makes a Task of the call, with the <Task>'s attributes
            self.taskrouter.enqueued(leg, workflow, _task(verb) or {})
        if queue.diallers:  # an agent is already dialling this queue: connected at once
            dialler = queue.diallers.pop(0)
            self.at(self.now, lambda: self._connect_queue(dialler, queue), dialler)
        elif wait_url:
            self.at(self.now, lambda: self._wait_pass(leg), leg, idle=leg.party.hold_cycles is None)
        elif leg.party.hold_cycles is not None:  # Twilio's own music: the caller listens, then hangs up
            self.at(leg.clock + 60 * max(leg.party.hold_cycles, 1),
                    lambda: self.finish(leg, "completed", "the caller hangs up in the queue"), leg)
        return None, 0

    def queue(self, name: str) -> Queue:
        if name not in self.queues:
            self.queues[name] = Queue(name, "QU" + secrets.token_hex(16))
        return self.queues[name]

    def queue_params(self, leg: Leg) -> dict[str, str]:
        queue = self.queues[leg.resume["queue"]]
        waited = leg.clock - queue.entered.get(leg.sid, leg.clock)
        return {"QueueSid": queue.sid, "QueueTime": str(round(waited))}

    def _wait_pass(self, leg: Leg) -> None:
        """One pass of the waitUrl; Twilio requests it again when its document ends."""
        cycles = leg.party.hold_cycles
        if cycles is not None and leg.passes >= cycles:
            self.finish(leg, "completed", "the caller hangs up in the queue")
            return
        queue = self.queues[leg.resume["queue"]]
        position = queue.members.index(leg) + 1
        averages = queue.served[-20:]
        params = {**self.queue_params(leg), "QueuePosition": str(position), "CurrentQueueSize": str(len(queue.members)),
                  "AvgQueueTime": str(round(sum(averages) / len(averages)) if averages else 0),
                  "MaxQueueSize": str(queue.max_size)}
        leg.passes += 1
        doc = self.fetch(leg, leg.resume["wait_url"], leg.resume["wait_method"], params, WAIT)
        endless = False
        while doc is not None and leg.place == "queue":
            epoch = leg.epoch
            following, endless = self._play_wait(leg, doc)
            if leg.epoch != epoch:
                return
            doc = following
        if leg.place != "queue" or leg.ended:
            return
        if endless and cycles is not None:
            self.finish(leg, "completed", "the caller hangs up in the queue")
        elif not endless:  # at least a second apart, however short the document
            leg.clock = max(leg.clock, self.now + 1)
            self.at(leg.clock, lambda: self._wait_pass(leg), leg,  # "re-requested when its document ends"
                    idle=cycles is None)

    def _play_wait(self, leg: Leg, doc: Document) -> tuple[Document | None, bool]:
        for verb in doc.root:
            if verb.tag in PROMPT_VERBS:
                if self.prompt(leg, verb, doc) == "endless":
                    return None, True  # the music never ends: the waitUrl is never requested again
                continue
            if verb.tag == "Gather":
                outcome = self._gather(leg, verb, doc, 0)
                if outcome is not None:
                    return outcome[0], False
                continue
            if verb.tag == "Redirect":
                return self._redirect(leg, verb, doc, 0)[0], False
            if verb.tag == "Leave":
                self._leave(leg, verb, doc, 0)
                return None, False
            if verb.tag == "Hangup":
                self._hangup(leg, verb, doc, 0)
                return None, False
        return None, False

    def _leave_queue(self, leg: Leg, result: str, continue_after: bool, extra: dict | None = None) -> None:
        """Out of the queue: the Enqueue action learns why (QueueResult); the leg goes on if it still can."""
        resume = leg.resume
        leg.epoch += 1
        queue = self.queues[resume["queue"]]
        params = {"QueueResult": result, **self.queue_params(leg), **(extra or {})}
        if leg in queue.members:
            queue.members.remove(leg)
            queue.served.append(leg.clock - queue.entered.pop(leg.sid, leg.clock))
            if self.taskrouter is not None:
                self.taskrouter.left_queue(leg, result)
        if result != "bridged" and not leg.ended:
            leg.place = "playing"
        if resume["action"]:
            doc = self.fetch(leg, resume["action"], resume["method"], params, CALL)
            if continue_after and doc is not None:
                self.play_from(leg, doc)
        elif continue_after:
            self.play_from(leg, resume["doc"], resume["index"])  # the verb after <Enqueue>

    # ---- <Dial> -----------------------------------------------------------------------------

    def _dial(self, leg: Leg, verb: ET.Element, doc: Document, index: int):
        nouns = [{"noun": "Number", "target": verb.text.strip(), "attrs": {}}] if (verb.text or "").strip() else []
        for noun in verb:
            if noun.tag not in ("Number", "Client", "Queue", "Conference"):
                self.fail(leg, ProtocolError(f"<Dial><{noun.tag}> is not simulated: a Number, Client, Queue or Conference"))
                return None, 0
            nouns.append({"noun": noun.tag, "target": (noun.text or "").strip(), "attrs": dict(noun.attrib)})
        targets = []
        for noun in nouns:
            target = {"noun": noun["noun"], "target": noun["target"]}
            if noun["attrs"].get("url"):
                target["url"] = _resolve(doc, noun["attrs"]["url"], f"<{noun['noun']} url>")
            targets.append(target)
        self.record(leg, Event("dial", ", ".join(t["target"] for t in targets), {**verb.attrib, "targets": targets}))
        leg.transcript.outcome = "dialed"
        action = _resolve(doc, verb.get("action"), "<Dial action>") if verb.get("action") else None
        leg.resume = {"verb": "Dial", "doc": doc, "index": index + 1, "action": action, "method": _method(verb),
                      "timeout": _int(verb, "timeout", DIAL_TIMEOUT, minimum=1), "started": leg.clock,
                      "caller_id": verb.get("callerId", leg.params.get("From", ""))}
        first = nouns[0]
        if first["noun"] == "Queue":
            leg.resume["queue_url"] = targets[0].get("url")
            leg.resume["queue_method"] = first["attrs"].get("method", "POST")
            queue = self.queue(first["target"])
            leg.place = "dialling"
            if queue.members:
                self._connect_queue(leg, queue)
            else:
                queue.diallers.append(leg)
                self.at(leg.clock + leg.resume["timeout"], lambda: self._dial_ended(leg, "no-answer"), leg)
            return None, 0
        if first["noun"] == "Conference":
            self.join_conference(leg, first["target"], first["attrs"], doc)
            return None, 0
        self._dial_party(leg, first, targets[0].get("url"))
        return None, 0

    def _dial_party(self, leg: Leg, noun: dict, url: str | None) -> None:
        """<Dial> a number or a client: a child leg rings; its url document plays to whoever answers it."""
        to = noun["target"] if noun["noun"] == "Number" else "client:" + noun["target"]
        party = self.parties.get(to, Party())
        attrs = noun["attrs"]
        child = self.new_leg({"From": leg.resume["caller_id"], "To": to, "Direction": "outbound-dial", "ParentCallSid": leg.sid, "Caller": leg.params.get("From", ""),
                              "Called": to}, party,
                             status_callback=_resolve(leg.resume["doc"], attrs["statusCallback"], "<Number statusCallback>")
                             if attrs.get("statusCallback") else None, status_method=attrs.get("statusCallbackMethod", "POST"),
                             status_events=frozenset(attrs.get("statusCallbackEvent", "completed").split()))
        leg.place, leg.resume["child"] = "dialling", child.sid
        self.notify_status(child, "initiated", "initiated")
        child.status = child.place = "ringing"
        self.notify_status(child, "ringing", "ringing")
        self.record(child, Event("ring", f"call from {child.params['From']}"))

        def answered():
            self.answer(child)
            if url:
                screen = self.fetch(child, url, attrs.get("method", "POST"), {}, SCREEN)
                while screen is not None and not child.ended:
                    following = self._play_screen(child, screen)
                    screen = following
                if child.ended:
                    if not leg.ended and leg.place == "dialling":
                        self._dial_ended(leg, "completed", child)
                    return
            self.bridge(leg, child)

        timeout = leg.resume["timeout"]
        if party.busy:
            self.at(self.now, lambda: (self.finish(child, "busy"), self._dial_ended(leg, "busy", child)), leg)
        elif party.answer_after is None or party.answer_after > timeout:
            self.at(leg.clock + timeout, lambda: (self.finish(child, "no-answer"), self._dial_ended(leg, "no-answer", child)), leg)
        else:
            self.at(leg.clock + party.answer_after, answered, leg)

    def _play_screen(self, leg: Leg, doc: Document) -> Document | None:
        for index, verb in enumerate(doc.root):
            if verb.tag in PROMPT_VERBS:
                self.prompt(leg, verb, doc, in_gather=True)
                continue
            if verb.tag == "Hangup":
                self.finish(leg, "completed", "<Hangup/> in the <Number url> document")
                return None
            outcome = getattr(self, "_" + verb.tag.lower())(leg, verb, doc, index)
            if outcome is not None:
                return outcome[0]
        return None

    def _connect_queue(self, dialler: Leg, queue: Queue) -> None:
        """<Dial><Queue>: the front caller is dequeued; the Queue url plays on the CALLER's leg, then the bridge."""
        if dialler.ended or not queue.members:
            return
        caller = queue.members[0]
        caller.epoch += 1  # its next waitUrl pass will not come
        self.interrupted(caller)
        url = dialler.resume.get("queue_url")
        if url:
            params = {**self.queue_params(caller), "DequeingCallSid": dialler.sid}
            doc = self.fetch(caller, url, dialler.resume.get("queue_method", "POST"), params, QUEUE_URL)
            while doc is not None and caller.place == "queue":
                following = None
                for verb in doc.root:
                    if verb.tag in PROMPT_VERBS:
                        self.prompt(caller, verb, doc, in_gather=True)
                    elif verb.tag == "Redirect":
                        following = self._redirect(caller, verb, doc, 0)[0]
                        break
                doc = following
            if caller.ended or caller.place != "queue":
                if not dialler.ended:
                    self._dial_ended(dialler, "failed")
                return
        queue.members.remove(caller)
        queue.served.append(caller.clock - queue.entered.get(caller.sid, caller.clock))
        self.bridge(dialler, caller)

    def bridge(self, dialler: Leg, other: Leg) -> None:
        """Two legs talk until one hangs up (whichever party's talk_seconds runs out first)."""
        start = max(dialler.clock, other.clock)
        dialler.clock = other.clock = start
        dialler.place, other.place = "bridge", "bridge"
        dialler.resume["peer"], dialler.resume["bridged_at"] = other.sid, start
        if other.resume is None:
            other.resume = {"verb": "Bridge"}
        other.resume["peer"], other.resume["bridged_at"] = dialler.sid, start
        self.record(dialler, Event("connected", other.params.get("From", other.sid), {"peer": other.sid}))
        self.record(other, Event("connected", dialler.params.get("From", dialler.sid), {"peer": dialler.sid}))
        talks = [(leg.party.talk_seconds, n, leg) for n, leg in enumerate((other, dialler))
                 if leg.party.talk_seconds is not None]
        if talks:
            seconds, _, first = min(talks)
            first.clock = start + seconds
            self.at(start + seconds, lambda: self.finish(first, "completed", "hangs up after talking"), first)

    def _end_bridge(self, leg: Leg, redirected: bool = False) -> None:
        """`leg` leaves a bridge (hung up or redirected); each side learns of it as Twilio tells it."""
        peer = self.legs[leg.resume["peer"]]
        peer.clock = max(peer.clock, leg.clock)
        talked = str(max(0, round(leg.clock - leg.resume["bridged_at"])))
        if not redirected:  # hung up: its own action is still requested, with nothing left to play
            self._bridge_over(leg, peer, talked, continue_after=False)
        if not peer.ended:
            peer.epoch += 1
            peer.place = "playing"
            self._bridge_over(peer, leg, talked, continue_after=True)

    def _bridge_over(self, side: Leg, other: Leg, talked: str, continue_after: bool) -> None:
        verb = side.resume.get("verb")
        if verb == "Dial":  # "Twilio will make a GET or POST request to the action URL ... when the <Dial> call ends"
            self._dial_ended(side, "completed", other, talked, continue_after)
        elif verb == "Enqueue":  # dequeued by <Dial>: the action "is hit once when the bridged parties disconnect"
            self._after_queue_bridge(side, talked, continue_after)
        elif continue_after:  # a dialled party's leg ends with the call that dialled it
            self.finish(side, "completed", "the other party hung up")

    def _after_queue_bridge(self, leg: Leg, talked: str, continue_after: bool) -> None:
        resume = leg.resume
        queue = self.queues[resume["queue"]]
        params = {"QueueResult": "bridged", "QueueSid": queue.sid, "QueueTime": str(round(
            resume["bridged_at"] - queue.entered.pop(leg.sid, resume["bridged_at"])))}
        if resume["action"]:
            doc = self.fetch(leg, resume["action"], resume["method"], params, CALL)
            if continue_after and doc is not None:
                self.at(self.now, lambda: self.play_from(leg, doc), leg)
        elif continue_after:
            self.at(self.now, lambda: self.play_from(leg, resume["doc"], resume["index"]), leg)

    def _stop_dialling(self, leg: Leg) -> None:
        for queue in self.queues.values():
            if leg in queue.diallers:
                queue.diallers.remove(leg)
        child = self.legs.get(leg.resume.get("child", "")) if leg.resume else None
        if child is not None and not child.ended:
            self.finish(child, "canceled" if child.answered_at is None else "completed")

    def _dial_ended(self, leg: Leg, status: str, other: Leg | None = None, talked: str = "0",
                    continue_after: bool = True) -> None:
        """The dialled call is over: the Dial action gets DialCallStatus, or the next verb plays."""
        if leg.resume is None or leg.resume.get("verb") != "Dial":
            return
        for queue in self.queues.values():
            if leg in queue.diallers:
                queue.diallers.remove(leg)
        resume = leg.resume
        if not leg.ended:
            leg.place = "playing"
        params = {"DialCallStatus": status}
        if other is not None:
            params |= {"DialCallSid": other.sid, "DialCallDuration": talked}
        if resume["action"]:
            doc = self.fetch(leg, resume["action"], resume["method"], params, CALL)
            if continue_after and doc is not None and not leg.ended:
                self.at(self.now, lambda: self.play_from(leg, doc), leg)
        elif continue_after and not leg.ended:
            self.at(self.now, lambda: self.play_from(leg, resume["doc"], resume["index"]), leg)

    # ---- conferences ------------------------------------------------------------------------

    def conference(self, name: str) -> Conference:
        live = [c for c in self.conferences.values() if c.name == name and c.status != "completed"]
        if live:
            return live[0]
        conference = Conference(name, "CF" + secrets.token_hex(16))
        self.conferences[conference.sid] = conference
        return conference

    def join_conference(self, leg: Leg, name: str, attrs: dict, doc: Document | None) -> Conference:
        conference = self.conference(name)
        if conference.callback is None and attrs.get("statusCallback"):
            conference.callback = urljoin(doc.url, attrs["statusCallback"]) if doc else attrs["statusCallback"]
            conference.callback_method = attrs.get("statusCallbackMethod", "POST")
            conference.callback_events = frozenset(attrs.get("statusCallbackEvent", "start end").split())
        participant = Participant(
            leg, label=attrs.get("participantLabel", attrs.get("label", "")),
            muted=_true(attrs.get("muted")), coaching=bool(attrs.get("coach") or _true(attrs.get("coaching"))),
            call_sid_to_coach=attrs.get("coach", attrs.get("callSidToCoach", "")),
            start_on_enter=_true(attrs.get("startConferenceOnEnter", "true")),
            end_on_exit=_true(attrs.get("endConferenceOnExit", "false")))
        if leg.resume is None or leg.resume.get("verb") != "Dial":
            leg.resume = {"verb": "Conference", "action": None, "doc": None, "index": 0}
        leg.resume["conference"] = conference.sid
        leg.place = "conference"
        conference.participants[leg.sid] = participant
        self.record(leg, Event("conference", f"joined {name}", {"conference": conference.sid, "label": participant.label,
                                                               "coaching": participant.coaching}))
        self.conference_event(conference, "join", "participant-join", participant)
        if conference.status == "init" and participant.start_on_enter:
            conference.status = "in-progress"
            self.conference_event(conference, "start", "conference-start", participant)
        elif conference.status == "init" and attrs.get("waitUrl"):  # music until someone starts it
            url = urljoin(doc.url, attrs["waitUrl"]) if doc else attrs["waitUrl"]
            self.at(leg.clock, lambda: self._conference_wait(leg, conference, url, attrs.get("waitMethod", "POST")),
                    leg, idle=True)
        talk = leg.party.talk_seconds
        if talk is not None:
            self.at(leg.clock + talk, lambda: self.finish(leg, "completed", "hangs up after talking"), leg)
        return conference

    def _conference_wait(self, leg: Leg, conference: Conference, url: str, method: str) -> None:
        """A conference that has not started plays its waitUrl to whoever waits in it, again as it ends."""
        if conference.status != "init" or leg.place != "conference":
            return
        epoch = leg.epoch
        self.play_to(leg, url, method)
        if leg.epoch == epoch and conference.status == "init":
            leg.clock = max(leg.clock, self.now + 1)
            self.at(leg.clock, lambda: self._conference_wait(leg, conference, url, method), leg, idle=True)

    def conference_event(self, conference: Conference, short: str, name: str, participant: Participant | None = None,
                         extra: dict | None = None) -> None:
        """A conference status callback: Twilio sends the events the first participant's TwiML asked for."""
        if not conference.callback or short not in conference.callback_events:
            return
        conference.sequence += 1
        params = {"AccountSid": self.account_sid, "ConferenceSid": conference.sid, "FriendlyName": conference.name,
                  "StatusCallbackEvent": name, "SequenceNumber": str(conference.sequence), **(extra or {})}
        if participant is not None:
            params |= {"CallSid": participant.leg.sid, "Muted": _bool(participant.muted), "Hold": _bool(participant.hold),
                       "Coaching": _bool(participant.coaching), "EndConferenceOnExit": _bool(participant.end_on_exit),
                       "StartConferenceOnEnter": _bool(participant.start_on_enter)}
            if participant.label:
                params["ParticipantLabel"] = participant.label
        self._conference_request(conference, params)

    def _conference_request(self, conference: Conference, params: dict) -> None:
        """Conference events carry the conference's parameters, not a call's."""
        try:
            self._request(None, conference.callback, conference.callback_method, params, None)
        except ProtocolError:
            pass  # Twilio ignores the answer to a status callback, and so a failure of one

    def _leave_conference(self, leg: Leg, hung_up: bool, reason: str = "") -> None:
        conference = self.conferences[leg.resume["conference"]]
        participant = conference.participants.pop(leg.sid, None)
        if participant is None:
            return
        self.record(leg, Event("conference", f"left {conference.name}", {"conference": conference.sid}))
        self.conference_event(conference, "leave", "participant-leave", participant,
                              {"ReasonParticipantLeft": reason or ("participant_hung_up" if hung_up else "participant_updated_via_api")})
        if participant.end_on_exit or not conference.participants:
            why = "participant-with-end-conference-on-exit-left" if participant.end_on_exit else "last-participant-left"
            self.end_conference(conference, why, leg.sid)

    def end_conference(self, conference: Conference, reason: str, ended_by: str = "") -> None:
        if conference.status == "completed":
            return
        conference.status, conference.ended_reason = "completed", reason
        remaining = list(conference.participants.values())
        for participant in remaining:
            self.kick(participant.leg, reason="conference_ended")
        extra = {"ReasonConferenceEnded": reason}
        if ended_by:
            extra["CallSidEndingConference"] = ended_by
        if conference.callback and "end" in conference.callback_events:
            conference.sequence += 1
            params = {"AccountSid": self.account_sid, "ConferenceSid": conference.sid, "FriendlyName": conference.name,
                      "StatusCallbackEvent": "conference-end", "SequenceNumber": str(conference.sequence), **extra}
            self._conference_request(conference, params)

    def kick(self, leg: Leg, reason: str = "participant_updated_via_api") -> None:
        """Out of the conference, the leg goes on: the Dial action, or the verb after <Dial>."""
        if leg.place != "conference":
            return
        conference = self.conferences[leg.resume["conference"]]
        leg.epoch += 1
        participant = conference.participants.pop(leg.sid, None)
        if participant is not None:
            self.record(leg, Event("conference", f"left {conference.name}", {"conference": conference.sid}))
            self.conference_event(conference, "leave", "participant-leave", participant,
                                  {"ReasonParticipantLeft": reason})
        leg.place = "playing"
        if leg.resume.get("verb") == "Dial":
            self._dial_ended(leg, "completed")
        else:
            self.finish(leg, "completed", "removed from the conference")
        if participant is not None and conference.status != "completed" and (participant.end_on_exit or not conference.participants):
            self.end_conference(conference, "participant-with-end-conference-on-exit-left" if participant.end_on_exit
                                else "last-participant-left", leg.sid)

    def play_to(self, leg: Leg, url: str, method: str, context: Context = HOLD) -> None:
        """Play a hold or announcement document to one leg, where it is (nothing else moves)."""
        doc = self.fetch(leg, url, method, {}, context)
        while doc is not None and not leg.ended:
            following = None
            for verb in doc.root:
                if verb.tag in PROMPT_VERBS:
                    self.prompt(leg, verb, doc, in_gather=True)
                elif verb.tag == "Redirect":
                    url = _resolve(doc, verb.text or "", "<Redirect>")
                    following = self.fetch(leg, url, _method(verb), {}, context)
                    break
            doc = following


def parse_document(url: str, body: str, context: Context) -> Document:
    """A document as Twilio reads it, checked whole before any of it plays: a broken verb fails
    every path through the document, not only the path a test happens to take."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ProtocolError(f"{url} did not answer well-formed XML ({exc})") from exc
    if root.tag != "Response":
        raise ProtocolError(f"{url} answered <{root.tag}>, not a <Response>")
    doc = Document(url, root, context)
    for verb in root:
        if verb.tag not in context.verbs:
            raise ProtocolError(f"<{verb.tag}> is not a verb Twilio plays in {context.name} ({url})")
        for nested in verb if verb.tag == "Gather" else ():
            if nested.tag not in PROMPT_VERBS:
                raise ProtocolError(f"<Gather> cannot nest <{nested.tag}> ({url})")
        _check(verb, doc)
    return doc


def _check(verb: ET.Element, doc: Document) -> None:
    """What Twilio refuses in one verb's own attributes and text."""
    for prompt in ([verb] if verb.tag in PROMPT_VERBS else list(verb) if verb.tag == "Gather" else []):
        if prompt.tag == "Say" and not " ".join("".join(prompt.itertext()).split()):
            raise ProtocolError(f"<Say> without text ({doc.url})")
        if prompt.tag == "Play" and not (prompt.text or "").strip() and not prompt.get("digits"):
            raise ProtocolError(f"<Play> with neither a URL nor digits ({doc.url})")
        if prompt.tag == "Play" and (prompt.text or "").strip():
            _resolve(doc, prompt.text, "<Play>")
        _int(prompt, "loop", 1, minimum=0)
        _int(prompt, "length", 1, minimum=1)
    if verb.tag == "Gather":
        _gather_settings(verb, doc)
    elif verb.tag == "Redirect":
        if not (verb.text or "").strip():
            raise ProtocolError(f"<Redirect> without a URL ({doc.url})")
        _resolve(doc, verb.text, "<Redirect>")
        _method(verb)
    elif verb.tag == "Enqueue":
        name = ((verb.text or "") + "".join(child.tail or "" for child in verb)).strip()
        if not (name or verb.get("workflowSid")) or len(name) > 64:
            raise ProtocolError(f"<Enqueue> needs a queue name of 1-64 characters or a workflowSid, got {name!r}")
        _task(verb)
        _method(verb)
        _method(verb, "waitUrlMethod")
        for name in ("waitUrl", "action"):
            if verb.get(name):
                _resolve(doc, verb.get(name), f"<Enqueue {name}>")
    elif verb.tag == "Dial":
        targets = [(verb.text or "").strip()] if (verb.text or "").strip() else []
        targets += [(noun.text or "").strip() for noun in verb]
        if not targets or not all(targets):
            raise ProtocolError(f"<Dial> without anything to dial ({doc.url})")
        _int(verb, "timeout", DIAL_TIMEOUT, minimum=1)
        _method(verb)


def _gather_settings(verb: ET.Element, doc: Document) -> dict:
    """The attributes of a <Gather> with Twilio's defaults, checked as strictly as Twilio documents them."""
    inputs = verb.get("input", "dtmf").split()
    if not inputs or not set(inputs) <= {"dtmf", "speech"}:
        raise ProtocolError(f'<Gather input="{verb.get("input")}">: use dtmf, speech or "dtmf speech"')
    finish = verb.get("finishOnKey", "#")
    if len(finish) > 1 or finish not in DTMF_KEYS:  # "" is in every string: it disables the key
        raise ProtocolError(f'<Gather finishOnKey="{finish}">: one of 0-9 * # or empty')
    empty = verb.get("actionOnEmptyResult", "false")
    if empty not in ("true", "false"):
        raise ProtocolError(f'<Gather actionOnEmptyResult="{empty}">: true or false')
    return {
        "action": _resolve(doc, verb.get("action", doc.url), "<Gather action>"),
        "method": _method(verb),
        "input": " ".join(inputs),
        "numDigits": _int(verb, "numDigits", None, minimum=1),
        "finishOnKey": finish,
        "timeout": _int(verb, "timeout", 5, minimum=1),
        "actionOnEmptyResult": empty == "true",
    }


def _gather_params(answer: Answer, settings: dict) -> dict | None:
    """What Twilio posts for this answer, or None when the <Gather> heard nothing it listens for."""
    accepted = settings["input"].split()
    if answer.kind == "speech" and "speech" in accepted:
        return {"SpeechResult": answer.value, "Confidence": SPEECH_CONFIDENCE}
    if answer.kind != "dtmf" or "dtmf" not in accepted:
        return None
    digits, finished_on = "", ""
    for key in answer.value:
        if key == settings["finishOnKey"]:
            finished_on = key  # the key ends input and is not part of Digits
            break
        digits += key
        if len(digits) == settings["numDigits"]:
            break
    # Only the finish key, before any digit, counts as no input at all.
    return {"Digits": digits, "FinishedOnKey": finished_on} if digits else None


def _finish_key_alone(answer: Answer, settings: dict) -> bool:
    """The caller pressed the finish key before any digit: the <Gather> ends at once, with nothing gathered."""
    return (answer.kind == "dtmf" and "dtmf" in settings["input"].split() and bool(settings["finishOnKey"])
            and answer.value.startswith(settings["finishOnKey"]))


def _task(verb: ET.Element) -> dict | None:
    tasks = list(verb)
    if any(task.tag != "Task" for task in tasks) or len(tasks) > 1:
        raise ProtocolError("<Enqueue> may nest only one <Task>")
    if not tasks:
        return None
    if not verb.get("workflowSid"):
        raise ProtocolError("<Task> needs a workflowSid on its <Enqueue>")
    try:
        attributes = json.loads(tasks[0].text or "")
    except json.JSONDecodeError as exc:
        raise ProtocolError(f"<Task> is not JSON ({exc})") from exc
    if not isinstance(attributes, dict):
        raise ProtocolError("<Task> must be a JSON object")
    return attributes


def _resolve(doc: Document, ref: str, what: str) -> str:
    """Relative URLs resolve against the document that holds them, as on Twilio."""
    url = urljoin(doc.url, ref.strip())
    if urlsplit(url).scheme not in ("http", "https"):
        raise ProtocolError(f"{what} {ref!r} is not an http(s) URL")
    return url


def _method(verb: ET.Element, name: str = "method") -> str:
    method = verb.get(name, "POST")
    if method not in ("GET", "POST"):
        raise ProtocolError(f'<{verb.tag} {name}="{method}">: Twilio requests with GET or POST')
    return method


def _int(verb: ET.Element, name: str, default: int | None, minimum: int) -> int | None:
    raw = verb.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < minimum:
        raise ProtocolError(f'<{verb.tag} {name}="{raw}">: a whole number, at least {minimum}')
    return int(raw)


def _true(raw) -> bool:
    return str(raw).lower() == "true"


def _bool(value: bool) -> str:
    return "true" if value else "false"
