"""What Twilio does with TwiML, verb by verb, with no IO of its own.

The interpreter gets every next document through an injected `fetch`, so the
same semantics drive the Flask test client and a real HTTP server alike.
It is deliberately stricter than Twilio: whatever Twilio would only warn about
(or quietly work around) ends the simulated call as a protocol error.
"""
from __future__ import annotations

import json
import secrets
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Callable
from urllib.parse import urljoin, urlsplit

from twilio_simulator.call_transcript import DTMF_KEYS, Answer, Event

TWIML_TYPES = frozenset({"text/xml", "application/xml", "text/html"})  # what Twilio parses as TwiML
PROMPT_VERBS = frozenset({"Say", "Play", "Pause"})  # the only verbs <Gather> may nest
HOLD_SECONDS = 30  # how long one pass of a waitUrl document is taken to last
SPEECH_CONFIDENCE = "0.92"


@dataclass(frozen=True)
class Context:
    """Where a document plays: the call itself, or a waitUrl while the caller is queued."""

    name: str
    verbs: frozenset[str]


CALL = Context(
    "a call document", frozenset({"Say", "Play", "Pause", "Gather", "Redirect", "Enqueue", "Dial", "Hangup", "Reject"})
)
WAIT = Context("a waitUrl document", frozenset({"Play", "Say", "Pause", "Hangup", "Redirect", "Leave", "Gather"}))


@dataclass(frozen=True)
class Document:
    url: str  # relative URLs inside resolve against this
    root: ET.Element
    context: Context


class ProtocolError(Exception):
    """The server broke the TwiML contract: on Twilio the caller would hear "an application error"."""


class _Ended(Exception):
    def __init__(self, outcome: str, queue: str | None = None):
        super().__init__(outcome)
        self.outcome, self.queue = outcome, queue


class _Left(Exception):
    """<Leave> took the caller out of the queue."""


class _Endless(Exception):
    """A loop="0" prompt outside <Gather>: nothing after it is ever reached."""


Fetch = Callable[[str, str, dict], tuple[int, str, str]]


