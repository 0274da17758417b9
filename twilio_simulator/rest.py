"""A local stand-in for Twilio's REST API, at the HTTP boundary, that plays the calls it places.

A real HTTP server on 127.0.0.1. Every request is checked against Twilio's own OpenAPI
contract (`openapi.py`: path, method, field names, required fields, types, enumerations)
and refused as Twilio refuses it; what passes acts on the same `Switchboard` that plays
inbound calls, so a leg created here rings a scripted party and, when answered, plays its
TwiML through our webhooks like any other leg. Resources and their behaviour follow
Twilio's pages (read with the docs search):

  Calls         https://www.twilio.com/docs/voice/api/call-resource
                create (Url | Twiml, StatusCallback + StatusCallbackEvent, Timeout),
                update (Url/Twiml redirect a live call; Status=completed|canceled ends it)
  Queues        https://www.twilio.com/docs/voice/api/queue-resource (create, MaxSize)
  Queue Members https://www.twilio.com/docs/voice/api/queue-member
                update with Url dequeues THAT caller ("Front": the first): the caller's
                Enqueue action gets QueueResult=redirected, then the caller's leg requests Url
  Conferences   https://www.twilio.com/docs/voice/api/conference-resource (read, end)
  Participants  https://www.twilio.com/docs/voice/api/conference-participant-resource
                create (dial a leg into a conference), update (Hold + HoldUrl, Muted,
                Coaching + CallSidToCoach, EndConferenceOnExit, AnnounceUrl), delete (remove)
  Messages      https://www.twilio.com/docs/messaging/api/message-resource (create, kept)

The REST handler only changes state and schedules; every webhook is sent from one pump
thread, so a webhook that calls this API meanwhile never waits on itself. Time is the
switchboard's virtual clock: tests move it (`advance`, `settle`), or `realtime=True` lets
it follow the wall clock.
"""
from __future__ import annotations

import base64
import hmac
import json
import secrets
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from twilio.http.http_client import TwilioHttpClient

from twilio_simulator.call_transcript import Event
from twilio_simulator.openapi import (
    AUTHENTICATE,
    BAD_REQUEST,
    NOT_FOUND,
    TASKROUTER_SPEC,
    Contract,
    ContractError,
)
from twilio_simulator.twilio_player import Switchboard
from twilio_simulator.twiml_verbs import Conference, Leg, Party

API = "/2010-04-01/Accounts/{AccountSid}"
TASKROUTER_API = "/v1/Workspaces/{WorkspaceSid}"
MAX_QUEUE_SIZE = 5000  # https://www.twilio.com/docs/api/errors/14207: "adjusted to a maximum of 5000"
CALL_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})  # the spec's call_enum_event


