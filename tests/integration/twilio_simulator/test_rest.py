"""The REST stand-in itself, over real HTTP: Twilio's contract enforced, and the legs it creates played.

Against the signed-webhook app of tests/integration/ivr/test_twilio_player (served over HTTP), so every
document request is checked for Twilio's signature. Twilio's pages behind each behaviour:
  Calls        https://www.twilio.com/docs/voice/api/call-resource
  Queue Member https://www.twilio.com/docs/voice/api/queue-member
  Queue        https://www.twilio.com/docs/voice/api/queue-resource
  Participants https://www.twilio.com/docs/voice/api/conference-participant-resource
  Errors       https://www.twilio.com/docs/api/errors/400 (status, message, code, more_info)
"""
from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from werkzeug.serving import make_server

from tests.integration.ivr.test_twilio_player import TOKEN, twiml, webhook_app
from twilio_simulator.rest import TwilioRestApi
from twilio_simulator.twilio_player import Party, Switchboard, http_transport

ACCOUNT = "AC" + "0" * 32
AGENT_PHONE, AGENT_LINE, CUSTOMER = "+46701112233", "+46850000000", "+46701234567"


class World:
    """Our webhook pages over HTTP, one switchboard, and the REST API in front of it."""

    def __init__(self, pages: dict):
        self.app = webhook_app(pages)
        self.received = self.app.config["RECEIVED"]
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        self.site = f"http://127.0.0.1:{self._server.server_port}"
        self.board = Switchboard(transport=http_transport(), auth_token=TOKEN, base_url=self.site, account_sid=ACCOUNT)
        self.api = TwilioRestApi(self.board, auth_token=TOKEN).start()

    def rest(self, method: str, resource: str, auth: str | None = None, **form) -> tuple[int, dict]:
        """One REST request as the twilio library makes it: Basic auth, a form body, JSON back."""
        data = urlencode(form, doseq=True).encode() if method == "POST" else None
        request = urllib.request.Request(f"{self.api.url}/2010-04-01/Accounts/{ACCOUNT}/{resource}", data=data,
                                         method=method)
        request.add_header("Authorization", "Basic " + base64.b64encode((auth or f"{ACCOUNT}:{TOKEN}").encode()).decode())
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else {}
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def posted(self, path: str) -> list[dict]:
        return [params for _, url, params in self.received if url.split("?")[0].endswith(path)]

    def close(self):
        self.api.stop()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def world():
    worlds = []

    def make(pages: dict) -> World:
        worlds.append(World(pages))
        return worlds[-1]

    yield make
    for each in worlds:
        each.close()
        assert each.api.errors == []


BRIEFING = {
    "/ivr/briefing": twiml("<Say>A caller for technical support.</Say>", "<Hangup/>"),
    "/ivr/call-status": ("", 204),
}


@pytest.mark.parametrize(("form", "message"), [
    ({"To": CUSTOMER, "From": AGENT_LINE, "Url": "http://x/y", "StatusCallbak": "http://x/s"}, "Unknown parameter 'StatusCallbak'"),
    ({"From": AGENT_LINE, "Url": "http://x/y"}, "A 'To' parameter is required."),
    ({"To": CUSTOMER, "From": AGENT_LINE, "Url": "http://x/y", "Method": "PUT"}, "'Method' must be one of GET, POST"),
    ({"To": CUSTOMER, "From": AGENT_LINE, "Url": "http://x/y", "Timeout": "soon"}, "'Timeout' must be a whole number"),
    ({"To": CUSTOMER, "From": AGENT_LINE, "Url": "not a url"}, "'Url' is not a valid URL"),
    ({"To": CUSTOMER, "From": AGENT_LINE}, "Either a 'Url', 'Twiml' or 'ApplicationSid' parameter is required."),
    ({"To": CUSTOMER, "From": AGENT_LINE, "Url": "http://x/y", "StatusCallbackEvent": "answerd"},
     "StatusCallbackEvents provided were invalid"),
])
def test_a_request_outside_twilios_contract_is_refused_with_twilios_error_shape(world, form, message):
    """A misspelt or missing field, a value of the wrong type or enumeration: 400 and Twilio's error JSON."""
    here = world(BRIEFING)
    status, body = here.rest("POST", "Calls.json", **form)
    assert status == 400
    assert set(body) == {"code", "message", "more_info", "status"} and body["status"] == 400
    assert message in body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    assert here.board.engine.legs == {}  # nothing was placed


