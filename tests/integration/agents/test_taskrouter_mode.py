"""TaskRouter mode, through signed webhooks and the REST stand-in with a simulated TaskRouter workspace.

Twilio's pages this follows:
- Assignment callbacks and their instructions (`call`: to, from, url played on the worker's answered leg,
  accept, timeout, status_callback_url; `reject` with activity_sid):
  https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks
- <Enqueue workflowSid> with <Task>, and the workflow's Twilio queue (FriendlyName = the workflow's sid,
  100 callers by default, raised with Queues update MaxSize): https://twilio.com/docs/taskrouter/twiml-queue-calls,
  https://www.twilio.com/docs/voice/twiml/enqueue, at most 5000: https://www.twilio.com/docs/api/errors/14207
- Workers update ActivitySid (RejectPendingReservations): https://www.twilio.com/docs/taskrouter/api/worker
- Activities: https://twilio.com/docs/taskrouter/activities
- Tasks update AssignmentStatus=completed: https://www.twilio.com/docs/taskrouter/api/task
- Event callbacks (EventType, WorkerActivityName, ...; answered 204): https://twilio.com/docs/taskrouter/api/event/reference
- Signed webhooks: https://www.twilio.com/docs/usage/webhooks/webhooks-security
"""
from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from app import create_app
from call_store.offers import Dispatch
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.integration.agents.test_push_routing import (
    ADMIN,
    ANNA,
    ANNA_PHONE,
    BERIT,
    BERIT_PHONE,
    SE_LINE,
)
from twilio_simulator.rest import TwilioRestApi
from twilio_simulator.taskrouter import TaskRouter
from twilio_simulator.twilio_player import (
    CallPlayer,
    Party,
    Switchboard,
    flask_transport,
)
from web.registry import parts_of
from workforce.presence import AgentPresence, AgentState

BRIEFING_VERIFIED = "Organisation Contoso, verifierad via sin registrerade telefon."
CONNECTING = "Vi kopplar dig nu till en av våra medarbetare."


class TaskRouterWorld:
    """The router in TaskRouter mode, a switchboard playing every leg through its signed webhooks, the REST
    stand-in, and a TaskRouter workspace on the same switchboard calling the router's callbacks."""

    def __init__(self, settings, redis_client, clock, reservation_timeout: int = 120):
        self.clock = clock
        send = {}
        self.board = Switchboard(transport=lambda *args, **kwargs: send["to"](*args, **kwargs), auth_token=TWILIO_TOKEN,
                                 base_url="http://localhost")
        self.taskrouter = TaskRouter(self.board, assignment_url="http://localhost/ivr/taskrouter/assignment",
                                     event_url="http://localhost/ivr/taskrouter/events",
                                     reservation_timeout=reservation_timeout)
        self.api = TwilioRestApi(self.board, auth_token=TWILIO_TOKEN, taskrouter=self.taskrouter).start()
        self.settings = replace(settings, admin_token="test-admin-token", twilio_account_sid=self.board.engine.account_sid,
                                twilio_api_url=self.api.url, public_base_url="http://localhost",
                                twilio_workflow_sid=self.taskrouter.workflow_sid,
                                twilio_workspace_sid=self.taskrouter.workspace_sid)
        self.app = create_app({"settings": self.settings, "redis": redis_client, "clock": clock})
        self.client = self.app.test_client()
        send["to"] = flask_transport(self.app.test_client())
        self.parts = parts_of(self.app)

    def agent(self, agent_id: str, record: dict, answer_after: float | None = 3, talk_seconds: float | None = 60,
              answers=("1",)):
        assert self.client.put(f"/admin/api/agents/{agent_id}", json=record, headers=ADMIN).status_code == 201
        self.board.engine.parties[record["phones"][0]] = Party(answer_after=answer_after, talk_seconds=talk_seconds,
                                                               answers=list(answers))
        with self.board.lock:
            self.taskrouter.add_worker(agent_id, {"agent_id": agent_id, "skills": record["queues"],
                                                  "languages": record["languages"], "contact_uri": record["phones"][0]})

    def available(self, agent_id: str, password: str = "correct horse battery"):
        response = self.client.put("/agent/api/state", json={"state": "available", "ring": "phone"},
                                   auth=(agent_id, password))
        assert response.status_code == 200, response.get_json()
        self.settle()

    def state(self, agent_id: str) -> AgentState:
        return self.parts.get(AgentPresence).get(agent_id).state

    def activity(self, agent_id: str) -> str:
        return self.taskrouter.worker(agent_id).activity.name

    def caller(self, from_: str = "+46701234567", answers=("1", "1", "1")) -> CallPlayer:
        player = CallPlayer(switchboard=self.board, to=SE_LINE, from_=from_, answers=list(answers), stay=True)
        player.play()
        self.settle()
        return player

    def settle(self):
        for _ in range(3):
            assert self.parts.get(Dispatch).wait_idle(10)
            self.api.settle()

    def advance(self, seconds: float):
        for _ in range(int(seconds)):
            self.api.advance(1)
            self.settle()

    def requests(self, method: str, ending: str) -> list[dict]:
        return [r for r in self.api.received if r["method"] == method and r["path"].endswith(ending)]

    def legs_to(self, number: str):
        return [leg for leg in self.board.engine.legs.values() if leg.params.get("To") == number
                and leg.params.get("Direction") == "outbound-api"]

    def task_of(self, caller: CallPlayer):
        return next(task for task in self.taskrouter.tasks.values() if task.attributes["call_sid"] == caller.call_sid)

    def close(self):
        self.api.stop()
        assert self.api.errors == []
        assert self.taskrouter.errors == []
        assert all(r["status"] < 400 for r in self.api.received), [r for r in self.api.received if r["status"] >= 400]