class TwilioRestApi:
    """Twilio's REST API for one account on `switchboard`; `url` is what TWILIO_API_URL should be."""

    def __init__(self, switchboard: Switchboard, *, auth_token: str, contract: Contract | None = None,
                 realtime: bool = False, taskrouter=None):
        self.board = switchboard
        self.engine = switchboard.engine
        self.account_sid = self.engine.account_sid
        self._auth = "Basic " + base64.b64encode(f"{self.account_sid}:{auth_token}".encode()).decode()
        self.contract = contract or Contract()
        self.taskrouter_contract = Contract(TASKROUTER_SPEC)  # TaskRouter v1, at taskrouter.twilio.com/v1/...
        self.taskrouter = taskrouter  # a `twilio_simulator.taskrouter.TaskRouter` on this switchboard, or None
        self.received: list[dict] = []  # every request: method, path, form, status, body
        self.messages: list[dict] = []
        self.errors: list[str] = []  # anything that broke inside the simulation itself
        self.latency = 0.0  # real seconds every answer is held back: a slow API
        self._outage: int | None = None
        self._outage_code = 0
        self._realtime = realtime
        self._horizon = self.engine.now
        self._busy = False
        self._stopping = threading.Event()
        self._started = time.monotonic()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace") if length else ""
                status, body = api.handle(self.command, self.path, self.headers.get("Authorization", ""), raw)
                payload = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_DELETE = do_PUT = _answer

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._threads = [threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True),
                         threading.Thread(target=self._pump, daemon=True)]

    def client(self, auth_token: str, timeout: float = 10.0):
        """The `twilio` library's own REST client, sending to this stand-in (see `ApiAt`)."""
        from twilio.rest import Client

        return Client(self.account_sid, auth_token, http_client=ApiAt(self.url, timeout))

    # ---- running ----------------------------------------------------------------------------

    def start(self) -> "TwilioRestApi":
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._threads[1].join(timeout=5)

    def __enter__(self) -> "TwilioRestApi":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _pump(self) -> None:
        """Plays what is due, in order, from one thread; the only place webhooks are sent from."""
        while not self._stopping.is_set():
            with self.board.lock:
                if self._realtime:
                    self._horizon = max(self._horizon, time.monotonic() - self._started)
                due = self.engine.next_due()
                if due <= self._horizon:
                    self._busy = True
                    try:
                        self.engine.run(until=due)
                    except Exception as exc:  # a bug of the simulation: kept for the test to see, the pump goes on
                        self.errors.append(f"{exc.__class__.__name__}: {exc}")
                    continue
                self.engine.now = max(self.engine.now, self._horizon)
                self._busy = False
            self._stopping.wait(0.002)

    def advance(self, seconds: float, timeout: float = 20) -> None:
        """Let `seconds` of call time pass, and wait until everything due by then has been played."""
        with self.board.lock:
            self._horizon += seconds
        self.settle(timeout)

    def outage(self, status: int | None = 503, code: int = 20503) -> None:
        """From now on every request is answered `status` with Twilio's error JSON (None: back to normal)."""
        self._outage, self._outage_code = status, code

    def hang_up(self, call_sid: str) -> None:
        """The person on that call hangs up now (wherever the call is), and what follows is played."""
        with self.board.lock:
            leg = self.engine.legs[call_sid]
            self.engine.at(self.engine.now, lambda: self.engine.finish(leg, "completed", "hangs up"))
        self.settle()

    def settle(self, timeout: float = 20) -> None:
        """Wait until nothing due now is left to play (webhooks included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.board.lock:
                if not self._busy and self.engine.next_due() > self._horizon:
                    return
            time.sleep(0.005)
        raise TimeoutError("the stand-in did not settle: a webhook is still running")

    # ---- requests ---------------------------------------------------------------------------

    def handle(self, method: str, target: str, authorization: str, raw: str) -> tuple[int, dict | None]:
        path = urlsplit(target).path
        form = parse_qs(raw, keep_blank_values=True) if method in ("POST", "PUT") else {}
        record = {"method": method, "path": path, "form": {key: values if len(values) > 1 else values[0]
                                                           for key, values in form.items()}}
        if self.latency:
            time.sleep(self.latency)
        try:
            if self._outage is not None:
                raise ContractError(self._outage, self._outage_code, "Service unavailable (a simulated outage)")
            if not hmac.compare_digest(authorization.encode(), self._auth.encode()):
                raise ContractError(401, AUTHENTICATE, "Authenticate")
            taskrouter = path.startswith("/v1/")
            contract = self.taskrouter_contract if taskrouter else self.contract
            operation = contract.operation(method, path)
            if taskrouter:
                if self.taskrouter is None or operation.path_params.get("WorkspaceSid") != self.taskrouter.workspace_sid:
                    raise ContractError(404, NOT_FOUND, f"The requested resource {path} was not found")
            elif operation.path_params.get("AccountSid") != self.account_sid:
                raise ContractError(404, NOT_FOUND, f"The requested resource {path} was not found")
            parsed = contract.check_form(operation, form) if method == "POST" else {}
            if method == "GET" and urlsplit(target).query:
                parsed = {key: values[0] for key, values in parse_qs(urlsplit(target).query).items()}
            if taskrouter:
                handler = self.taskrouter.routes().get((method, operation.template.replace(TASKROUTER_API, "")))
            else:
                handler = ROUTES.get((method, operation.template.replace(API, "")))
                handler = handler and handler.__get__(self)
            if handler is None:
                raise ContractError(501, BAD_REQUEST, f"{method} {operation.template} is in Twilio's contract but not "
                                                      "simulated here")
            with self.board.lock:
                status, values = handler(operation.path_params, parsed)
            body = None if values is None else contract.shaped(operation.response_schema, values)
        except ContractError as error:
            status, body = error.status, error.body
        self.received.append({**record, "status": status, "body": body})
        return status, body

    # ---- resources --------------------------------------------------------------------------

    def _uri(self, rest: str) -> str:
        return f"/2010-04-01/Accounts/{self.account_sid}/{rest}"

    def _call(self, leg: Leg) -> dict:
        rest = getattr(leg, "rest", {})
        status = leg.status
        duration = None if leg.answered_at is None or not leg.ended else str(leg.transcript.duration)
        return {"sid": leg.sid, "account_sid": self.account_sid, "api_version": "2010-04-01",
                "to": leg.params.get("To"), "from": leg.params.get("From"), "status": status,
                "direction": leg.params.get("Direction"), "parent_call_sid": leg.params.get("ParentCallSid"),
                "date_created": rest.get("created", _date()), "date_updated": _date(), "duration": duration,
                "uri": self._uri(f"Calls/{leg.sid}.json"), "queue_time": "0", "price_unit": "USD"}

    def _find_call(self, sid: str) -> Leg:
        leg = self.engine.legs.get(sid)
        if leg is None:
            raise ContractError(404, NOT_FOUND, f"The requested resource /Calls/{sid}.json was not found")
        return leg

    def create_call(self, path: dict, form: dict) -> tuple[int, dict]:
        if not any(form.get(name) for name in ("Url", "Twiml", "ApplicationSid")):
            raise ContractError(400, 21205, "Either a 'Url', 'Twiml' or 'ApplicationSid' parameter is required.")
        events = set(form.get("StatusCallbackEvent", []))
        if events - CALL_EVENTS:
            raise ContractError(400, 21626, "One or more of the StatusCallbackEvents provided were invalid.")
        to, from_ = form["To"], form["From"]
        party = self.engine.parties.get(to, Party())
        leg = self.engine.new_leg({"From": from_, "To": to, "Caller": from_, "Called": to, "Direction": "outbound-api"},
                                  party, status_callback=form.get("StatusCallback"),
                                  status_method=form.get("StatusCallbackMethod", "POST"),
                                  status_events=frozenset(events | {"completed"}))
        leg.rest = {"created": _date()}
        url, twiml = form.get("Url"), form.get("Twiml")
        timeout = form.get("Timeout", 60)
        self.engine.at(self.engine.now, lambda: self.engine.ring(
            leg, url or "", form.get("Method", "POST"), twiml=twiml, timeout=timeout), leg)
        return 201, self._call(leg)

    def fetch_call(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._call(self._find_call(path["Sid"]))

    def update_call(self, path: dict, form: dict) -> tuple[int, dict]:
        leg = self._find_call(path["Sid"])
        if leg.ended:
            raise ContractError(400, 21220, "Call is not in-progress. Cannot redirect.")
        status = form.get("Status")
        if status in ("completed", "canceled"):
            final = "canceled" if leg.answered_at is None else "completed"
            self.engine.at(self.engine.now, lambda: self.engine.finish(leg, final, "ended through the REST API"))
            leg_view = self._call(leg) | {"status": final}
            return 200, leg_view
        if form.get("Url") or form.get("Twiml"):
            self.engine.at(self.engine.now, lambda: self.engine.redirect(
                leg, form.get("Url"), form.get("Method", "POST"), twiml=form.get("Twiml")))
        return 200, self._call(leg)

    def _queue_view(self, queue) -> dict:
        return {"sid": queue.sid, "account_sid": self.account_sid, "friendly_name": queue.name,
                "current_size": len(queue.members), "max_size": queue.max_size,
                "average_wait_time": round(sum(queue.served) / len(queue.served)) if queue.served else 0,
                "date_created": _date(), "date_updated": _date(), "uri": self._uri(f"Queues/{queue.sid}.json")}

    def _find_queue(self, sid: str):
        for queue in self.engine.queues.values():
            if queue.sid == sid:
                return queue
        raise ContractError(404, NOT_FOUND, f"The requested resource /Queues/{sid}.json was not found")

    def create_queue(self, path: dict, form: dict) -> tuple[int, dict]:
        name = form["FriendlyName"]
        if name in self.engine.queues:
            raise ContractError(400, 22003, f"A queue with the friendly name {name} already exists")
        queue = self.engine.queue(name)
        queue.max_size = form.get("MaxSize", queue.max_size)
        return 201, self._queue_view(queue)

    def list_queues(self, path: dict, form: dict) -> tuple[int, dict]:
        queues = [self._queue_view(queue) for queue in self.engine.queues.values()]
        return 200, {"queues": queues, **_page(self._uri("Queues.json"), len(queues))}

    def fetch_queue(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._queue_view(self._find_queue(path["Sid"]))

    def update_queue(self, path: dict, form: dict) -> tuple[int, dict]:
        queue = self._find_queue(path["Sid"])
        if "MaxSize" in form:
            if not 1 <= form["MaxSize"] <= MAX_QUEUE_SIZE:
                raise ContractError(400, 22002, f"MaxSize must be between 1 and {MAX_QUEUE_SIZE}")
            queue.max_size = form["MaxSize"]
        return 200, self._queue_view(queue)

    def _member_view(self, queue, leg: Leg) -> dict:
        return {"call_sid": leg.sid, "queue_sid": queue.sid, "position": queue.members.index(leg) + 1,
                "wait_time": round(self.engine.now - queue.entered.get(leg.sid, self.engine.now)),
                "date_enqueued": _date(), "uri": self._uri(f"Queues/{queue.sid}/Members/{leg.sid}.json")}

    def _find_member(self, path: dict):
        queue = self._find_queue(path["QueueSid"])
        sid = path["CallSid"]
        members = queue.members[:1] if sid == "Front" else [leg for leg in queue.members if leg.sid == sid]
        if not members:
            raise ContractError(404, NOT_FOUND, f"The requested resource /Members/{sid}.json was not found")
        return queue, members[0]

    def list_members(self, path: dict, form: dict) -> tuple[int, dict]:
        queue = self._find_queue(path["QueueSid"])
        members = [self._member_view(queue, leg) for leg in queue.members]
        return 200, {"queue_members": members, **_page(self._uri(f"Queues/{queue.sid}/Members.json"), len(members))}

    def fetch_member(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._member_view(*self._find_member(path))

    def update_member(self, path: dict, form: dict) -> tuple[int, dict]:
        """Dequeue that caller: their Enqueue action hears QueueResult=redirected, then their leg plays Url."""
        queue, leg = self._find_member(path)
        view = self._member_view(queue, leg)
        self.engine.at(self.engine.now, lambda: self.engine.redirect(leg, form["Url"], form.get("Method", "POST")))
        return 200, view

    def _conference_view(self, conference: Conference) -> dict:
        return {"sid": conference.sid, "account_sid": self.account_sid, "friendly_name": conference.name,
                "status": conference.status, "date_created": _date(), "date_updated": _date(),
                "reason_conference_ended": conference.ended_reason or None,
                "uri": self._uri(f"Conferences/{conference.sid}.json")}

    def _find_conference(self, sid: str, create: bool = False) -> Conference:
        if sid in self.engine.conferences:
            return self.engine.conferences[sid]
        live = [c for c in self.engine.conferences.values() if c.name == sid and c.status != "completed"]
        if live:
            return live[0]
        if create:  # Participants create also takes the conference's friendly name and makes it
            return self.engine.conference(sid)
        raise ContractError(404, NOT_FOUND, f"The requested resource /Conferences/{sid}.json was not found")

    def list_conferences(self, path: dict, form: dict) -> tuple[int, dict]:
        found = [c for c in self.engine.conferences.values()
                 if form.get("FriendlyName", c.name) == c.name and form.get("Status", c.status) == c.status]
        views = [self._conference_view(c) for c in found]
        return 200, {"conferences": views, **_page(self._uri("Conferences.json"), len(views))}

    def fetch_conference(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._conference_view(self._find_conference(path["Sid"]))

    def update_conference(self, path: dict, form: dict) -> tuple[int, dict]:
        conference = self._find_conference(path["Sid"])
        if form.get("Status") == "completed":
            self.engine.at(self.engine.now, lambda: self.engine.end_conference(conference, "conference-ended-via-api"))
        if form.get("AnnounceUrl"):
            for participant in list(conference.participants.values()):
                self.engine.at(self.engine.now, lambda leg=participant.leg: self.engine.play_to(
                    leg, form["AnnounceUrl"], form.get("AnnounceMethod", "POST")), participant.leg)
        return 200, self._conference_view(conference)

    def _participant_view(self, conference: Conference, participant) -> dict:
        leg = participant.leg
        return {"account_sid": self.account_sid, "call_sid": leg.sid, "conference_sid": conference.sid,
                "label": participant.label or None, "muted": participant.muted, "hold": participant.hold,
                "coaching": participant.coaching, "call_sid_to_coach": participant.call_sid_to_coach or None,
                "start_conference_on_enter": participant.start_on_enter, "end_conference_on_exit": participant.end_on_exit,
                "status": "connected" if leg.place == "conference" else "queued" if leg.answered_at is None else "connected",
                "date_created": _date(), "date_updated": _date(),
                "uri": self._uri(f"Conferences/{conference.sid}/Participants/{leg.sid}.json")}

    def _find_participant(self, path: dict):
        conference = self._find_conference(path["ConferenceSid"])
        key = path["CallSid"]
        for participant in conference.participants.values():
            if key in (participant.leg.sid, participant.label):
                return conference, participant
        raise ContractError(404, NOT_FOUND, f"The requested resource /Participants/{key}.json was not found")

    def create_participant(self, path: dict, form: dict) -> tuple[int, dict]:
        """A new leg rings `To`; when answered it joins the conference with the attributes asked for."""
        conference = self._find_conference(path["ConferenceSid"], create=True)
        to, from_ = form["To"], form["From"]
        events = frozenset(form.get("StatusCallbackEvent", [])) | {"completed"}
        leg = self.engine.new_leg({"From": from_, "To": to, "Caller": from_, "Called": to, "Direction": "outbound-api"},
                                  self.engine.parties.get(to, Party()), status_callback=form.get("StatusCallback"),
                                  status_method=form.get("StatusCallbackMethod", "POST"), status_events=events)
        leg.rest = {"created": _date()}
        attrs = {"participantLabel": form.get("Label", ""), "muted": _text(form.get("Muted", False)),
                 "coaching": _text(form.get("Coaching", False)), "callSidToCoach": form.get("CallSidToCoach", ""),
                 "startConferenceOnEnter": _text(form.get("StartConferenceOnEnter", True)),
                 "endConferenceOnExit": _text(form.get("EndConferenceOnExit", False))}
        if form.get("WaitUrl"):
            attrs |= {"waitUrl": form["WaitUrl"], "waitMethod": form.get("WaitMethod", "POST")}
        if form.get("ConferenceStatusCallback"):
            attrs |= {"statusCallback": form["ConferenceStatusCallback"],
                      "statusCallbackMethod": form.get("ConferenceStatusCallbackMethod", "POST"),
                      "statusCallbackEvent": " ".join(form.get("ConferenceStatusCallbackEvent", ["start", "end"]))}
        name = conference.name

        def join():
            self.engine.join_conference(leg, name, attrs, None)

        self.engine.at(self.engine.now, lambda: self.engine.ring(leg, "", timeout=form.get("Timeout", 60),
                                                                 on_answer=join), leg)
        view = {"account_sid": self.account_sid, "call_sid": leg.sid, "conference_sid": conference.sid,
                "label": form.get("Label"), "muted": form.get("Muted", False), "hold": False,
                "coaching": form.get("Coaching", False), "status": "queued",
                "uri": self._uri(f"Conferences/{conference.sid}/Participants/{leg.sid}.json")}
        return 201, view

    def list_participants(self, path: dict, form: dict) -> tuple[int, dict]:
        conference = self._find_conference(path["ConferenceSid"])
        views = [self._participant_view(conference, p) for p in conference.participants.values()]
        return 200, {"participants": views, **_page(self._uri(f"Conferences/{conference.sid}/Participants.json"),
                                                     len(views))}

    def fetch_participant(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._participant_view(*self._find_participant(path))

    def update_participant(self, path: dict, form: dict) -> tuple[int, dict]:
        """Hold (with HoldUrl played to them), Muted, Coaching, AnnounceUrl: each an event to the conference."""
        conference, participant = self._find_participant(path)
        engine, leg = self.engine, participant.leg
        if "Hold" in form and form["Hold"] != participant.hold:
            participant.hold = form["Hold"]
            participant.hold_url = form.get("HoldUrl", participant.hold_url)
            engine.at(engine.now, lambda: engine.conference_event(
                conference, "hold", "participant-hold" if participant.hold else "participant-unhold", participant))
            if participant.hold and participant.hold_url:
                engine.at(engine.now, lambda: engine.play_to(leg, participant.hold_url, form.get("HoldMethod", "GET")),
                          leg)
            engine.record(leg, Event("hold" if participant.hold else "unhold"))
        if "Muted" in form and form["Muted"] != participant.muted:
            participant.muted = form["Muted"]
            engine.at(engine.now, lambda: engine.conference_event(
                conference, "mute", "participant-mute" if participant.muted else "participant-unmute", participant))
        if "Coaching" in form or "CallSidToCoach" in form:
            participant.coaching = form.get("Coaching", participant.coaching)
            participant.call_sid_to_coach = form.get("CallSidToCoach", participant.call_sid_to_coach)
            engine.at(engine.now, lambda: engine.conference_event(conference, "modify", "participant-modify",
                                                                  participant))
        if "EndConferenceOnExit" in form:  # takes effect at once: a removal that follows obeys it
            participant.end_on_exit = form["EndConferenceOnExit"]
        if form.get("AnnounceUrl"):
            engine.at(engine.now, lambda: engine.play_to(leg, form["AnnounceUrl"], form.get("AnnounceMethod", "POST")),
                      leg)
        return 200, self._participant_view(conference, participant)

    def delete_participant(self, path: dict, form: dict) -> tuple[int, None]:
        conference, participant = self._find_participant(path)
        self.engine.at(self.engine.now, lambda: self.engine.kick(participant.leg))
        return 204, None

    def create_message(self, path: dict, form: dict) -> tuple[int, dict]:
        if not (form.get("From") or form.get("MessagingServiceSid")):
            raise ContractError(400, 21603, "A 'From' phone number is required.")
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            raise ContractError(400, 21602, "Message body is required.")
        sid = "SM" + secrets.token_hex(16)
        message = {"sid": sid, "account_sid": self.account_sid, "to": form["To"], "from": form.get("From"),
                   "body": form.get("Body"), "status": "queued", "num_segments": "1", "direction": "outbound-api",
                   "api_version": "2010-04-01", "date_created": _date(), "date_updated": _date(),
                   "uri": self._uri(f"Messages/{sid}.json")}
        self.messages.append(message)
        return 201, message


class ApiAt(TwilioHttpClient):
    """The twilio library's HTTP client, sending what it addresses to api.twilio.com to `base` instead.

    The library has no base-URL setting (its `region` and `edge` only change the host within
    twilio.com); it takes `Client(http_client=...)`, so this is the seam, at the HTTP boundary.
    """

    def __init__(self, base: str, timeout: float = 10.0):
        super().__init__(timeout=timeout)
        self._base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for host in ("https://api.twilio.com", "https://taskrouter.twilio.com"):
            url = url.replace(host, self._base, 1)
        return super().request(method, url, *args, **kwargs)


ROUTES = {
    ("POST", "/Calls.json"): TwilioRestApi.create_call,
    ("GET", "/Calls/{Sid}.json"): TwilioRestApi.fetch_call,
    ("POST", "/Calls/{Sid}.json"): TwilioRestApi.update_call,
    ("POST", "/Queues.json"): TwilioRestApi.create_queue,
    ("GET", "/Queues.json"): TwilioRestApi.list_queues,
    ("GET", "/Queues/{Sid}.json"): TwilioRestApi.fetch_queue,
    ("POST", "/Queues/{Sid}.json"): TwilioRestApi.update_queue,
    ("GET", "/Queues/{QueueSid}/Members.json"): TwilioRestApi.list_members,
    ("GET", "/Queues/{QueueSid}/Members/{CallSid}.json"): TwilioRestApi.fetch_member,
    ("POST", "/Queues/{QueueSid}/Members/{CallSid}.json"): TwilioRestApi.update_member,
    ("GET", "/Conferences.json"): TwilioRestApi.list_conferences,
    ("GET", "/Conferences/{Sid}.json"): TwilioRestApi.fetch_conference,
    ("POST", "/Conferences/{Sid}.json"): TwilioRestApi.update_conference,
    ("POST", "/Conferences/{ConferenceSid}/Participants.json"): TwilioRestApi.create_participant,
    ("GET", "/Conferences/{ConferenceSid}/Participants.json"): TwilioRestApi.list_participants,
    ("GET", "/Conferences/{ConferenceSid}/Participants/{CallSid}.json"): TwilioRestApi.fetch_participant,
    ("POST", "/Conferences/{ConferenceSid}/Participants/{CallSid}.json"): TwilioRestApi.update_participant,
    ("DELETE", "/Conferences/{ConferenceSid}/Participants/{CallSid}.json"): TwilioRestApi.delete_participant,
    ("POST", "/Messages.json"): TwilioRestApi.create_message,
}


def _date() -> str:
    return formatdate(usegmt=True).replace("GMT", "+0000")  # RFC 2822, as Twilio writes dates


def _page(uri: str, count: int) -> dict:
    return {"first_page_uri": uri + "?PageSize=50&Page=0", "next_page_uri": None, "previous_page_uri": None,
            "page": 0, "page_size": 50, "start": 0, "end": max(0, count - 1), "uri": uri + "?PageSize=50&Page=0"}


def _text(value) -> str:
    return "true" if value is True or str(value).lower() == "true" else "false"