def test_wrong_credentials_an_unknown_path_and_a_missing_method_are_refused(world):
    """401 (code 20003) without the account's credentials; 404 for a path not in the contract; 405 for a verb it lacks."""
    here = world(BRIEFING)
    assert here.rest("GET", "Calls/CA" + "1" * 32 + ".json", auth=f"{ACCOUNT}:wrong")[1]["code"] == 20003
    assert here.rest("GET", "Callz.json")[0] == 404
    assert here.rest("DELETE", "Queues.json")[0] == 405
    assert here.rest("GET", "Calls/not-a-sid.json")[0] == 404


def test_a_created_call_rings_its_party_and_fetches_the_answer_url_signed_with_twilios_parameters(world):
    """Calls create: 201 with a CA sid, status queued; the agent answers after 3 s; the Url is requested
    (the webhook app refuses an unsigned request) for the new leg, and the events asked for are posted."""
    here = world(BRIEFING)
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=3)
    status, call = here.rest("POST", "Calls.json", To=AGENT_PHONE, From=AGENT_LINE, Url=here.site + "/ivr/briefing",
                             StatusCallback=here.site + "/ivr/call-status",
                             StatusCallbackEvent=["initiated", "ringing", "answered", "completed"])
    assert status == 201 and call["sid"].startswith("CA") and call["status"] == "queued"
    assert set(call) >= {"sid", "account_sid", "to", "from", "status", "direction", "uri", "subresource_uris"}
    here.api.settle()
    assert here.posted("/ivr/briefing") == []  # still ringing
    here.api.advance(3)
    [answer] = here.posted("/ivr/briefing")
    assert (answer["CallSid"], answer["Direction"], answer["CallStatus"]) == (call["sid"], "outbound-api", "in-progress")
    assert (answer["From"], answer["To"], answer["AccountSid"]) == (AGENT_LINE, AGENT_PHONE, ACCOUNT)
    assert [p["CallStatus"] for p in here.posted("/ivr/call-status")] == ["initiated", "ringing", "in-progress",
                                                                          "completed"]
    assert here.board.engine.legs[call["sid"]].transcript.said() == ["A caller for technical support."]
    assert here.rest("GET", f"Calls/{call['sid']}.json")[1]["status"] == "completed"


def test_a_party_who_never_answers_ends_as_no_answer_after_the_timeout(world):
    """Timeout=20 and nobody picks up: the final status callback says no-answer; the Url is never requested."""
    here = world(BRIEFING)
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=None)
    _, call = here.rest("POST", "Calls.json", To=AGENT_PHONE, From=AGENT_LINE, Url=here.site + "/ivr/briefing",
                        StatusCallback=here.site + "/ivr/call-status", Timeout="20")
    here.api.advance(19)
    assert here.posted("/ivr/call-status") == []
    here.api.advance(1)
    assert [p["CallStatus"] for p in here.posted("/ivr/call-status")] == ["no-answer"]
    assert here.posted("/ivr/briefing") == []


QUEUE_PAGES = {
    "/ivr/voice": twiml('<Enqueue waitUrl="hold" action="queue-result">technical.en.A</Enqueue>'),
    "/ivr/hold": twiml("<Say>Please hold.</Say>", "<Play>music.mp3</Play>"),
    "/ivr/queue-result": twiml(),
    "/ivr/meet": twiml("<Say>Connecting you to an agent.</Say>",
                       '<Dial><Conference endConferenceOnExit="true">room-1</Conference></Dial>'),
    "/ivr/status": ("", 204),
}


