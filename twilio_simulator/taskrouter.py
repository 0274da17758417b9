"""A TaskRouter workspace on a `Switchboard`, behind the REST stand-in (`rest.TwilioRestApi(taskrouter=...)`).

What it does, after Twilio's pages (read with the docs search):

  <Enqueue workflowSid>  https://twilio.com/docs/taskrouter/twiml-queue-calls
      the call waits in the Twilio queue named after the workflow (default size 100, raised
      with Queues update MaxSize, at most 5000) and becomes a Task whose attributes are the
      <Task>'s JSON plus `call_sid`; a caller who hangs up (or <Leave>s) cancels it.
  Assignment             https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
      the pending Task of highest priority, oldest first, is reserved for the eligible Worker
      in an available Activity idle longest; the Workflow's AssignmentCallbackURL gets a signed
      POST (AccountSid, WorkspaceSid, WorkflowSid, TaskQueueSid, WorkerSid, WorkerAttributes,
      TaskSid, TaskAttributes, TaskAge, TaskPriority, ReservationSid, Timestamp) and its JSON
      answer is carried out: `call` (a leg to `to` from `from` that requests `url` when answered,
      `accept` = accept the Reservation on answer, `timeout`, `status_callback_url`), `accept`,
      `reject` (optionally moving the Worker to `activity_sid`), or `{}` (decided later).
      A Reservation neither accepted nor rejected within the Workflow's reservation timeout
      (120 s by default) times out: the Worker goes to the Offline Activity, the Task is offered again.
  Workers, Activities, Tasks (REST, checked against twilio_taskrouter_v1.json)
      https://www.twilio.com/docs/taskrouter/api/worker (update ActivitySid; an unavailable
      Activity with a pending Reservation needs RejectPendingReservations=true),
      https://twilio.com/docs/taskrouter/activities, https://www.twilio.com/docs/taskrouter/api/task
      (AssignmentStatus: an assigned Task is completed or wrapping; a pending or reserved one canceled).
  Events                 https://twilio.com/docs/taskrouter/api/event/reference
      each change is POSTed (signed) to the Workspace's EventCallbackURL: EventType, ResourceType,
      ResourceSid, WorkerSid, WorkerActivityName, WorkerActivitySid, WorkerPreviousActivitySid,
      TaskSid, TaskAttributes, ReservationSid, ...

Every webhook goes out from the stand-in's pump thread (`Engine.at`), never from a REST handler.
"""
from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from twilio_simulator.openapi import ContractError
from twilio_simulator.twiml_verbs import CALL, Engine, Leg, Party

BASE = "https://taskrouter.twilio.com/v1/Workspaces/"
DEFAULT_ACTIVITIES = (("Offline", False), ("Available", True), ("Unavailable", False), ("Busy", False),
                      ("Wrap-up", False))
RESERVATION_TIMEOUT = 120  # seconds: the Workflow's TaskReservationTimeout default


def readme_priority(attributes: dict) -> int:
    """The workflow README describes: technical severity A at priority 100, other technical 10, the rest 0."""
    if attributes.get("type") == "technical":
        return 100 if attributes.get("severity") == "A" else 10
    return 0


def skills_match(task: dict, worker: dict) -> bool:
    """The README's target expressions: the task's type in the worker's skills, its language in their languages."""
    return task.get("type") in worker.get("skills", []) and task.get("language") in worker.get("languages", [])


@dataclass
class Activity:
    sid: str
    name: str
    available: bool


@dataclass
class Worker:
    sid: str
    name: str
    attributes: dict
    activity: Activity
    idle_since: float = 0.0
    reservation: Reservation | None = None


@dataclass
class Task:
    sid: str
    attributes: dict
    workflow_sid: str
    created: float
    priority: int
    leg: Leg | None = None
    status: str = "pending"  # pending | reserved | assigned | wrapping | completed | canceled
    reservation: Reservation | None = None
    reason: str = ""


@dataclass
class Reservation:
    sid: str
    task: Task
    worker: Worker
    status: str = "pending"  # pending | accepted | rejected | timeout | canceled | completed
    legs: list[Leg] = field(default_factory=list)


