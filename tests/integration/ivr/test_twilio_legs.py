"""Several legs on one simulated Twilio: who hears which document, and what each action URL is told.

Played against the tiny signed-webhook app of test_twilio_player, so each test pins one
piece of Twilio's documented behaviour:
  <Queue>   https://www.twilio.com/docs/voice/twiml/queue   (url "executed on the queued caller's end")
  <Enqueue> https://www.twilio.com/docs/voice/twiml/enqueue (action with QueueResult; default size 1000)
  <Dial>    https://www.twilio.com/docs/voice/twiml/dial    (action "when the <Dial> call ends", DialCallStatus)
  <Number>  https://www.twilio.com/docs/voice/twiml/number  (url played to the called party before connecting)
"""
from __future__ import annotations

from tests.integration.ivr.test_twilio_player import (
    BASE,
    FROM,
    TO,
    TOKEN,
    paths,
    posted_to,
    twiml,
    webhook_app,
)
from twilio_simulator.twilio_player import (
    CallPlayer,
    Party,
    Switchboard,
    flask_transport,
)

AGENT_LINE, AGENT = "+46850000000", "+46701112233"
QUEUED = twiml('<Enqueue waitUrl="hold" action="queue-result">support</Enqueue>')
DIAL_QUEUE = twiml('<Dial action="dial-done"><Queue url="about-to-connect">support</Queue></Dial>')


def by_caller(req):
    return DIAL_QUEUE if req.form["From"] == AGENT else QUEUED


PAGES = {
    "/ivr/voice": by_caller,
    "/ivr/hold": twiml("<Say>Please hold.</Say>", "<Play>music.mp3</Play>"),
    "/ivr/about-to-connect": twiml("<Say>Connecting you to an agent.</Say>"),
    "/ivr/dial-done": twiml("<Say>The call has ended.</Say>", "<Hangup/>"),
    "/ivr/queue-result": twiml("<Say>Thank you for calling.</Say>"),
}


def board(pages=PAGES):
    app = webhook_app(pages)
    switchboard = Switchboard(transport=flask_transport(app.test_client()), auth_token=TOKEN, base_url=BASE)
    return switchboard, app.config["RECEIVED"]


def caller(switchboard, **options):
    player = CallPlayer(switchboard=switchboard, to=TO, from_=FROM, stay=True, **options)
    return player, player.play()


def agent(switchboard, **options):
    player = CallPlayer(switchboard=switchboard, to=AGENT_LINE, from_=AGENT, **options)
    return player, player.play()


def test_the_queue_url_plays_on_the_queued_callers_leg_not_the_diallers():
    """<Dial><Queue url>: the request's CallSid is the caller, DequeingCallSid the agent; only the caller hears it."""
    switchboard, received = board()
    waiting, heard_by_caller = caller(switchboard)
    dialling, heard_by_agent = agent(switchboard, talk_seconds=None)
    [connect] = posted_to(received, "/ivr/about-to-connect")
    assert connect["CallSid"] == waiting.call_sid
    assert connect["DequeingCallSid"] == dialling.call_sid
    assert connect["QueueSid"].startswith("QU") and connect["QueueTime"].isdigit()
    assert "Connecting you to an agent." in heard_by_caller.said()
    assert "Connecting you to an agent." not in heard_by_agent.said()


def test_when_the_caller_hangs_up_the_diallers_action_gets_the_dial_status_and_the_call_goes_on():
    """The caller talks 60 s and hangs up: their Enqueue action gets QueueResult=bridged, the agent's
    Dial action DialCallStatus=completed with the caller's sid and duration, and the agent hears its answer."""
    switchboard, received = board()
    waiting, heard_by_caller = caller(switchboard, talk_seconds=60)
    dialling, heard_by_agent = agent(switchboard, talk_seconds=None)
    [done] = posted_to(received, "/ivr/dial-done")
    assert (done["DialCallStatus"], done["DialCallSid"], done["DialCallDuration"]) == ("completed", waiting.call_sid, "60")
    assert done["CallSid"] == dialling.call_sid
    assert posted_to(received, "/ivr/queue-result")[0]["QueueResult"] == "bridged"
    assert heard_by_agent.said()[-1] == "The call has ended."
    assert "Thank you for calling." not in heard_by_caller.said()  # they had hung up: nothing of it is heard
    finals = [(p["CallSid"], p["CallStatus"]) for p in posted_to(received, "/ivr/status")]
    assert sorted(finals) == sorted([(waiting.call_sid, "completed"), (dialling.call_sid, "completed")])


def test_when_the_agent_hangs_up_the_caller_goes_on_with_the_enqueue_action():
    """The agent leaves first: the caller's Enqueue action (QueueResult=bridged) is played to the caller."""
    switchboard, received = board()
    waiting, heard_by_caller = caller(switchboard, talk_seconds=None)
    agent(switchboard, talk_seconds=20)
    switchboard.run()
    assert posted_to(received, "/ivr/queue-result")[0]["QueueResult"] == "bridged"
    assert heard_by_caller.said()[-1] == "Thank you for calling."
    assert waiting.leg.ended