def test_a_queue_member_redirect_posts_the_enqueue_action_then_the_new_url_on_the_callers_leg(world):
    """Members/Front update Url: QueueResult=redirected to the Enqueue action, then Url, both as the caller."""
    here = world(QUEUE_PAGES)
    caller = here.board.inbound(to="+448000326417", from_=CUSTOMER, party=Party(hold_cycles=None, talk_seconds=None))
    here.api.settle()
    queue = here.board.engine.queues["technical.en.A"]
    status, member = here.rest("POST", f"Queues/{queue.sid}/Members/Front.json", Url=here.site + "/ivr/meet")
    assert status == 200 and member["call_sid"] == caller.sid and member["position"] == 1
    here.api.settle()
    order = [url.split("?")[0].rsplit("/", 1)[-1] for _, url, params in here.received if params.get("CallSid") == caller.sid]
    assert order[-2:] == ["queue-result", "meet"]
    [result] = here.posted("/ivr/queue-result")
    assert (result["QueueResult"], result["QueueSid"]) == ("redirected", queue.sid)
    assert "Connecting you to an agent." in caller.transcript.said()
    assert caller.place == "conference" and queue.members == []


def test_a_url_that_is_not_in_the_queue_is_not_found(world):
    """Members update for a call that is not waiting there: 404, and nobody moves."""
    here = world(QUEUE_PAGES)
    here.board.inbound(to="+448000326417", from_=CUSTOMER, party=Party(hold_cycles=None))
    here.api.settle()
    queue = here.board.engine.queues["technical.en.A"]
    assert here.rest("POST", f"Queues/{queue.sid}/Members/CA{'9' * 32}.json", Url=here.site + "/ivr/meet")[0] == 404
    assert here.rest("POST", f"Queues/{queue.sid}/Members/Front.json")[0] == 400  # Url is required


def test_a_queue_made_through_the_api_keeps_its_max_size(world):
    """Queues create with MaxSize=1: a second caller meets a full queue (QueueResult=queue-full)."""
    here = world(QUEUE_PAGES)
    status, queue = here.rest("POST", "Queues.json", FriendlyName="technical.en.A", MaxSize="1")
    assert status == 201 and queue["max_size"] == 1 and queue["sid"].startswith("QU")
    for number in (CUSTOMER, "+46709999999"):
        here.board.inbound(to="+448000326417", from_=number, party=Party(hold_cycles=None))
        here.api.settle()
    assert [p["QueueResult"] for p in here.posted("/ivr/queue-result")] == ["queue-full"]
    assert here.rest("GET", f"Queues/{queue['sid']}.json")[1]["current_size"] == 1


CONFERENCE_PAGES = {
    "/ivr/conference-events": ("", 204),
    "/ivr/hold-music": twiml("<Say>Please hold while we check.</Say>", "<Play>music.mp3</Play>"),
    "/ivr/status": ("", 204),
}


def test_participants_join_hold_and_leave_with_the_conference_events_asked_for(world):
    """Two participants dialled in: join and start; Hold with HoldUrl plays only to the held one; delete is a leave;
    the last to go ends the conference."""
    here = world(CONFERENCE_PAGES)
    events = here.site + "/ivr/conference-events"
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=2, talk_seconds=None)
    here.board.engine.parties[CUSTOMER] = Party(answer_after=5, talk_seconds=None)
    _, agent = here.rest("POST", "Conferences/room-7/Participants.json", From=AGENT_LINE, To=AGENT_PHONE, Label="agent",
                         ConferenceStatusCallback=events, ConferenceStatusCallbackEvent=["start", "end", "join", "leave", "hold"])
    _, customer = here.rest("POST", "Conferences/room-7/Participants.json", From=AGENT_LINE, To=CUSTOMER, Label="customer")
    assert agent["status"] == customer["status"] == "queued"
    here.api.advance(5)
    kinds = [p["StatusCallbackEvent"] for p in here.posted("/ivr/conference-events")]
    assert kinds == ["participant-join", "conference-start", "participant-join"]
    conference = agent["conference_sid"]
    status, held = here.rest("POST", f"Conferences/{conference}/Participants/customer.json", Hold="true",
                             HoldUrl=here.site + "/ivr/hold-music")
    assert status == 200 and held["hold"] is True
    here.api.settle()
    legs = here.board.engine.legs
    assert "Please hold while we check." in legs[customer["call_sid"]].transcript.said()
    assert "Please hold while we check." not in legs[agent["call_sid"]].transcript.said()
    assert here.rest("DELETE", f"Conferences/{conference}/Participants/{customer['call_sid']}.json")[0] == 204
    here.api.settle()
    assert here.rest("POST", f"Calls/{agent['call_sid']}.json", Status="completed")[0] == 200
    here.api.settle()
    kinds = [p["StatusCallbackEvent"] for p in here.posted("/ivr/conference-events")]
    assert kinds[3:] == ["participant-hold", "participant-leave", "participant-leave", "conference-end"]
    assert here.posted("/ivr/conference-events")[-1]["ReasonConferenceEnded"] == "last-participant-left"
    assert here.rest("GET", f"Conferences/{conference}.json")[1]["status"] == "completed"