@pytest.fixture
def world(settings, redis_client, clock, register):
    register("100200", **CONTOSO)
    here = TaskRouterWorld(settings, redis_client, clock)
    yield here
    here.close()


def test_taskrouters_assignment_rings_the_agent_who_hears_the_briefing_then_both_meet_in_the_conference(world):
    """Anna comes available: her Worker goes Available (Workers update), TaskRouter reserves her for the waiting task
    and calls the assignment callback; the router answers the `call` instruction: her phone rings, her own leg hears
    the briefing in Swedish, she presses 1, joins the call's conference, and the caller (taken out of the workflow's
    queue) hears only "connecting you"."""
    world.agent("1001", ANNA)
    caller = world.caller()
    task = world.task_of(caller)
    assert task.status == "pending"
    assert {key: task.attributes[key] for key in ("type", "language", "severity", "verified", "line", "call_sid")} == {
        "type": "technical", "language": "sv", "severity": "A", "verified": True, "line": task.attributes["line"],
        "call_sid": caller.call_sid}
    assert task.attributes["queue"] == "technical.sv.A" and task.attributes["arrived"]
    world.available("1001")
    updates = world.requests("POST", f"/Workers/{world.taskrouter.worker('1001').sid}")
    assert [update["form"]["ActivitySid"] for update in updates] == [
        world.taskrouter.activities["Offline"].sid, world.taskrouter.activities["Available"].sid]  # first sync, then hers
    [(params, instruction)] = world.taskrouter.assignments
    assert params["TaskSid"] == task.sid and json.loads(params["WorkerAttributes"])["agent_id"] == "1001"
    assert instruction["instruction"] == "call" and instruction["accept"] is True
    assert instruction["to"] == ANNA_PHONE and instruction["from"] == SE_LINE and instruction["timeout"] == 20
    assert instruction["url"].startswith(f"http://localhost/ivr/briefing?call={caller.call_sid}&agent=1001")
    assert instruction["status_callback_url"].startswith("http://localhost/ivr/offer-status?")
    assert world.state("1001") is AgentState.OFFERED
    world.advance(40)
    [anna] = world.legs_to(ANNA_PHONE)
    heard_by_agent, heard_by_caller = anna.transcript.said(), caller.leg.transcript.said()
    assert BRIEFING_VERIFIED in heard_by_agent and "Allvarlighetsgrad A." in heard_by_agent
    assert BRIEFING_VERIFIED not in heard_by_caller and "Allvarlighetsgrad A." not in heard_by_caller
    assert heard_by_caller[-1] == CONNECTING
    [conference] = [c for c in world.board.engine.conferences.values() if c.name == "call-" + caller.call_sid]
    assert set(conference.participants) == {anna.sid, caller.call_sid}
    assert world.state("1001") is AgentState.BUSY and world.activity("1001") == "Busy"
    assert task.status == "assigned" and task.reservation.status == "accepted"
    [redirect] = [r for r in world.api.received if "/Members/" in r["path"]]  # out of the workflow's own queue
    assert f"/Queues/{world.board.engine.queues[world.taskrouter.workflow_sid].sid}/" in redirect["path"]


