"""TaskRouter mode's bookkeeping: each agent's Worker kept in the Activity their state maps to, the
Tasks of calls that are over completed, and TaskRouter's own changes (events) brought into presence.

Our agent states and TaskRouter's Activities (https://twilio.com/docs/taskrouter/activities; a
workspace starts with Offline, Available and Unavailable; README says to add Busy and Wrap-up):

    available -> Available          busy    -> Busy          wrap-up -> Wrap-up
    offline, offline-missed -> Offline                         offered -> (TaskRouter's reservation)

`reconcile` runs in the dispatch thread (after each pass: a caller on hold, an agent changing state,
an offer ending), never on a webhook's thread: it reads every agent's presence and the activity last
set on their Worker (one round trip), sets what differs with Workers update ActivitySid (rejecting a
pending reservation when the agent goes unavailable, as TaskRouter requires), then completes the Task
of every call whose agent has moved on (Tasks update AssignmentStatus=completed), which frees the Worker.

The Worker of agent 1001 is the one whose friendly name is "1001" (Workers list, remembered).
"""
from __future__ import annotations

import logging
import threading

import redis

from runtime.redis_connection import redis_errors
from runtime.twilio_rest import RestFailed, TaskRouterRest
from runtime.unit_of_work import staged
from workforce.directory import AgentDirectory
from workforce.presence import PRESENCE, AgentPresence, AgentState

log = logging.getLogger(__name__)

ACTIVITY_FOR = {
    AgentState.AVAILABLE: "Available",
    AgentState.BUSY: "Busy",
    AgentState.WRAP_UP: "Wrap-up",
    AgentState.OFFLINE: "Offline",
    AgentState.OFFLINE_MISSED: "Offline",
}
UNAVAILABLE_FROM_TASKROUTER = frozenset({"Offline", "Unavailable"})  # set in Twilio's console or Flex: offline here
SYNCED = "taskrouter-activity"  # hash: agent id -> the Activity last set on (or reported for) their Worker
TASKS = "taskrouter-tasks"  # hash: caller's CallSid -> "<TaskSid> <agent id>" while the task is reserved or assigned


class WorkerActivities:
    def __init__(self, *, client: redis.Redis, presence: AgentPresence, agents: AgentDirectory, rest: TaskRouterRest):
        self._redis = client
        self._presence = presence
        self._agents = agents
        self._rest = rest
        self._lock = threading.Lock()
        self._workers: dict[str, str] = {}  # agent id (worker friendly name) -> WorkerSid
        self._activities: dict[str, str] = {}  # activity friendly name -> ActivitySid

    # -- what the assignment callback and the event callback record ------------------------------

    def staging_task(self, caller_sid: str, task_sid: str, agent_id: str) -> None:
        """The assignment callback offered this call's task to this agent (sent with the webhook's writes)."""
        with staged(self._redis) as pipe:
            pipe.hset(TASKS, caller_sid, f"{task_sid} {agent_id}")

    def staging_accepted(self, caller_sid: str, task_sid: str, agent_id: str) -> None:
        """The agent answered (the reservation is accepted): this task is theirs to complete once the call is over."""
        with staged(self._redis) as pipe:
            pipe.hset(TASKS, caller_sid, f"{task_sid} {agent_id} accepted")

    def synced(self, agent_id: str) -> str | None:
        with redis_errors():
            return self._redis.hget(SYNCED, agent_id)

    def staging_synced(self, agent_id: str, activity: str) -> None:
        with staged(self._redis) as pipe:
            pipe.hset(SYNCED, agent_id, activity)

    def activity_sid(self, name: str) -> str | None:
        """The workspace's activity of that friendly name (Activities list, remembered)."""
        with self._lock:
            if name not in self._activities:
                self._activities.update(self._rest.activities())
            return self._activities.get(name)

    # -- the dispatch thread's housekeeping ---------------------------------------------------------

    def reconcile(self) -> int:
        """Workers into their agents' Activities, finished calls' Tasks completed; how many REST changes."""
        agents = self._agents.all()
        with redis_errors():
            pipe = self._redis.pipeline(transaction=False)
            for agent in agents:
                pipe.hgetall(PRESENCE + agent.agent_id)
            pipe.hgetall(SYNCED).hgetall(TASKS)
            *raw, synced, tasks = pipe.execute()
        presences = {agent.agent_id: self._presence.decode(agent.agent_id, data) for agent, data in zip(agents, raw)}
        changes = 0
        for agent_id, presence in presences.items():
            wanted = ACTIVITY_FOR.get(presence.state)
            if wanted is None or synced.get(agent_id) == wanted:
                continue
            if self._set_activity(agent_id, wanted):
                changes += 1
        for caller_sid, text in tasks.items():
            task_sid, agent_id, *accepted = text.split(" ")
            presence = presences.get(agent_id)
            if presence is not None and presence.call == caller_sid:
                continue  # still ringing, briefing or talking
            if accepted:  # never accepted (missed, or the caller hung up first): TaskRouter moves it on itself
                try:
                    self._rest.complete_task(task_sid, "call ended")
                    changes += 1
                except RestFailed as exc:
                    log.warning("task %s of %s not completed: %s", task_sid, caller_sid, exc)
            with redis_errors():
                self._redis.hdel(TASKS, caller_sid)
        return changes

    def _set_activity(self, agent_id: str, activity: str) -> bool:
        try:
            worker_sid = self._worker_sid(agent_id)
            activity_sid = self.activity_sid(activity)
            if worker_sid is None or activity_sid is None:
                log.warning("TaskRouter has no worker %s or activity %s: not synced", agent_id, activity)
                return False
            with redis_errors():  # before the change, so that its event coming back is known for our own
                previous = self._redis.pipeline(transaction=False).hget(SYNCED, agent_id).hset(
                    SYNCED, agent_id, activity).execute()[0]
            try:
                self._rest.set_activity(worker_sid, activity_sid, reject_pending=activity != "Available")
            except RestFailed:
                with redis_errors():
                    if previous is None:
                        self._redis.hdel(SYNCED, agent_id)
                    else:
                        self._redis.hset(SYNCED, agent_id, previous)
                raise
        except RestFailed as exc:
            log.warning("worker %s not moved to %s: %s (tried again on the next pass)", agent_id, activity, exc)
            return False
        return True

    def _worker_sid(self, agent_id: str) -> str | None:
        with self._lock:
            if agent_id not in self._workers:
                self._workers.update(self._rest.workers())
            return self._workers.get(agent_id)