class TaskRouter:
    """One workspace with one workflow (its AssignmentCallbackURL) and an EventCallbackURL."""

    def __init__(self, switchboard, *, workflow_sid: str | None = None, assignment_url: str, event_url: str | None = None,
                 reservation_timeout: int = RESERVATION_TIMEOUT,
                 priority: Callable[[dict], int] = readme_priority,
                 eligible: Callable[[dict, dict], bool] = skills_match):
        self.board = switchboard
        self.engine: Engine = switchboard.engine
        self.engine.taskrouter = self
        self.workspace_sid = "WS" + secrets.token_hex(16)
        self.workflow_sid = workflow_sid or "WW" + secrets.token_hex(16)
        self.task_queue_sid = "WQ" + secrets.token_hex(16)
        self.assignment_url = assignment_url
        self.event_url = event_url
        self.reservation_timeout = reservation_timeout
        self._priority = priority
        self._eligible = eligible
        self.activities = {name: Activity("WA" + secrets.token_hex(16), name, available)
                           for name, available in DEFAULT_ACTIVITIES}
        self.workers: dict[str, Worker] = {}
        self.tasks: dict[str, Task] = {}
        self.reservations: dict[str, Reservation] = {}
        self.events: list[dict] = []  # every event sent, in order
        self.assignments: list[tuple[dict, dict]] = []  # (the callback's params, the instruction answered)
        self.errors: list[str] = []  # what Twilio's debugger would show (a bad instruction, a failed callback)
        self._assigning = False

    # ---- set-up (what an admin does in Twilio's console) -------------------------------------

    def add_worker(self, friendly_name: str, attributes: dict, activity: str = "Offline") -> Worker:
        worker = Worker("WK" + secrets.token_hex(16), friendly_name, attributes, self.activities[activity],
                        self.engine.now)
        self.workers[worker.sid] = worker
        return worker

    def worker(self, friendly_name: str) -> Worker:
        return next(worker for worker in self.workers.values() if worker.name == friendly_name)

    # ---- the calls ------------------------------------------------------------------------------

    def enqueued(self, leg: Leg, workflow_sid: str, attributes: dict) -> None:
        if workflow_sid != self.workflow_sid:
            self.errors.append(f"<Enqueue workflowSid={workflow_sid}> names no workflow of this workspace")
            return
        attributes = {"call_sid": leg.sid, "from": leg.params.get("From", ""), "to": leg.params.get("To", ""),
                      **attributes}
        task = Task("WT" + secrets.token_hex(16), attributes, workflow_sid, self.engine.now, self._priority(attributes),
                    leg=leg)
        self.tasks[task.sid] = task
        self._event("task.created", "Task", task.sid, task=task)
        self._soon()

    def left_queue(self, leg: Leg, result: str) -> None:
        """Out of the workflow's queue: redirected (to meet the worker) keeps the Task; anything else cancels it."""
        if result in ("redirected", "bridged"):
            return
        for task in self.tasks.values():
            if task.leg is leg and task.status in ("pending", "reserved"):
                self._cancel(task, "caller hung up" if result == "hangup" else f"left the queue ({result})")

    # ---- assignment -------------------------------------------------------------------------------

    def _soon(self) -> None:
        if not self._assigning:
            self._assigning = True
            self.engine.at(self.engine.now, self._assign)

    def _assign(self) -> None:
        self._assigning = False
        pending = sorted((task for task in self.tasks.values() if task.status == "pending"),
                         key=lambda task: (-task.priority, task.created))
        taken: set[str] = set()
        for task in pending:
            free = sorted((worker for worker in self.workers.values() if worker.activity.available
                           and worker.reservation is None and worker.sid not in taken
                           and self._eligible(task.attributes, worker.attributes)),
                          key=lambda worker: worker.idle_since)
            if not free:
                continue
            taken.add(free[0].sid)
            self._reserve(task, free[0])

    def _reserve(self, task: Task, worker: Worker) -> None:
        reservation = Reservation("WR" + secrets.token_hex(16), task, worker)
        self.reservations[reservation.sid] = reservation
        task.status, task.reservation, worker.reservation = "reserved", reservation, reservation
        self._event("reservation.created", "Reservation", reservation.sid, task=task, worker=worker,
                    reservation=reservation)
        params = {"AccountSid": self.engine.account_sid, "WorkspaceSid": self.workspace_sid,
                  "WorkflowSid": task.workflow_sid, "TaskQueueSid": self.task_queue_sid, "WorkerSid": worker.sid,
                  "WorkerAttributes": json.dumps(worker.attributes), "TaskSid": task.sid,
                  "TaskAttributes": json.dumps(task.attributes), "TaskAge": str(round(self.engine.now - task.created)),
                  "TaskPriority": str(task.priority), "ReservationSid": reservation.sid, "Timestamp": _iso(),
                  "TaskAssignmentStatus": "reserved"}
        timeout_at = self.engine.now + self.reservation_timeout
        self.engine.at(timeout_at, lambda: self._timed_out(reservation))
        try:
            status, content_type, body = self.board._request(None, self.assignment_url, "POST", params, None)
        except Exception as exc:  # noqa: BLE001 (a refused connection: the reservation waits for its timeout)
            self.errors.append(f"assignment callback failed: {exc}")
            return
        if status != 200:
            self.errors.append(f"assignment callback answered HTTP {status}")
            return
        try:
            instruction = json.loads(body) if body.strip() else {}
        except json.JSONDecodeError:
            self.errors.append("assignment callback answered no JSON")  # TaskRouter waits for the REST API or timeout
            return
        if content_type.split(";")[0].strip() != "application/json":
            self.errors.append(f"assignment callback answered {content_type}, not application/json")
        self.assignments.append((params, instruction))
        self._instruct(reservation, instruction)

    def _instruct(self, reservation: Reservation, instruction: dict) -> None:
        kind = instruction.get("instruction")
        if kind is None:
            return  # `{}`: decided later through the Reservations API
        if kind == "accept":
            self._accept(reservation)
        elif kind == "reject":
            self._reject(reservation, instruction.get("activity_sid"))
        elif kind == "call":
            self._call(reservation, instruction)
        else:
            self.errors.append(f"instruction {kind!r} is not simulated (accept, reject, call)")

    def _call(self, reservation: Reservation, instruction: dict) -> None:
        """The `call` instruction: a leg to the worker that plays `url` once answered."""
        to, from_, url = instruction.get("to"), instruction.get("from"), instruction.get("url")
        if not (to and from_ and url):
            self.errors.append(f"call instruction without to, from and url: {instruction}")
            return
        engine = self.engine
        leg = engine.new_leg({"From": from_, "To": to, "Caller": from_, "Called": to, "Direction": "outbound-api"},
                             engine.parties.get(to, Party()), status_callback=instruction.get("status_callback_url"),
                             status_events=frozenset({"completed"}))
        reservation.legs.append(leg)
        accept = str(instruction.get("accept", "false")).lower() == "true"

        def answered():
            if accept and reservation.status == "pending":
                self._accept(reservation)
            engine.play_from(leg, engine.fetch(leg, url, "POST", {}, CALL))

        engine.at(engine.now, lambda: engine.ring(leg, url, timeout=float(instruction.get("timeout", 60)),
                                                  on_answer=answered), leg)

    def _accept(self, reservation: Reservation) -> None:
        if reservation.status != "pending":
            return
        reservation.status, reservation.task.status = "accepted", "assigned"
        self._event("reservation.accepted", "Reservation", reservation.sid, task=reservation.task,
                    worker=reservation.worker, reservation=reservation)

    def _release(self, reservation: Reservation, status: str) -> None:
        reservation.status = status
        if reservation.worker.reservation is reservation:
            reservation.worker.reservation = None
        task = reservation.task
        if task.reservation is reservation and task.status == "reserved":
            task.status, task.reservation = "pending", None
        self._event(f"reservation.{status}", "Reservation", reservation.sid, task=task, worker=reservation.worker,
                    reservation=reservation)

    def _reject(self, reservation: Reservation, activity_sid: str | None = None) -> None:
        if reservation.status != "pending":
            return
        self._release(reservation, "rejected")
        if activity_sid:
            activity = next((a for a in self.activities.values() if a.sid == activity_sid), None)
            if activity is not None:
                self._move(reservation.worker, activity)
        self._soon()

    def _timed_out(self, reservation: Reservation) -> None:
        if reservation.status != "pending":
            return
        self._release(reservation, "timeout")
        self._move(reservation.worker, self.activities["Offline"])
        self._soon()

    def _cancel(self, task: Task, reason: str) -> None:
        task.status, task.reason = "canceled", reason
        reservation = task.reservation
        if reservation is not None and reservation.status in ("pending", "accepted"):
            reservation.status = "canceled"
            if reservation.worker.reservation is reservation:
                reservation.worker.reservation = None
                reservation.worker.idle_since = self.engine.now
            self._event("reservation.canceled", "Reservation", reservation.sid, task=task, worker=reservation.worker,
                        reservation=reservation)
        self._event("task.canceled", "Task", task.sid, task=task)
        self._soon()

    def _move(self, worker: Worker, activity: Activity) -> None:
        previous = worker.activity
        worker.activity = activity
        if activity.available and not previous.available:
            worker.idle_since = self.engine.now
        self._event("worker.activity.update", "Worker", worker.sid, worker=worker, previous=previous)

    # ---- events --------------------------------------------------------------------------------------

    def _event(self, kind: str, resource: str, sid: str, *, task: Task | None = None, worker: Worker | None = None,
               reservation: Reservation | None = None, previous: Activity | None = None) -> None:
        params = {"EventType": kind, "AccountSid": self.engine.account_sid, "WorkspaceSid": self.workspace_sid,
                  "WorkspaceName": "Support", "EventDescription": f"{resource} {sid}: {kind}", "ResourceType": resource,
                  "ResourceSid": sid, "Timestamp": str(int(self.engine.now))}
        if task is not None:
            params |= {"TaskSid": task.sid, "TaskAttributes": json.dumps(task.attributes),
                       "TaskAssignmentStatus": task.status, "TaskPriority": str(task.priority),
                       "WorkflowSid": task.workflow_sid, "TaskQueueSid": self.task_queue_sid}
            if task.reason:
                params["TaskCanceledReason"] = task.reason
        if worker is not None:
            params |= {"WorkerSid": worker.sid, "WorkerName": worker.name,
                       "WorkerAttributes": json.dumps(worker.attributes), "WorkerActivitySid": worker.activity.sid,
                       "WorkerActivityName": worker.activity.name}
        if previous is not None:
            params |= {"WorkerPreviousActivitySid": previous.sid, "WorkerPreviousActivityName": previous.name}
        if reservation is not None:
            params |= {"ReservationSid": reservation.sid}
        self.events.append(params)
        if self.event_url:
            self.engine.at(self.engine.now, lambda: self._send_event(params))

    def _send_event(self, params: dict) -> None:
        try:
            status, _, _ = self.board._request(None, self.event_url, "POST", params, None)
        except Exception as exc:  # noqa: BLE001 (TaskRouter logs a failed event callback and goes on)
            self.errors.append(f"event callback failed: {exc}")
            return
        if not 200 <= status < 300:
            self.errors.append(f"event callback {params['EventType']} answered HTTP {status}")

    # ---- REST ----------------------------------------------------------------------------------------

    def routes(self) -> dict:
        return {
            ("GET", "/Workers"): self.list_workers,
            ("POST", "/Workers"): self.create_worker,
            ("GET", "/Workers/{Sid}"): self.fetch_worker,
            ("POST", "/Workers/{Sid}"): self.update_worker,
            ("GET", "/Activities"): self.list_activities,
            ("GET", "/Activities/{Sid}"): self.fetch_activity,
            ("GET", "/Tasks"): self.list_tasks,
            ("GET", "/Tasks/{Sid}"): self.fetch_task,
            ("POST", "/Tasks/{Sid}"): self.update_task,
        }

    def _url(self, rest: str) -> str:
        return f"{BASE}{self.workspace_sid}/{rest}"

    def _page(self, key: str, rest: str, items: list[dict]) -> dict:
        url = self._url(rest) + "?PageSize=1000&Page=0"
        return {key: items, "meta": {"first_page_url": url, "key": key, "next_page_url": None, "page": 0,
                                     "page_size": 1000, "previous_page_url": None, "url": url}}

    def _worker_view(self, worker: Worker) -> dict:
        return {"account_sid": self.engine.account_sid, "activity_name": worker.activity.name,
                "activity_sid": worker.activity.sid, "attributes": json.dumps(worker.attributes),
                "available": worker.activity.available, "date_created": _iso(), "date_status_changed": _iso(),
                "date_updated": _iso(), "friendly_name": worker.name, "sid": worker.sid,
                "workspace_sid": self.workspace_sid, "url": self._url(f"Workers/{worker.sid}"), "links": {}}

    def _find_worker(self, sid: str) -> Worker:
        if sid not in self.workers:
            raise ContractError(404, 20404, f"The requested resource /Workers/{sid} was not found")
        return self.workers[sid]

    def _find_activity(self, sid: str) -> Activity:
        found = next((activity for activity in self.activities.values() if activity.sid == sid), None)
        if found is None:
            raise ContractError(400, 20001, f"Activity {sid} is not in this workspace")
        return found

    def list_workers(self, path: dict, form: dict) -> tuple[int, dict]:
        workers = [w for w in self.workers.values() if "FriendlyName" not in form or w.name == form["FriendlyName"]]
        return 200, self._page("workers", "Workers", [self._worker_view(w) for w in workers])

    def create_worker(self, path: dict, form: dict) -> tuple[int, dict]:
        activity = self._find_activity(form["ActivitySid"]) if form.get("ActivitySid") else self.activities["Offline"]
        worker = self.add_worker(form["FriendlyName"], json.loads(form.get("Attributes") or "{}"), activity.name)
        self._soon()
        return 201, self._worker_view(worker)

    def fetch_worker(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._worker_view(self._find_worker(path["Sid"]))

    def update_worker(self, path: dict, form: dict) -> tuple[int, dict]:
        worker = self._find_worker(path["Sid"])
        if form.get("Attributes"):
            worker.attributes = json.loads(form["Attributes"])
        if form.get("FriendlyName"):
            worker.name = form["FriendlyName"]
        if form.get("ActivitySid"):
            activity = self._find_activity(form["ActivitySid"])
            pending = worker.reservation if worker.reservation and worker.reservation.status == "pending" else None
            if pending is not None and not activity.available:
                if not form.get("RejectPendingReservations"):
                    raise ContractError(400, 20001, "Worker has a pending reservation: it cannot go unavailable "
                                                    "unless RejectPendingReservations is true")
                self._release(pending, "rejected")
            self._move(worker, activity)
            self._soon()
        return 200, self._worker_view(worker)

    def _activity_view(self, activity: Activity) -> dict:
        return {"account_sid": self.engine.account_sid, "available": activity.available, "date_created": _iso(),
                "date_updated": _iso(), "friendly_name": activity.name, "sid": activity.sid,
                "workspace_sid": self.workspace_sid, "url": self._url(f"Activities/{activity.sid}"), "links": {}}

    def list_activities(self, path: dict, form: dict) -> tuple[int, dict]:
        chosen = [a for a in self.activities.values() if "FriendlyName" not in form or a.name == form["FriendlyName"]]
        return 200, self._page("activities", "Activities", [self._activity_view(a) for a in chosen])

    def fetch_activity(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._activity_view(self._find_activity(path["Sid"]))

    def _task_view(self, task: Task) -> dict:
        return {"account_sid": self.engine.account_sid, "age": round(self.engine.now - task.created),
                "assignment_status": task.status, "attributes": json.dumps(task.attributes), "date_created": _iso(),
                "date_updated": _iso(), "priority": task.priority, "reason": task.reason or None, "sid": task.sid,
                "task_queue_sid": self.task_queue_sid, "workflow_sid": task.workflow_sid,
                "workspace_sid": self.workspace_sid, "timeout": 86400, "url": self._url(f"Tasks/{task.sid}"),
                "links": {}}

    def _find_task(self, sid: str) -> Task:
        if sid not in self.tasks:
            raise ContractError(404, 20404, f"The requested resource /Tasks/{sid} was not found")
        return self.tasks[sid]

    def list_tasks(self, path: dict, form: dict) -> tuple[int, dict]:
        chosen = [t for t in self.tasks.values() if "AssignmentStatus" not in form
                  or t.status in form["AssignmentStatus"].split(",")]
        return 200, self._page("tasks", "Tasks", [self._task_view(t) for t in chosen])

    def fetch_task(self, path: dict, form: dict) -> tuple[int, dict]:
        return 200, self._task_view(self._find_task(path["Sid"]))

    def update_task(self, path: dict, form: dict) -> tuple[int, dict]:
        task = self._find_task(path["Sid"])
        wanted = form.get("AssignmentStatus")
        if wanted:
            allowed = {"completed": ("assigned", "wrapping"), "wrapping": ("assigned",),
                       "canceled": ("pending", "reserved")}.get(wanted, ())
            if task.status not in allowed:
                raise ContractError(400, 20001, f"Cannot change the task's assignment status from {task.status} "
                                                f"to {wanted}")
            task.reason = form.get("Reason", task.reason)
            if wanted == "canceled":
                self._cancel(task, task.reason or "canceled through the REST API")
            else:
                task.status = wanted
                reservation = task.reservation
                if reservation is not None:
                    if wanted == "completed":
                        reservation.status = "completed"
                        if reservation.worker.reservation is reservation:
                            reservation.worker.reservation = None
                            reservation.worker.idle_since = self.engine.now
                    self._event(f"reservation.{'completed' if wanted == 'completed' else 'wrapup'}", "Reservation",
                                reservation.sid, task=task, worker=reservation.worker, reservation=reservation)
                self._event(f"task.{wanted}", "Task", task.sid, task=task)
                self._soon()
        return 200, self._task_view(task)


def _iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")