def test_after_the_call_the_task_is_completed_and_the_worker_wraps_up_then_is_available(world):
    """The conference ends: the agent is in wrap-up here and in TaskRouter (Wrap-up), the Task is completed
    (Tasks update AssignmentStatus=completed); 30 s later the next pass puts the Worker back in Available."""
    world.agent("1001", ANNA, talk_seconds=30)
    caller = world.caller()
    world.available("1001")
    world.advance(90)
    assert world.state("1001") is AgentState.WRAP_UP and world.activity("1001") == "Wrap-up"
    task = world.task_of(caller)
    assert task.status == "completed"
    [complete] = world.requests("POST", f"/Tasks/{task.sid}")
    assert complete["form"]["AssignmentStatus"] == "completed"
    world.clock.at += timedelta(seconds=31)
    world.parts.get(Dispatch).kick()
    world.settle()
    assert world.state("1001") is AgentState.AVAILABLE and world.activity("1001") == "Available"


def test_an_agent_who_does_not_answer_goes_offline_and_taskrouter_offers_the_task_to_the_next(world):
    """Anna (idle longest) never answers: after the 20 s ring she is offline-missed; her Worker goes Offline with
    RejectPendingReservations, so TaskRouter reserves Berit at once, and Berit hears the briefing."""
    world.agent("1001", ANNA, answer_after=None)
    world.agent("1002", BERIT)
    world.available("1001")
    world.clock.at += timedelta(seconds=5)
    world.available("1002")
    caller = world.caller()
    assert [instruction["to"] for _, instruction in world.taskrouter.assignments] == [ANNA_PHONE]
    world.advance(21)
    assert world.state("1001") is AgentState.OFFLINE_MISSED and world.activity("1001") == "Offline"
    offline = world.requests("POST", f"/Workers/{world.taskrouter.worker('1001').sid}")[-1]
    assert offline["form"]["RejectPendingReservations"] == "true"
    assert [instruction["to"] for _, instruction in world.taskrouter.assignments] == [ANNA_PHONE, BERIT_PHONE]
    world.advance(40)
    [berit] = world.legs_to(BERIT_PHONE)
    assert BRIEFING_VERIFIED in berit.transcript.said()
    assert caller.call_sid in [p for c in world.board.engine.conferences.values() for p in c.participants]


