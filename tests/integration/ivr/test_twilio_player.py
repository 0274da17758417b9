"""The Twilio stand-in, played against a tiny signed-webhook app defined here.

The app is not the router: it checks signatures as the router must and
answers hand-written TwiML, so each test pins one piece of Twilio's behaviour.
"""
from __future__ import annotations

import io
import re
import smtplib
import threading
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask, abort, request
from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

from tests.processes import free_port
from twilio_simulator import simulate
from twilio_simulator.twilio_player import CallPlayer, flask_transport, http_transport

TOKEN = "player-test-token"
BASE = "http://127.0.0.1:5000"
TO, FROM = "+46201605899", "+46701234567"


def twiml(*verbs: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(verbs) + "</Response>"


def webhook_app(pages: dict, token: str = TOKEN) -> Flask:
    """Our router's contract in miniature: 403 unless signed, then the page for the path.

    A page is TwiML text, a Flask response tuple, or a function of the request
    returning either. The status callback answers 204 unless a test says otherwise.
    """
    app = Flask(__name__)
    validator = RequestValidator(token)
    received = app.config["RECEIVED"] = []

    @app.before_request
    def check_signature():
        if not validator.validate(request.url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)

    @app.route("/<path:path>", methods=["GET", "POST"])
    def page(path):
        received.append((request.method, request.url, request.values.to_dict()))
        answer = {"/ivr/status": ("", 204), **pages}.get(request.path)
        if answer is None:
            abort(404)
        answer = answer(request) if callable(answer) else answer
        return (answer, 200, {"Content-Type": "text/xml"}) if isinstance(answer, str) else answer

    return app


def play(pages: dict, answers=(), **options):
    """Place one call against `pages` through the Flask test client."""
    app = webhook_app(pages)
    options = {"auth_token": TOKEN, "base_url": BASE, "to": TO, "from_": FROM, **options}
    player = CallPlayer(transport=flask_transport(app.test_client()), answers=answers, **options)
    return player.play(), app.config["RECEIVED"]


def posted_to(received, path: str) -> list[dict]:
    return [params for _, url, params in received if urlsplit(url).path == path]


def paths(received) -> list[str]:
    return [urlsplit(url).path for _, url, _ in received]


MENU = twiml(
    '<Gather numDigits="1" action="severity"><Say>Press 1 for critical, 2 for high.</Say></Gather>',
    "<Say>We did not hear you.</Say>",
)


def test_first_request_posts_twilios_voice_parameters():
    """The call opens with a POST of Twilio's standard parameters, ringing, for an inbound call."""
    transcript, received = play({"/ivr/voice": twiml("<Hangup/>")})
    method, url, params = received[0]
    assert (method, url) == ("POST", BASE + "/ivr/voice")
    assert params["CallStatus"] == "ringing"
    assert params["Direction"] == "inbound"
    assert params["ApiVersion"] == "2010-04-01"
    assert params["From"] == params["Caller"] == FROM
    assert params["To"] == params["Called"] == TO
    assert params["FromCountry"] == params["ToCountry"] == "SE"
    assert re.fullmatch(r"AC[0-9a-f]{32}", params["AccountSid"])
    assert re.fullmatch(r"CA[0-9a-f]{32}", params["CallSid"])
    assert transcript.outcome == "hangup"


def test_server_that_rejects_the_signature_ends_the_call_without_status_callback():
    """A 403 (here: signed with another token) is a protocol error, and no status callback follows."""
    app = webhook_app({"/ivr/voice": twiml("<Hangup/>")}, token="another-token")
    player = CallPlayer(
        transport=flask_transport(app.test_client()), auth_token=TOKEN, base_url=BASE, to=TO, from_=FROM
    )
    transcript = player.play()
    assert transcript.outcome == "error"
    assert "HTTP 403" in transcript.errors[0]
    assert [urlsplit(url).path for url, _ in transcript.requests] == ["/ivr/voice"]


def test_get_puts_the_parameters_in_the_signed_query_string():
    """method="GET" sends Twilio's parameters in the query, signed over the full URL, with no body."""
    pages = {"/ivr/voice": twiml('<Redirect method="GET">menu?attempt=2</Redirect>'), "/ivr/menu": twiml("<Hangup/>")}
    transcript, received = play(pages)
    method, url, params = received[1]
    query = parse_qs(urlsplit(url).query)
    assert method == "GET"
    assert query["attempt"] == ["2"]
    assert query["CallSid"] == [received[0][2]["CallSid"]]
    assert query["CallStatus"] == ["in-progress"]
    assert transcript.outcome == "hangup"


def test_relative_action_resolves_against_the_document_that_holds_it():
    """A Gather action "severity" in the document at /ivr/menu?attempt=1 posts to /ivr/severity."""
    pages = {
        "/ivr/voice": twiml("<Redirect>menu?attempt=1</Redirect>"),
        "/ivr/menu": MENU,
        "/ivr/severity": lambda req: twiml(f"<Say>Severity {req.form['Digits']}.</Say>"),
    }
    transcript, received = play(pages, answers=["2"])
    assert paths(received) == ["/ivr/voice", "/ivr/menu", "/ivr/severity", "/ivr/status"]
    assert posted_to(received, "/ivr/severity")[0]["Digits"] == "2"
    assert transcript.said() == ["Press 1 for critical, 2 for high.", "Severity 2."]


def test_gather_without_action_posts_back_to_its_own_document_url():
    """With no action, Twilio posts the digits to the URL of the current document, query included."""

    def menu(req):
        if "Digits" in req.form:
            return twiml(f"<Say>You chose {req.form['Digits']}.</Say>")
        return twiml('<Gather numDigits="1"><Say>Choose.</Say></Gather>')

    transcript, received = play({"/ivr/voice": twiml("<Redirect>menu?attempt=1</Redirect>"), "/ivr/menu": menu}, ["3"])
    assert received[2][:2] == ("POST", BASE + "/ivr/menu?attempt=1")
    assert transcript.said() == ["Choose.", "You chose 3."]


def test_silence_at_a_gather_falls_through_to_the_next_verb():
    """No input: no request to the action; the verb after <Gather> plays."""
    transcript, received = play({"/ivr/voice": MENU}, answers=[""])
    assert transcript.said() == ["Press 1 for critical, 2 for high.", "We did not hear you."]
    assert "/ivr/severity" not in paths(received)
    assert transcript.outcome == "hangup"


def test_gathers_after_the_script_runs_out_hear_silence():
    """An exhausted script is a caller who says nothing more."""
    transcript, _ = play({"/ivr/voice": MENU})
    assert [event.attrs["kind"] for event in transcript.events if event.kind == "input"] == ["silence"]


@pytest.mark.parametrize(
    ("attributes", "keys", "digits", "finished_on"),
    [
        ('numDigits="1"', "12", "1", ""),
        ("", "12345#", "12345", "#"),
        ('numDigits="3"', "12#", "12", "#"),
        ('finishOnKey="*"', "12#*", "12#", "*"),
        ('finishOnKey=""', "12#", "12#", ""),
        ("", "123", "123", ""),
    ],
)
def test_keys_become_digits_the_way_twilio_collects_them(attributes, keys, digits, finished_on):
    """numDigits stops collecting, the finish key ends input and is not sent, a timeout submits what came."""
    pages = {"/ivr/voice": twiml(f'<Gather action="got" {attributes}/>'), "/ivr/got": twiml("<Hangup/>")}
    _, received = play(pages, answers=[keys])
    params = posted_to(received, "/ivr/got")[0]
    assert (params["Digits"], params["FinishedOnKey"]) == (digits, finished_on)


def test_finish_key_alone_is_no_input():
    """Pressing only the finish key is like silence: Twilio moves on without calling the action."""
    transcript, received = play({"/ivr/voice": MENU}, answers=["#"])
    assert "/ivr/severity" not in paths(received)
    assert transcript.said()[-1] == "We did not hear you."


@pytest.mark.parametrize(
    ("listens_for", "answer", "posted"),
    [
        ("dtmf", "say:billing", None),
        ("speech", "2", None),
        ("speech", "say:billing", {"SpeechResult": "billing", "Confidence": "0.92"}),
        ("dtmf speech", "say:billing please", {"SpeechResult": "billing please", "Confidence": "0.92"}),
        ("dtmf speech", "2", {"Digits": "2", "FinishedOnKey": ""}),
    ],
)
def test_gather_hears_only_the_inputs_it_listens_for(listens_for, answer, posted):
    """Speech counts only with input containing speech, keys only with dtmf; the rest is silence."""
    pages = {
        "/ivr/voice": twiml(f'<Gather input="{listens_for}" numDigits="1" action="got"/>'),
        "/ivr/got": twiml("<Hangup/>"),
    }
    _, received = play(pages, answers=[answer])
    sent = posted_to(received, "/ivr/got")
    keys = ("SpeechResult", "Confidence", "Digits", "FinishedOnKey")
    assert ({key: sent[0][key] for key in keys if key in sent[0]} if sent else None) == posted


def test_action_on_empty_result_posts_the_action_without_digits():
    """actionOnEmptyResult="true" calls the action even after silence, carrying no Digits."""
    pages = {
        "/ivr/voice": twiml('<Gather action="got" actionOnEmptyResult="true"/>', "<Say>Unreachable.</Say>"),
        "/ivr/got": twiml("<Say>Nothing pressed.</Say>"),
    }
    transcript, received = play(pages, answers=[""])
    assert "Digits" not in posted_to(received, "/ivr/got")[0]
    assert transcript.said() == ["Nothing pressed."]


def test_a_finish_key_pressed_alone_ends_the_gather_at_once_and_is_named():
    """finishOnKey before any digit: nothing gathered, so only actionOnEmptyResult posts, naming the key
    (https://www.twilio.com/docs/voice/twiml/gather); without it the <Gather> falls through."""
    pages = {
        "/ivr/voice": twiml('<Gather action="got" numDigits="6" finishOnKey="*" actionOnEmptyResult="true"/>'),
        "/ivr/got": twiml("<Say>New code.</Say>"),
    }
    transcript, received = play(pages, answers=["*"])
    assert {key: posted_to(received, "/ivr/got")[0].get(key) for key in ("Digits", "FinishedOnKey")} == {
        "Digits": "", "FinishedOnKey": "*"}
    pages["/ivr/voice"] = twiml('<Gather action="got" numDigits="6" finishOnKey="*"/>', "<Say>Fell through.</Say>")
    transcript, received = play(pages, answers=["*"])
    assert posted_to(received, "/ivr/got") == [] and transcript.said() == ["Fell through."]


def test_redirect_abandons_the_rest_of_the_document():
    """<Redirect> continues with the document it points to; verbs after it never play."""
    pages = {
        "/ivr/voice": twiml("<Say>One.</Say>", "<Redirect>/ivr/next</Redirect>", "<Say>Never.</Say>"),
        "/ivr/next": twiml("<Say>Two.</Say>"),
    }
    transcript, _ = play(pages)
    assert transcript.said() == ["One.", "Two."]
    assert [event.text for event in transcript.events if event.kind == "redirect"] == [BASE + "/ivr/next"]


ENQUEUE = twiml('<Enqueue waitUrl="hold?lang=sv-SE" action="queue-result">technical.sv.A</Enqueue>')


def test_enqueue_requests_the_wait_url_again_each_time_its_document_ends():
    """Each pass requests waitUrl with the queue figures; QueueTime grows by the length of the pass before.

    Twilio <Enqueue>: https://www.twilio.com/docs/voice/twiml/enqueue (waitUrl, its request parameters)."""
    pages = {"/ivr/voice": ENQUEUE, "/ivr/hold": twiml("<Say>You are first in line.</Say>", "<Play>music.mp3</Play>"),
             "/ivr/queue-result": twiml()}
    transcript, received = play(pages, hold_cycles=3)
    waits = posted_to(received, "/ivr/hold")
    pass_seconds = 2 + 30  # five words spoken, then a track taken to last 30 s
    assert [wait["QueueTime"] for wait in waits] == [str(n * pass_seconds) for n in range(3)]
    figures = {(wait["QueuePosition"], wait["CurrentQueueSize"], wait["MaxQueueSize"]) for wait in waits}
    assert figures == {("1", "1", "1000")}
    assert len({wait["QueueSid"] for wait in waits}) == 1 and waits[0]["QueueSid"].startswith("QU")
    assert all(wait["lang"] == "sv-SE" for wait in waits)
    assert (transcript.outcome, transcript.queue) == ("queued", "technical.sv.A")


def test_a_caller_who_hangs_up_in_the_queue_is_reported_to_the_enqueue_action_then_the_status_callback():
    """After their last pass the scripted caller hangs up: QueueResult=hangup, then CallStatus=completed.

    Twilio <Enqueue> action: requested "when the call leaves the queue" with QueueResult (hangup among them)."""
    pages = {"/ivr/voice": ENQUEUE, "/ivr/hold": twiml("<Say>Please hold.</Say>"), "/ivr/queue-result": twiml()}
    _, received = play(pages, hold_cycles=2)
    assert paths(received) == ["/ivr/voice", "/ivr/hold", "/ivr/hold", "/ivr/queue-result", "/ivr/status"]
    assert posted_to(received, "/ivr/queue-result")[0]["QueueResult"] == "hangup"
    assert posted_to(received, "/ivr/status")[0]["CallStatus"] == "completed"


def test_a_caller_who_stays_is_still_waiting_with_no_status_callback():
    """stay=True: after the passes asked for, the caller is still queued; nothing final has been posted."""
    pages = {"/ivr/voice": ENQUEUE, "/ivr/hold": twiml("<Say>Please hold.</Say>"), "/ivr/queue-result": twiml()}
    app = webhook_app(pages)
    player = CallPlayer(transport=flask_transport(app.test_client()), auth_token=TOKEN, base_url=BASE, to=TO,
                        from_=FROM, hold_cycles=2, stay=True)
    transcript = player.play()
    received = app.config["RECEIVED"]
    assert paths(received) == ["/ivr/voice", "/ivr/hold", "/ivr/hold"]
    assert (transcript.outcome, player.leg.place) == ("queued", "queue")
    player.switchboard.advance(60)  # Twilio keeps re-requesting the waitUrl as long as they stay
    assert len(posted_to(received, "/ivr/hold")) > 2 and "/ivr/status" not in paths(received)
    player.switchboard.hang_up(player.leg)
    assert paths(received)[-2:] == ["/ivr/queue-result", "/ivr/status"]


def test_leave_in_the_wait_document_posts_the_enqueue_action():
    """<Leave> takes the caller out: the Enqueue action gets QueueResult=leave and plays on.

    Twilio <Leave>: https://www.twilio.com/docs/voice/twiml/leave"""
    pages = {
        "/ivr/voice": ENQUEUE,
        "/ivr/hold": twiml("<Say>We are closing.</Say>", "<Leave/>"),
        "/ivr/queue-result": twiml("<Say>Please call tomorrow.</Say>", "<Hangup/>"),
    }
    transcript, received = play(pages)
    result = posted_to(received, "/ivr/queue-result")[0]
    assert (result["QueueResult"], result["QueueTime"]) == ("leave", "1")  # "We are closing." took a second
    assert result["QueueSid"] == posted_to(received, "/ivr/hold")[0]["QueueSid"]
    assert transcript.said() == ["We are closing.", "Please call tomorrow."]
    assert transcript.outcome == "hangup"


def test_leave_without_an_enqueue_action_continues_after_the_enqueue():
    """With no action, Twilio carries on with the verb after <Enqueue>."""
    pages = {
        "/ivr/voice": twiml('<Enqueue waitUrl="hold">billing.en</Enqueue>', "<Say>Billing has closed.</Say>"),
        "/ivr/hold": twiml("<Leave/>"),
    }
    transcript, _ = play(pages)
    assert transcript.said() == ["Billing has closed."]


def test_endless_hold_music_keeps_the_caller_waiting_without_new_wait_requests():
    """A loop="0" <Play> never ends, so Twilio never asks the waitUrl again."""
    pages = {"/ivr/voice": ENQUEUE, "/ivr/hold": twiml('<Play loop="0">music.mp3</Play>'), "/ivr/queue-result": twiml()}
    transcript, received = play(pages, hold_cycles=3)
    assert len(posted_to(received, "/ivr/hold")) == 1
    assert transcript.outcome == "queued"


def test_task_json_is_recorded_with_the_enqueue():
    """A nested <Task> is parsed as JSON and kept with the workflowSid."""
    pages = {
        "/ivr/voice": twiml(
            '<Enqueue workflowSid="WW0123"><Task>{"queue": "technical", "severity": "A"}</Task>support</Enqueue>'
        )
    }
    transcript, _ = play(pages)
    enqueued = next(event for event in transcript.events if event.kind == "enqueue")
    assert enqueued.attrs["workflowSid"] == "WW0123"
    assert enqueued.attrs["task"] == {"queue": "technical", "severity": "A"}
    assert (transcript.outcome, transcript.queue) == ("queued", "support")


def test_status_callback_reports_the_completed_call():
    """When the call ends, the status callback gets CallStatus=completed and a duration."""
    transcript, received = play({"/ivr/voice": twiml("<Say>Hello.</Say>")})
    assert received[-1][:2] == ("POST", BASE + "/ivr/status")
    status = received[-1][2]
    assert status["CallStatus"] == "completed"
    assert int(status["CallDuration"]) == transcript.duration > 0


@pytest.mark.parametrize(
    ("page", "complaint"),
    [
        (("boom", 500), "HTTP 500"),
        (("just text", 200, {"Content-Type": "text/xml"}), "well-formed XML"),
        ((twiml("<Say>Hi.</Say>"), 200, {"Content-Type": "text/plain"}), "text/plain"),
        ("<Document><Say>Hi.</Say></Document>", "<Document>"),
        (twiml("<Speak>Hi.</Speak>"), "<Speak>"),
        (twiml("<say>Hi.</say>"), "<say>"),
        (twiml("<Gather><Redirect>menu</Redirect></Gather>"), "cannot nest <Redirect>"),
        (twiml('<Gather numDigits="one"/>'), "numDigits"),
        (twiml("<Enqueue waitUrl=\"hold\">technical</Enqueue>"), "HTTP 404"),
        (twiml('<Enqueue workflowSid="WW1"><Task>{not json</Task></Enqueue>'), "not JSON"),
    ],
)
def test_server_mistakes_end_the_call_as_protocol_errors(page, complaint):
    """Whatever Twilio could not play is recorded as an error; the status callback still follows."""
    transcript, received = play({"/ivr/voice": page})
    assert transcript.outcome == "error"
    assert complaint in transcript.errors[0]
    assert paths(received)[-1] == "/ivr/status"


def test_a_bad_document_is_refused_before_any_of_it_plays():
    """The whole document is checked first: nothing before an unknown verb is heard."""
    transcript, _ = play({"/ivr/voice": twiml("<Say>Hello.</Say>", "<Record/>")})
    assert transcript.said() == []
    assert transcript.outcome == "error"


def test_redirect_loop_stops_at_max_requests():
    """A document that redirects to itself ends as a loop error after max_requests requests."""
    transcript, received = play({"/ivr/voice": twiml("<Redirect>voice</Redirect>")}, max_requests=5)
    assert transcript.outcome == "error"
    assert transcript.errors[0].startswith("loop")
    assert len(posted_to(received, "/ivr/voice")) == 5


def test_answer_function_is_asked_at_each_gather_with_what_it_listens_for():
    """A callable answers interactively; it sees the Gather's settings, and None means silence."""
    seen = []

    def caller(gather):
        seen.append((gather.attrs["numDigits"], gather.attrs["input"], gather.attrs["action"]))
        return "2" if len(seen) == 1 else None

    pages = {"/ivr/voice": MENU, "/ivr/severity": MENU.replace('action="severity"', 'action="end"')}
    transcript, _ = play(pages, answers=caller)
    assert seen == [(1, "dtmf", BASE + "/ivr/severity"), (1, "dtmf", BASE + "/ivr/end")]
    assert transcript.said()[-1] == "We did not hear you."


@pytest.mark.parametrize(
    "mistake",
    [
        {"answers": ["two"]},
        {"answers": "21"},
        {"answers": ["say:"]},
        {"to": "0201605899"},
        {"call_sid": "CA123"},
        {"base_url": "127.0.0.1:5000"},
        {"hold_cycles": -1},
        {"max_requests": 0},
    ],
)
def test_callers_own_mistakes_raise_value_error(mistake):
    """Bad arguments are the caller's bug: ValueError before any request is made."""
    with pytest.raises(ValueError):
        play({}, **mistake)


@pytest.fixture
def serve():
    """Serve a webhook app over real HTTP on a free port; returns its base URL."""
    servers = []

    def start(pages: dict) -> str:
        server = make_server("127.0.0.1", 0, webhook_app(pages))
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


WELCOME = {
    "/ivr/voice": twiml(
        '<Say voice="Polly.Astrid" language="sv-SE">Välkommen till supporten.</Say>',
        '<Gather numDigits="1" action="menu">'
        '<Say voice="Polly.Astrid" language="sv-SE">Tryck 2 för fakturor.</Say></Gather>',
    ),
    "/ivr/menu": lambda req: twiml(f"<Say>Du valde {req.form['Digits']}.</Say>", "<Hangup/>"),
}
CALL = ["--to", TO, "--from", FROM]


def test_cli_plays_scripted_keys_over_http_and_prints_what_the_caller_hears(serve, capsys):
    """`--keys` answers the menus; each line is a prompt heard or a key pressed; exit 0."""
    url = serve(WELCOME)
    assert simulate.main([*CALL, "--keys", "2", "--url", url, "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    assert "🔊 [sv-SE Polly.Astrid] Välkommen till supporten." in out
    assert "⌨  you pressed 2" in out
    assert "🔊 Du valde 2." in out
    assert TOKEN not in out


def test_cli_signs_with_the_development_token_the_router_wrote(serve, capsys, monkeypatch, tmp_path):
    """Without --token or TWILIO_AUTH_TOKEN, the token file in the instance folder signs."""
    (tmp_path / "twilio-dev-token").write_text(TOKEN + "\n")
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert simulate.main([*CALL, "--keys", "2", "--url", serve(WELCOME)]) == 0
    assert TOKEN not in capsys.readouterr().out


def test_cli_without_any_token_exits_2(monkeypatch, tmp_path, capsys):
    """No flag, no environment, no token file: a clear message and exit status 2."""
    monkeypatch.setenv("INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    assert simulate.main([*CALL, "--keys", "2"]) == 2
    assert "TWILIO_AUTH_TOKEN" in capsys.readouterr().err


def test_cli_asks_at_each_gather_when_no_keys_are_given(serve, capsys, monkeypatch):
    """Interactive mode says what the menu expects and reads the answer from stdin."""
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n2\n"))
    assert simulate.main([*CALL, "--url", serve(WELCOME), "--token", TOKEN]) == 0
    out = capsys.readouterr().out
    assert "👂 press 1 key (# ends input); silence after 5s" in out
    assert "is not an answer" in out  # "x" is refused and asked again
    assert "🔊 Du valde 2." in out


def test_cli_exits_1_when_the_server_breaks_the_protocol(serve, capsys):
    """A 500 from the voice webhook is printed as a protocol error; exit status 1."""
    url = serve({"/ivr/voice": ("boom", 500)})
    assert simulate.main([*CALL, "--keys", "", "--url", url, "--token", TOKEN]) == 1
    assert "✖ protocol error" in capsys.readouterr().out


def test_http_transport_returns_error_statuses_instead_of_raising(serve):
    """A 403 over real HTTP comes back as (403, content type, body)."""
    status, _, _ = http_transport()(serve({}) + "/ivr/voice", {"CallSid": "CA0"}, {})
    assert status == 403


HOLD_PAGES = {
    "/ivr/voice": ENQUEUE,
    "/ivr/hold": twiml("<Pause/>"),
    "/ivr/queue-result": twiml(),
}


def test_cli_stay_keeps_the_caller_waiting_until_it_hangs_up(serve, capsys):
    """--stay 2: the hold is requested again as it ends, in real time; then the caller hangs up."""
    url = serve(HOLD_PAGES)
    assert simulate.main([*CALL, "--keys", "", "--url", url, "--token", TOKEN, "--stay", "2.5"]) == 0
    out = capsys.readouterr().out
    assert "the caller is waiting in queue technical.sv.A" in out
    assert out.count("⏸ pause 1s") >= 2  # the one-second hold document, requested again each time it ended


def code_pages(deliver):
    """A call that sends a code (through `deliver`) and asks for it back, as the PIN step does."""

    def voice(req):
        deliver("Your support code is 482916. It is valid for 10 minutes.")
        return twiml('<Gather numDigits="6" action="check"><Say>Enter the code.</Say></Gather>')

    return {"/ivr/voice": voice, "/ivr/check": lambda req: twiml(f"<Say>You keyed {req.form['Digits']}.</Say>")}


def test_cli_keys_the_code_the_outbox_received(serve, capsys):
    """--keys code reads the newest code from the router's outbox (GET /admin/api/outbox) and keys it."""
    outbox = [{"channel": "sms", "to": "+46701234567", "subject": "", "body": "Your support code is 111111."}]
    pages = code_pages(lambda text: outbox.insert(0, {"channel": "sms", "to": FROM, "subject": "", "body": text}))
    url = serve(pages)
    app_for_outbox = Flask("outbox")

    @app_for_outbox.get("/admin/api/outbox")
    def read_outbox():
        if request.headers.get("Authorization") != "Bearer admin-secret":
            abort(401)
        return {"messages": outbox}

    admin = make_server("127.0.0.1", 0, app_for_outbox)
    threading.Thread(target=admin.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        # The outbox is read where the router serves its admin API; here a second server stands in for it.
        simulate_outbox = simulate._outbox_reader(f"http://127.0.0.1:{admin.server_port}", "admin-secret")
        answers = simulate._answers("code", simulate_outbox)
        answers[0].start()  # what the outbox held before the call is never keyed
        player = CallPlayer(transport=http_transport(), auth_token=TOKEN, base_url=url, to=TO, from_=FROM,
                            answers=answers)
        transcript = player.play()
    finally:
        admin.shutdown()
        admin.server_close()
    assert transcript.said()[-1] == "You keyed 482916."  # the new code, not the one already in the outbox


def test_cli_keys_the_code_its_smtp_server_received(serve, capsys):
    """--code-from smtp:HOST:PORT: the router mails the code to the simulator's own SMTP server, which keys it."""
    port = free_port()

    def mail(text):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "support@router.test", "it@contoso.com", "Your code"
        message.set_content(text)
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.send_message(message)

    url = serve(code_pages(mail))
    assert simulate.main([*CALL, "--keys", "code", "--url", url, "--token", TOKEN,
                          "--code-from", f"smtp:127.0.0.1:{port}"]) == 0
    assert "🔊 You keyed 482916." in capsys.readouterr().out