def test_a_call_redirected_through_the_api_leaves_where_it_was_and_plays_the_new_url(world):
    """Calls update Url: the waiting caller leaves the queue (QueueResult=redirected) and requests the Url."""
    here = world(QUEUE_PAGES)
    caller = here.board.inbound(to="+448000326417", from_=CUSTOMER, party=Party(hold_cycles=None, talk_seconds=None))
    here.api.settle()
    assert here.rest("POST", f"Calls/{caller.sid}.json", Url=here.site + "/ivr/meet")[0] == 200
    here.api.settle()
    assert here.posted("/ivr/queue-result")[0]["QueueResult"] == "redirected"
    assert here.posted("/ivr/meet")[0]["CallSid"] == caller.sid


def test_a_caller_who_hangs_up_while_the_agents_phone_rings_and_the_ringing_call_canceled(world):
    """The caller gives up 5 s into the agent's ring: QueueResult=hangup, completed; the agent's leg, canceled
    through the API before anyone answered, ends as canceled (a final status)."""
    here = world({**QUEUE_PAGES, **BRIEFING})
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=10)
    caller = here.board.inbound(to="+448000326417", from_=CUSTOMER, party=Party(hold_cycles=None))
    here.api.settle()
    _, agent = here.rest("POST", "Calls.json", To=AGENT_PHONE, From=AGENT_LINE, Url=here.site + "/ivr/briefing",
                         StatusCallback=here.site + "/ivr/call-status")
    here.api.advance(5)
    here.api.hang_up(caller.sid)
    assert here.posted("/ivr/queue-result")[-1]["QueueResult"] == "hangup"
    assert [(p["CallSid"], p["CallStatus"]) for p in here.posted("/ivr/status")] == [(caller.sid, "completed")]
    assert here.rest("POST", f"Calls/{agent['sid']}.json", Status="canceled")[0] == 200
    here.api.advance(10)
    assert [p["CallStatus"] for p in here.posted("/ivr/call-status")] == ["canceled"]
    assert here.posted("/ivr/briefing") == []


def test_a_participant_who_may_not_start_the_conference_hears_its_wait_url_until_someone_does(world):
    """StartConferenceOnEnter=false with a WaitUrl: its music is requested again as it ends; the agent's arrival
    starts the conference and the music stops."""
    here = world(CONFERENCE_PAGES)
    here.board.engine.parties[CUSTOMER] = Party(answer_after=0, talk_seconds=None)
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=0, talk_seconds=None)
    here.rest("POST", "Conferences/room-9/Participants.json", From=AGENT_LINE, To=CUSTOMER,
              StartConferenceOnEnter="false", WaitUrl=here.site + "/ivr/hold-music")
    here.api.advance(70)
    assert len(here.posted("/ivr/hold-music")) == 3  # at 0, 32 and 64 s: a sentence and a track each
    _, agent = here.rest("POST", "Conferences/room-9/Participants.json", From=AGENT_LINE, To=AGENT_PHONE)
    here.api.advance(120)
    assert len(here.posted("/ivr/hold-music")) == 3
    assert here.rest("GET", f"Conferences/{agent['conference_sid']}.json")[1]["status"] == "in-progress"