def test_a_reservation_for_an_agent_in_wrap_up_is_rejected_with_the_wrap_up_activity(world):
    """TaskRouter reserves a worker the router knows is in wrap-up (set Available in Twilio's console, and that
    event lost on the way): the assignment is answered `reject` with the Wrap-up activity, nobody is rung."""
    world.agent("1001", ANNA, talk_seconds=30)
    world.caller()
    world.available("1001")
    world.advance(90)
    assert world.state("1001") is AgentState.WRAP_UP
    second = world.caller(from_="+46701230002", answers=["1", "1", "2", "100200#"])
    with world.board.lock:  # someone sets her Available in Twilio's console during her wrap-up; the event is lost
        world.taskrouter.event_url = None
        world.taskrouter.update_worker({"Sid": world.taskrouter.worker("1001").sid},
                                       {"ActivitySid": world.taskrouter.activities["Available"].sid})
    world.settle()
    params, instruction = world.taskrouter.assignments[-1]
    assert json.loads(params["TaskAttributes"])["call_sid"] == second.call_sid
    assert instruction == {"instruction": "reject", "activity_sid": world.taskrouter.activities["Wrap-up"].sid}
    assert world.activity("1001") == "Wrap-up" and len(world.legs_to(ANNA_PHONE)) == 1


def test_taskrouters_own_activity_changes_reach_presence(world):
    """A worker set Offline, then Available, in Twilio's console: the event callbacks make the agent offline,
    then available, here."""
    world.agent("1001", ANNA)
    world.available("1001")
    worker = world.taskrouter.worker("1001")
    for activity, state in (("Offline", AgentState.OFFLINE), ("Available", AgentState.AVAILABLE)):
        with world.board.lock:
            world.taskrouter.update_worker({"Sid": worker.sid}, {"ActivitySid": world.taskrouter.activities[activity].sid})
        world.settle()
        assert world.state("1001") is state
    events = [event["EventType"] for event in world.taskrouter.events]
    assert events.count("worker.activity.update") == 3  # ours (Available), then the console's two


def test_more_than_a_hundred_callers_wait_in_taskrouter_mode(world):
    """Twilio's workflow queue holds 100 by default: the first hold (MaxQueueSize=100) has the router raise it to
    5000 (Queues update MaxSize), so the 101st to 120th callers are queued too, none hears "queue full"."""
    callers = [world.caller(from_=f"+4670123{n:04d}", answers=["1", "3"]) for n in range(120)]  # Swedish, presales
    queue = world.board.engine.queues[world.taskrouter.workflow_sid]
    assert queue.max_size == 5000
    [raise_size] = [r for r in world.requests("POST", f"/Queues/{queue.sid}.json")]
    assert raise_size["form"]["MaxSize"] == "5000"
    assert all(caller.leg.place == "queue" for caller in callers)
    assert len(queue.members) == 120 and len(world.taskrouter.tasks) == 120


def test_the_hold_counts_the_callers_own_queue_not_the_workflows(world):
    """Two presales callers wait, then a technical A caller: Twilio's shared workflow queue has them third, but
    their own queue (technical.sv.A) has them first, and that is what they hear."""
    world.caller(from_="+46701230001", answers=["1", "3"])
    world.caller(from_="+46701230002", answers=["1", "3"])
    technical = world.caller()
    holds = [params for url, params in technical.leg.transcript.requests if "/ivr/hold" in url]
    assert holds[-1]["QueuePosition"] == "3"
    assert "Du står först i kön." in technical.leg.transcript.said()
    assert "Du är nummer 3 i kön." not in technical.leg.transcript.said()


def test_the_caller_hangs_up_before_assignment_and_the_task_is_canceled(world):
    """The caller gives up while no agent is free: TaskRouter cancels the Task; nobody is rung later."""
    world.agent("1001", ANNA)
    caller = world.caller()
    world.api.hang_up(caller.call_sid)
    world.settle()
    assert world.task_of(caller).status == "canceled"
    world.available("1001")
    assert world.taskrouter.assignments == [] and world.legs_to(ANNA_PHONE) == []


def test_an_unsigned_assignment_callback_is_refused(world):
    """A forged assignment callback gets 403 and nothing is offered."""
    response = world.client.post("/ivr/taskrouter/assignment", data={"TaskAttributes": "{}", "WorkerAttributes": "{}"})
    assert response.status_code == 403
    response = world.client.post("/ivr/taskrouter/events", data={"EventType": "worker.activity.update"})
    assert response.status_code == 403