class Interpreter:
    """Plays documents the way Twilio does until the call ends; `seconds` estimates its length."""

    def __init__(
        self, fetch: Fetch, answer: Callable[[Event], Answer], record: Callable[[Event], None], hold_cycles: int
    ):
        self._fetch, self._answer, self._record = fetch, answer, record
        self._hold_cycles = hold_cycles
        self.seconds = 0

    def run(self, url: str) -> tuple[str, str | None]:
        """Answer the call at `url`; returns (outcome, queue)."""
        try:
            self._play_from(self._load(url, "POST", {}, CALL))
            self._record(Event("hangup", "end of the document: Twilio hangs up"))
        except _Endless as endless:
            self._record(Event("hangup", f"the caller hangs up during an endless {endless}"))
        except _Ended as end:
            return end.outcome, end.queue
        except ProtocolError as exc:
            self._record(Event("error", str(exc)))
            return "error", None
        return "hangup", None

    def _load(self, url: str, method: str, params: dict, context: Context) -> Document:
        status, content_type, body = self._fetch(url, method, params)
        if status != 200:
            raise ProtocolError(f"{method} {url} answered HTTP {status}, not 200 with TwiML")
        media_type = content_type.split(";")[0].strip().lower()
        if media_type not in TWIML_TYPES:
            raise ProtocolError(f"{url} answered {media_type or 'no content type'}, not text/xml")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as exc:
            raise ProtocolError(f"{url} did not answer well-formed XML ({exc})") from exc
        if root.tag != "Response":
            raise ProtocolError(f"{url} answered <{root.tag}>, not a <Response>")
        # Checked whole before any of it plays: a broken verb fails every path through the
        # document, not only the path a test happens to take.
        for verb in root:
            if verb.tag not in context.verbs:
                raise ProtocolError(f"<{verb.tag}> is not a verb Twilio plays in {context.name} ({url})")
            for nested in verb if verb.tag == "Gather" else ():
                if nested.tag not in PROMPT_VERBS:
                    raise ProtocolError(f"<Gather> cannot nest <{nested.tag}> ({url})")
        return Document(url, root, context)

    def _play_from(self, doc: Document | None) -> None:
        while doc is not None:
            doc = self._play(doc)

    def _play(self, doc: Document) -> Document | None:
        """Play verbs in order; a verb that hands the call to another document ends this one."""
        for verb in doc.root:
            handler = self._prompt if verb.tag in PROMPT_VERBS else getattr(self, "_" + verb.tag.lower())
            following = handler(verb, doc)
            if following is not None:
                return following
        return None

    def _prompt(self, verb: ET.Element, doc: Document, in_gather: bool = False) -> None:
        """<Say>, <Play>, <Pause>: what the caller hears."""
        if verb.tag == "Pause":
            length = _int(verb, "length", 1, minimum=1)
            self.seconds += length
            self._record(Event("pause", "", {"length": length}))
            return None
        loop = _int(verb, "loop", 1, minimum=0)
        if verb.tag == "Say":
            text = " ".join("".join(verb.itertext()).split())  # SSML children are part of the text
            if not text:
                raise ProtocolError(f"<Say> without text ({doc.url})")
            seconds = max(1, round(len(text.split()) / 2.5))
        else:
            ref = (verb.text or "").strip()
            if not ref and not verb.get("digits"):
                raise ProtocolError(f"<Play> with neither a URL nor digits ({doc.url})")
            text = _resolve(doc, ref, "<Play>") if ref else ""
            seconds = 10
        self.seconds += seconds * max(loop, 1)
        self._record(Event(verb.tag.lower(), text, {**verb.attrib, "loop": loop}))
        if loop == 0 and not in_gather:
            raise _Endless(f'<{verb.tag} loop="0">')
        return None

    def _gather(self, verb: ET.Element, doc: Document) -> Document | None:
        settings = _gather_settings(verb, doc)
        for prompt in verb:
            self._prompt(prompt, doc, in_gather=True)
        event = Event("gather", "", settings)
        self._record(event)
        answer = self._answer(event)
        params = _gather_params(answer, settings)
        self._record(Event("input", answer.value, {"kind": answer.kind, "accepted": params is not None}))
        self.seconds += settings["timeout"] if params is None else 2
        if params is not None or settings["actionOnEmptyResult"]:
            return self._load(settings["action"], settings["method"], params or {}, doc.context)
        return None  # no input: Twilio moves on to the verb after <Gather>

    def _redirect(self, verb: ET.Element, doc: Document) -> Document:
        if not (verb.text or "").strip():
            raise ProtocolError(f"<Redirect> without a URL ({doc.url})")
        url = _resolve(doc, verb.text, "<Redirect>")
        self._record(Event("redirect", url))
        return self._load(url, _method(verb), {}, doc.context)

    def _hangup(self, verb: ET.Element, doc: Document) -> None:
        self._record(Event("hangup", f"<{verb.tag}/>"))
        raise _Ended("hangup")

    _reject = _hangup

    def _leave(self, verb: ET.Element, doc: Document) -> None:
        raise _Left()

    def _dial(self, verb: ET.Element, doc: Document) -> None:
        targets = [{"noun": "Number", "target": verb.text.strip()}] if (verb.text or "").strip() else []
        for noun in verb:
            if noun.tag not in ("Number", "Queue"):
                raise ProtocolError(f"<Dial><{noun.tag}> is not simulated: only a number or a <Queue>")
            target = {"noun": noun.tag, "target": (noun.text or "").strip()}
            if noun.get("url"):
                target["url"] = _resolve(doc, noun.get("url"), "<Queue url>")
            targets.append(target)
        if not targets or not all(target["target"] for target in targets):
            raise ProtocolError(f"<Dial> without anything to dial ({doc.url})")
        text = ", ".join(target["target"] for target in targets)
        self._record(Event("dial", text, {**verb.attrib, "targets": targets}))
        raise _Ended("dialed")

    def _enqueue(self, verb: ET.Element, doc: Document) -> Document | None:
        # The name may stand before or after a nested <Task>: XML keeps the latter as the Task's tail.
        name = ((verb.text or "") + "".join(child.tail or "" for child in verb)).strip()
        workflow = verb.get("workflowSid", "")
        if not (name or workflow) or len(name) > 64:
            raise ProtocolError(f"<Enqueue> needs a queue name of 1-64 characters or a workflowSid, got {name!r}")
        action = _resolve(doc, verb.get("action"), "<Enqueue action>") if verb.get("action") else None
        method = _method(verb)
        wait_url = _resolve(doc, verb.get("waitUrl"), "<Enqueue waitUrl>") if verb.get("waitUrl") else None
        wait_method = _method(verb, "waitUrlMethod")
        self._record(Event("enqueue", name, {"workflowSid": workflow, "task": _task(verb), "waitUrl": wait_url}))
        queue = {"QueueSid": "QU" + secrets.token_hex(16)}
        for cycle in range(self._hold_cycles if wait_url else 0):
            queue["QueueTime"] = str(cycle * HOLD_SECONDS)
            wait = {**queue, "QueuePosition": "1", "CurrentQueueSize": "1", "AvgQueueTime": "120"}
            wait["MaxQueueSize"] = "1000"  # Twilio's default queue size
            self.seconds += HOLD_SECONDS
            try:
                self._play_from(self._load(wait_url, wait_method, wait, WAIT))
            except _Endless:
                break  # the wait document never ends: the caller stays on hold
            except _Left:
                self._record(Event("leave", name))
                if action is None:
                    return None  # Twilio goes on with the verb after <Enqueue>
                return self._load(action, method, {"QueueResult": "leave", **queue}, CALL)
        raise _Ended("queued", name)


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