def test_a_queue_dialled_while_empty_connects_the_next_caller_to_join():
    """Dial waits for the next person to join the queue: the caller who arrives is connected without a hold pass."""
    switchboard, received = board()
    dialling = switchboard.inbound(to=AGENT_LINE, from_=AGENT, party=Party(talk_seconds=None))
    switchboard.advance(10)
    waiting, heard = caller(switchboard)
    assert "/ivr/hold" not in paths(received)
    connect = posted_to(received, "/ivr/about-to-connect")[0]
    assert (connect["CallSid"], connect["DequeingCallSid"]) == (waiting.call_sid, dialling.sid)
    assert "Connecting you to an agent." in heard.said()


def test_nobody_joining_before_the_dial_timeout_is_no_answer():
    """An empty queue until the timeout (30 s by default): the Dial action gets DialCallStatus=no-answer."""
    switchboard, received = board()
    agent(switchboard)
    assert posted_to(received, "/ivr/dial-done")[0]["DialCallStatus"] == "no-answer"


def test_a_full_queue_sends_the_caller_to_the_action_at_once():
    """With MaxSize reached, Enqueue's action gets QueueResult=queue-full and its answer plays."""
    switchboard, received = board()
    switchboard.engine.queue("support").max_size = 1
    caller(switchboard)
    _, second = caller(switchboard)
    assert posted_to(received, "/ivr/queue-result")[-1]["QueueResult"] == "queue-full"
    assert second.said()[-1] == "Thank you for calling."


SCREENED = {
    "/ivr/voice": twiml('<Dial action="dial-done"><Number url="screen" statusCallback="child-status" '
                        'statusCallbackEvent="initiated ringing answered completed">+46700000001</Number></Dial>'),
    "/ivr/screen": twiml("<Say>A support call for you.</Say>"),
    "/ivr/dial-done": twiml("<Say>Goodbye.</Say>"),
    "/ivr/child-status": ("", 204),
}


def test_the_number_url_plays_on_the_called_partys_leg():
    """<Dial><Number url>: the document's request is the new leg's (ParentCallSid = the caller); the caller never hears it."""
    switchboard, received = board(SCREENED)
    switchboard.engine.parties["+46700000001"] = Party(answer_after=5, talk_seconds=20)
    player = CallPlayer(switchboard=switchboard, to=TO, from_=FROM)
    transcript = player.play()
    [screen] = posted_to(received, "/ivr/screen")
    assert screen["ParentCallSid"] == player.call_sid and screen["CallSid"] != player.call_sid
    assert (screen["Direction"], screen["To"], screen["CallStatus"]) == ("outbound-dial", "+46700000001", "in-progress")
    assert "A support call for you." not in transcript.said()
    assert switchboard.engine.legs[screen["CallSid"]].transcript.said() == ["A support call for you."]
    [done] = posted_to(received, "/ivr/dial-done")
    assert (done["DialCallStatus"], done["DialCallSid"], done["DialCallDuration"]) == ("completed", screen["CallSid"], "20")
    events = [p["CallStatus"] for p in posted_to(received, "/ivr/child-status")]
    assert events == ["initiated", "ringing", "in-progress", "completed"]


def test_a_number_that_does_not_answer_is_no_answer_and_only_that_status_is_final():
    """Nobody picks up within the timeout: DialCallStatus=no-answer; the child's last callback is its final status."""
    switchboard, received = board(SCREENED)
    switchboard.engine.parties["+46700000001"] = Party(answer_after=None)
    CallPlayer(switchboard=switchboard, to=TO, from_=FROM).play()
    assert posted_to(received, "/ivr/dial-done")[0]["DialCallStatus"] == "no-answer"
    assert "/ivr/screen" not in paths(received)
    events = [p["CallStatus"] for p in posted_to(received, "/ivr/child-status")]
    assert events == ["initiated", "ringing", "no-answer"]


def test_a_caller_who_hangs_up_after_a_while_leaves_the_queue_with_hangup():
    """Party(hang_up_after=45): 45 s after picking up, wherever they are; here in the queue (QueueTime 45)."""
    switchboard, received = board()
    leg = switchboard.inbound(to=TO, from_=FROM, party=Party(hold_cycles=None, hang_up_after=45))
    switchboard.run()
    [result] = posted_to(received, "/ivr/queue-result")
    assert (result["QueueResult"], result["QueueTime"]) == ("hangup", "45")
    assert leg.ended and posted_to(received, "/ivr/status")[0]["CallStatus"] == "completed"


def test_run_stops_when_only_callers_on_hold_are_left():
    """A caller who stays is played the hold as long as time is let pass, but run() does not wait for ever."""
    switchboard, received = board()
    leg = switchboard.inbound(to=TO, from_=FROM, party=Party(hold_cycles=None))
    switchboard.run()
    assert leg.place == "queue" and posted_to(received, "/ivr/hold") == []
    switchboard.advance(64)
    assert [p["QueueTime"] for p in posted_to(received, "/ivr/hold")] == ["0", "31", "62"]  # a pass lasts 31 s
