"""The Twilio Voice REST calls the router makes for agent calls, through the `twilio` library.

Sent to `TWILIO_API_URL` (api.twilio.com in production; a proxy or the local stand-in
otherwise): the library has no base-URL setting, so its HTTP client is the seam.
Every failure (an error answer, a timeout, a refused connection) becomes
`RestFailed`, so callers decide what a failure means for the people on the line.
Resources (Twilio's pages): Calls https://www.twilio.com/docs/voice/api/call-resource,
Queue Members https://www.twilio.com/docs/voice/api/queue-member, Conference Participants
https://www.twilio.com/docs/voice/api/conference-participant-resource.
"""
from __future__ import annotations

from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
TASKROUTER_API = "https://taskrouter.twilio.com"  # TaskRouter v1 lives on its own host


class RestFailed(Exception):
    """Twilio's REST API refused, failed or did not answer in time."""


class _ApiAt(TwilioHttpClient):
    def __init__(self, base: str, timeout: float):
        super().__init__(timeout=timeout)
        self._base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        for host in (TWILIO_API, TASKROUTER_API):  # the stand-in (or a proxy) answers for both hosts
            url = url.replace(host, self._base, 1)
        return super().request(method, url, *args, **kwargs)


class VoiceRest:
    def __init__(self, account_sid: str, auth_token: str, api_base: str = TWILIO_API, timeout: float = 5.0):
        http_client = _ApiAt(api_base, timeout) if api_base.rstrip("/") != TWILIO_API else TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http_client)
        self._queue_sids: dict[str, str] = {}  # friendly name -> QueueSid; a queue keeps its sid for its life

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str, timeout: int) -> str:
        """A new leg to `to` that plays `url` to whoever answers; its progress to `status_callback`. Its sid."""
        return _requested(lambda: self._client.calls.create(
            to=to, from_=from_, url=url, method="POST", status_callback=status_callback, status_callback_method="POST",
            status_callback_event=["answered", "completed"], timeout=timeout).sid)

    def hang_up(self, call_sid: str) -> None:
        """Status=completed ends the call whatever its state (ringing or in progress)."""
        _requested(lambda: self._client.calls(call_sid).update(status="completed"))

    def redirect_call(self, call_sid: str, url: str) -> None:
        """The live call leaves where it is (a queue, a conference) and requests `url`."""
        _requested(lambda: self._client.calls(call_sid).update(url=url, method="POST"))

    def dequeue_to(self, queue_sid: str, call_sid: str, url: str) -> None:
        """Queue Member update: that caller leaves the queue (their Enqueue action hears
        QueueResult=redirected) and their leg requests `url`."""
        _requested(lambda: self._client.queues(queue_sid).members(call_sid).update(url=url, method="POST"))

    def queue_sid(self, friendly_name: str) -> str | None:
        """The sid of the Twilio queue `<Enqueue>` made under that name (Queues list, remembered)."""
        if friendly_name not in self._queue_sids:
            for queue in _requested(lambda: self._client.queues.list(page_size=1000)):
                self._queue_sids[queue.friendly_name] = queue.sid
        return self._queue_sids.get(friendly_name)

    def set_queue_size(self, queue_sid: str, max_size: int) -> None:
        """Queues update MaxSize (https://www.twilio.com/docs/voice/api/queue-resource; at most 5000)."""
        _requested(lambda: self._client.queues(queue_sid).update(max_size=max_size))

    def participant(self, conference: str, call_sid: str, **changes) -> None:
        """Conference Participant update: hold (with hold_url), muted, coaching and call_sid_to_coach,
        end_conference_on_exit, announce_url (played to that participant alone)."""
        _requested(lambda: self._client.conferences(conference).participants(call_sid).update(**changes))

    def add_participant(self, conference: str, *, to: str, from_: str, label: str, **attributes) -> str:
        """Dial `to` into the conference (a supervisor, a warm-transfer target); the new leg's sid."""
        return _requested(lambda: self._client.conferences(conference).participants.create(
            to=to, from_=from_, label=label, **attributes).call_sid)

    def remove_participant(self, conference: str, call_sid: str) -> None:
        """Conference Participant delete: that leg leaves the conference (its TwiML goes on after <Dial>)."""
        _requested(lambda: self._client.conferences(conference).participants(call_sid).delete())

    def conference_sid(self, name: str) -> str | None:
        """The live conference of that friendly name, if any."""
        found = _requested(lambda: self._client.conferences.list(friendly_name=name, status="in-progress", limit=1))
        return found[0].sid if found else None



class TaskRouterRest:
    """TaskRouter v1 (https://taskrouter.twilio.com) for one workspace: Workers (update ActivitySid,
    https://www.twilio.com/docs/taskrouter/api/worker), Activities (https://twilio.com/docs/taskrouter/activities)
    and Tasks (update AssignmentStatus, https://www.twilio.com/docs/taskrouter/api/task)."""

    def __init__(self, account_sid: str, auth_token: str, workspace_sid: str, api_base: str = TWILIO_API,
                 timeout: float = 5.0):
        http_client = _ApiAt(api_base, timeout) if api_base.rstrip("/") != TWILIO_API else TwilioHttpClient(timeout=timeout)
        self._workspace = Client(account_sid, auth_token, http_client=http_client).taskrouter.v1.workspaces(workspace_sid)

    def workers(self) -> dict[str, str]:
        """Every worker's sid by friendly name (the agent's number)."""
        return _requested(lambda: {worker.friendly_name: worker.sid for worker in self._workspace.workers.list(page_size=1000)})

    def activities(self) -> dict[str, str]:
        """Every activity's sid by friendly name (Available, Offline, Busy, Wrap-up, ...)."""
        return _requested(lambda: {activity.friendly_name: activity.sid
                                 for activity in self._workspace.activities.list(page_size=1000)})

    def set_activity(self, worker_sid: str, activity_sid: str, reject_pending: bool) -> None:
        """The worker's activity; `reject_pending`: a reservation still pending is rejected (an agent going
        unavailable while one rings), else TaskRouter refuses the change."""
        _requested(lambda: self._workspace.workers(worker_sid).update(
            activity_sid=activity_sid, reject_pending_reservations=reject_pending))

    def complete_task(self, task_sid: str, reason: str) -> None:
        """The call is over: AssignmentStatus=completed frees the worker's reservation."""
        _requested(lambda: self._workspace.tasks(task_sid).update(assignment_status="completed", reason=reason))


def _requested(request):
    """The request's answer; whatever stops it (Twilio's refusal, the network) as `RestFailed`, the one failure
    the router's parts expect from Twilio."""
    try:
        return request()
    except (TwilioException, OSError) as exc:
        raise RestFailed(f"{exc.__class__.__name__}: {exc}") from exc
