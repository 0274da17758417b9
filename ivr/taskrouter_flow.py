"""TaskRouter mode: TaskRouter picks the agent; the router keeps push mode's topology.

The legs (README, "TaskRouter mode"):
- The caller is in the workflow (`<Enqueue workflowSid>` with a `<Task>`: queue key, line, language,
  severity, verification, arrival), waiting in the Twilio queue named after the workflow.
- TaskRouter reserves a Worker and POSTs the Workflow's AssignmentCallbackURL
  (https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks). The router claims that agent
  for that caller in Redis (the same atomic offer push mode makes) and answers the `call`
  instruction: TaskRouter rings the agent (`to`: their phone or client:<id>, `from`: the line's number,
  `timeout`: RING_TIMEOUT), `url` (our briefing) is requested on the agent's own leg when they answer,
  `accept: true` accepts the reservation then, and `status_callback_url` (offer-status) hears how
  the leg ended. The `conference` instruction would join both legs at once with nothing said to the
  agent first, so the router does not use it; after the briefing the agent's leg joins the call's
  conference and the caller is brought from the workflow's queue exactly as in push mode.
- A claim the router cannot make (the agent is in wrap-up, offline or busy here) is answered with
  `reject` and the Activity their state maps to, so TaskRouter does not offer them the task again.
- The Workspace's EventCallbackURL (https://twilio.com/docs/taskrouter/api/event/reference) brings
  TaskRouter's own changes into presence: a worker set Available or Offline in Twilio's console or
  Flex, a reservation that timed out (offline-missed) or was canceled (the agent is free).

The queue: `<Enqueue>` makes the workflow's Twilio queue with room for 100 callers
(https://twilio.com/docs/taskrouter/twiml-queue-calls); the first hold that reports a smaller
`MaxQueueSize` has it raised to 5000, the most Twilio allows (https://www.twilio.com/docs/api/errors/14207),
with Queues update MaxSize, off the webhook's thread.
"""
from __future__ import annotations

import json
import logging
import threading

import redis

from call_store.call_state import CallStatus, CallStore
from call_store.offers import Dispatch
from call_store.taskrouter import (
    ACTIVITY_FOR,
    UNAVAILABLE_FROM_TASKROUTER,
    WorkerActivities,
)
from ivr.enqueue import QueueEntry
from runtime.twilio_rest import RestFailed, VoiceRest
from runtime.unit_of_work import read_together
from workforce.directory import AgentDirectory
from workforce.presence import AgentPresence, AgentState

log = logging.getLogger(__name__)
WORKFLOW_QUEUE_SIZE = 5000  # the most a Twilio queue holds (https://www.twilio.com/docs/api/errors/14207)