def test_with_realtime_the_clock_follows_the_wall_clock(world):
    """realtime=True: an agent answering after 0.3 s has the answer URL fetched without anyone moving the clock."""
    here = world(BRIEFING)
    here.api.stop()
    here.api = TwilioRestApi(here.board, auth_token=TOKEN, realtime=True).start()
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=0.3)
    here.rest("POST", "Calls.json", To=AGENT_PHONE, From=AGENT_LINE, Url=here.site + "/ivr/briefing")
    deadline = time.monotonic() + 5
    while not here.posted("/ivr/briefing") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert here.posted("/ivr/briefing")


def test_mute_coach_and_announce_a_participant(world):
    """Muted and Coaching + CallSidToCoach are events to the conference; an AnnounceUrl plays to that participant only."""
    here = world({**CONFERENCE_PAGES, "/ivr/announce": twiml("<Say>Your supervisor is listening.</Say>")})
    events = here.site + "/ivr/conference-events"
    for number in (AGENT_PHONE, CUSTOMER, "+46705555555"):
        here.board.engine.parties[number] = Party(answer_after=0, talk_seconds=None)
    _, agent = here.rest("POST", "Conferences/room-3/Participants.json", From=AGENT_LINE, To=AGENT_PHONE, Label="agent",
                         ConferenceStatusCallback=events, ConferenceStatusCallbackEvent=["mute", "modify"])
    here.rest("POST", "Conferences/room-3/Participants.json", From=AGENT_LINE, To=CUSTOMER, Label="customer")
    _, coach = here.rest("POST", "Conferences/room-3/Participants.json", From=AGENT_LINE, To="+46705555555",
                         Label="supervisor", Muted="true")
    here.api.settle()
    room = agent["conference_sid"]
    status, view = here.rest("POST", f"Conferences/{room}/Participants/supervisor.json", Muted="false", Coaching="true",
                             CallSidToCoach=agent["call_sid"])
    assert status == 200 and (view["muted"], view["coaching"], view["call_sid_to_coach"]) == (False, True, agent["call_sid"])
    here.rest("POST", f"Conferences/{room}/Participants/agent.json", AnnounceUrl=here.site + "/ivr/announce")
    here.api.settle()
    kinds = [(p["StatusCallbackEvent"], p["CallSid"]) for p in here.posted("/ivr/conference-events")]
    assert kinds == [("participant-unmute", coach["call_sid"]), ("participant-modify", coach["call_sid"])]
    assert here.posted("/ivr/conference-events")[-1]["Coaching"] == "true"
    legs = here.board.engine.legs
    assert legs[agent["call_sid"]].transcript.said() == ["Your supervisor is listening."]
    assert legs[coach["call_sid"]].transcript.said() == []
    assert here.rest("POST", f"Conferences/{room}/Participants/agent.json", Hold="maybe")[0] == 400


def test_a_busy_party_and_inline_twiml(world):
    """A busy line ends as busy (final); Calls update with Twiml replaces what a live call plays."""
    here = world(BRIEFING)
    here.board.engine.parties["+46700000002"] = Party(busy=True)
    here.board.engine.parties[AGENT_PHONE] = Party(answer_after=0, talk_seconds=None)
    here.rest("POST", "Calls.json", To="+46700000002", From=AGENT_LINE, Url=here.site + "/ivr/briefing",
              StatusCallback=here.site + "/ivr/call-status")
    here.api.settle()
    assert [p["CallStatus"] for p in here.posted("/ivr/call-status")] == ["busy"]
    _, call = here.rest("POST", "Calls.json", To=AGENT_PHONE, From=AGENT_LINE,
                        Twiml='<Response><Dial><Conference>room-4</Conference></Dial></Response>')
    here.api.settle()
    assert here.rest("POST", f"Calls/{call['sid']}.json", Twiml="<Response><Say>The caller has gone.</Say></Response>")[0] == 200
    here.api.settle()
    leg = here.board.engine.legs[call["sid"]]
    assert leg.transcript.said() == ["The caller has gone."] and leg.ended