def _signed_post(world, path: str, form: dict):
    from twilio.request_validator import RequestValidator

    url = "http://localhost" + path
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
    return world.client.post(path, data=form, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize("form", [
    {},
    {"TaskAttributes": "not json", "WorkerAttributes": "[1, 2]"},
    {"TaskAttributes": json.dumps({"call_sid": "CA" + "0" * 32}), "WorkerAttributes": json.dumps({"agent_id": "1001"})},
    {"TaskAttributes": "{" * 5000, "WorkerAttributes": json.dumps({"agent_id": ["x"]})},
])
def test_any_signed_assignment_is_answered_with_json_and_an_unknown_caller_rejected(world, form):
    """Whatever TaskRouter sends, the answer is 200 with a JSON instruction; a caller or agent the router does not
    know is rejected (TaskRouter offers the task elsewhere)."""
    world.agent("1001", ANNA)
    response = _signed_post(world, "/ivr/taskrouter/assignment", form)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == {"instruction": "reject"}


def test_any_signed_event_is_answered_204(world):
    """TaskRouter asks for 204 with Content-Type application/json, within 15 s; odd events change nothing."""
    world.agent("1001", ANNA)
    for form in ({}, {"EventType": "worker.activity.update", "WorkerName": "1001", "WorkerActivityName": "Lunch"},
                 {"EventType": "reservation.timeout", "WorkerAttributes": "{}", "TaskAttributes": "oops"}):
        response = _signed_post(world, "/ivr/taskrouter/events", form)
        assert response.status_code == 204 and response.mimetype == "application/json"
    assert world.state("1001") is AgentState.OFFLINE


def test_the_stand_in_checks_taskrouter_requests_against_its_contract(world):
    """A misspelt field (ActivitySID) is refused with 400 as TaskRouter refuses it; another workspace is 404."""
    import base64
    import urllib.error
    import urllib.request

    world.agent("1001", ANNA)
    worker = world.taskrouter.worker("1001")
    auth = base64.b64encode(f"{world.board.engine.account_sid}:{TWILIO_TOKEN}".encode()).decode()

    def post(path: str, body: str) -> int:
        request = urllib.request.Request(world.api.url + path, data=body.encode(), method="POST",
                                         headers={"Authorization": "Basic " + auth,
                                                  "Content-Type": "application/x-www-form-urlencoded"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    workspace = world.taskrouter.workspace_sid
    assert post(f"/v1/Workspaces/{workspace}/Workers/{worker.sid}", "ActivitySID=WA" + "0" * 32) == 400
    assert post(f"/v1/Workspaces/WS{'1' * 32}/Workers/{worker.sid}", "FriendlyName=x") == 404
    assert post(f"/v1/Workspaces/{workspace}/Workers/{worker.sid}", "FriendlyName=1001") == 200
    world.api.received[:] = [r for r in world.api.received if r["status"] < 400]  # refused on purpose


def test_the_caller_hangs_up_while_taskrouters_call_rings_the_agent(world):
    """The caller gives up while Anna's phone rings: she is available again at once, here and in TaskRouter (the
    Task canceled, its reservation with it). The ringing leg is TaskRouter's (the router never learns its sid
    before it is answered), so it rings out; her offer-status then changes nothing."""
    world.agent("1001", ANNA, answer_after=None)
    caller = world.caller()
    world.available("1001")
    assert world.state("1001") is AgentState.OFFERED
    world.api.hang_up(caller.call_sid)
    world.settle()
    assert world.state("1001") is AgentState.AVAILABLE and world.activity("1001") == "Available"
    task = world.task_of(caller)
    assert task.status == "canceled" and task.reservation.status == "canceled"
    world.advance(21)
    [anna] = world.legs_to(ANNA_PHONE)
    assert anna.ended and anna.status == "no-answer"
    assert world.state("1001") is AgentState.AVAILABLE