class TaskRouterFlow:
    def __init__(self, *, client: redis.Redis, calls: CallStore, agents: AgentDirectory, presence: AgentPresence, dispatch: Dispatch,
                 queue_entry: QueueEntry, rest: VoiceRest | None, workers: WorkerActivities | None,
                 ring_seconds: int):
        self._redis = client
        self._calls = calls
        self._agents = agents
        self._presence = presence
        self._dispatch = dispatch
        self._queue_entry = queue_entry
        self._rest = rest
        self._workers = workers
        self._ring_seconds = ring_seconds
        self._queue_raised = False
        self._raise_lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self._workers is not None and self._queue_entry.taskrouter and self._dispatch.enabled

    # -- the assignment callback ---------------------------------------------------------------

    def assignment(self, form) -> dict:
        """The instruction for this reservation: `call` the agent with the briefing, or `reject`."""
        if not self.enabled:
            return {"instruction": "reject"}
        task = _json(form.get("TaskAttributes", ""))
        worker = _json(form.get("WorkerAttributes", ""))
        caller_sid = str(task.get("call_sid", ""))[:64]
        agent_id = str(worker.get("agent_id", ""))[:12]
        task_sid = form.get("TaskSid", "")[:64]
        state, agent, presence = read_together(self._redis, self._calls.reading(caller_sid),
                                               self._agents.reading(agent_id), self._presence.reading(agent_id))
        if state is None or agent is None or state.status is not CallStatus.QUEUED:
            log.warning("reservation %s for %s: no such agent or caller waiting; rejected",
                        form.get("ReservationSid", "")[:64], caller_sid)
            return {"instruction": "reject"}
        claimed = self._presence.offer(caller_sid, [agent_id], self._ring_seconds)
        if claimed is None:
            return self._reject(agent_id, presence.state)
        ring = claimed[1] or (agent.phones[0] if agent.phones else "")
        if not ring:
            self._presence.end(agent_id, caller_sid, "back")
            return self._reject(agent_id, AgentState.OFFLINE)
        self._workers.staging_task(caller_sid, task_sid, agent_id)
        query = {"call": caller_sid, "agent": agent_id}
        press = {} if ring.startswith("client:") else {"press": "1"}  # a phone agent takes the call with a key
        log.info("TaskRouter reserved agent %s for %s (task %s)", agent_id, caller_sid, task_sid)
        return {"instruction": "call", "to": ring, "from": state.dialed or ring,
                "url": self._dispatch.url("briefing", **query, **press), "accept": True,
                "timeout": self._ring_seconds, "status_callback_url": self._dispatch.url("offer-status", **query)}

    def _reject(self, agent_id: str, state: AgentState) -> dict:
        """Refused here: TaskRouter is told the activity our state maps to, so it does not offer them again."""
        activity = ACTIVITY_FOR.get(state, "Offline")
        if activity == "Available":  # available here but claimed meanwhile: let TaskRouter choose again
            return {"instruction": "reject"}
        try:
            activity_sid = self._workers.activity_sid(activity)
        except RestFailed:
            activity_sid = None
        if activity_sid is None:
            return {"instruction": "reject"}
        self._workers.staging_synced(agent_id, activity)
        return {"instruction": "reject", "activity_sid": activity_sid}

    # -- the event callback ----------------------------------------------------------------------

    def event(self, form) -> None:
        """TaskRouter's changes into presence; our own changes coming back are recognised and left alone."""
        if not self.enabled:
            return
        kind = form.get("EventType", "")[:64]
        worker = _json(form.get("WorkerAttributes", ""))
        agent_id = str(worker.get("agent_id", "") or form.get("WorkerName", ""))[:12]
        if not agent_id:
            return
        if kind == "worker.activity.update":
            activity = form.get("WorkerActivityName", "")[:64]
            if self._workers.synced(agent_id) == activity:
                return  # the echo of our own Workers update
            self._workers.staging_synced(agent_id, activity)
            if activity == "Available":
                self._presence.set_by_agent(agent_id, AgentState.AVAILABLE)
            elif activity in UNAVAILABLE_FROM_TASKROUTER:
                self._presence.set_by_agent(agent_id, AgentState.OFFLINE)
            self._dispatch.kick()
        elif kind in ("reservation.timeout", "reservation.canceled", "reservation.rejected"):
            caller_sid = str(_json(form.get("TaskAttributes", "")).get("call_sid", ""))[:64]
            if caller_sid:
                outcome = "missed" if kind == "reservation.timeout" else "free"
                self._presence.staging_end(agent_id, caller_sid, outcome)
                self._dispatch.kick()
        elif kind == "reservation.accepted":  # the agent answered: their Worker into Busy (the next pass)
            caller_sid = str(_json(form.get("TaskAttributes", "")).get("call_sid", ""))[:64]
            if caller_sid:
                self._workers.staging_accepted(caller_sid, form.get("TaskSid", "")[:64], agent_id)
            self._dispatch.kick()

    # -- the workflow's queue ------------------------------------------------------------------------

    def hold_seen(self, max_queue_size: int) -> None:
        """A hold pass in TaskRouter mode reports the workflow queue's MaxQueueSize: below 5000, raise it
        (once per process, off this webhook's thread)."""
        if not self._queue_entry.taskrouter or self._rest is None or not self._dispatch.enabled:
            return  # not TaskRouter mode, or no REST account to raise it with
        if not max_queue_size or max_queue_size >= WORKFLOW_QUEUE_SIZE or self._queue_raised:
            return
        with self._raise_lock:
            if self._queue_raised:
                return
            self._queue_raised = True
        self._dispatch.kick(self._raise_queue)

    def _raise_queue(self) -> None:
        name = self._queue_entry.twilio_queue(None)
        try:
            queue_sid = self._rest.queue_sid(name)
            if queue_sid is None:
                raise RestFailed(f"no Twilio queue named {name}")
            self._rest.set_queue_size(queue_sid, WORKFLOW_QUEUE_SIZE)
            log.info("the workflow's Twilio queue %s now holds up to %d callers", name, WORKFLOW_QUEUE_SIZE)
        except RestFailed:
            self._queue_raised = False  # the next hold tries again
            raise


def _json(text: str) -> dict:
    try:
        value = json.loads(text[:16384]) if text else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
