"""Each webhook on its own, through HTTP with Twilio's signed parameters."""
from __future__ import annotations

import time

import pytest

from ivr.answer_flow import AnswerFlow
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import names, parse, signed_post
from web.registry import parts_of

SID = "CA" + "0" * 32
SWEDEN = {"CallSid": SID, "To": "+46201605899", "From": "+46701234567", "AccountSid": "AC" + "1" * 32}
UK = {**SWEDEN, "To": "+448000326417", "From": "+447911123456"}


def post(client, path, params):
    return signed_post(client, path, params, TWILIO_TOKEN)


def test_a_multilingual_line_greets_in_its_first_language_and_offers_each_language_in_its_own(client):
    """Sweden: Swedish welcome, then one option per language, each spoken by that language's voice and heard
    by that language's recogniser (one <Gather language> each: https://www.twilio.com/docs/voice/twiml/gather)."""
    verbs = parse(post(client, "/ivr/voice", SWEDEN).data)
    assert names(verbs) == ["Gather", "Gather", "Redirect"]
    swedish, english, redirect = verbs
    common = {"action": "language?attempt=1&lang=sv-SE", "method": "POST", "input": "dtmf speech", "numDigits": "1",
              "speechTimeout": "auto", "hints": "svenska, swedish, english"}
    assert swedish.attrs == {**common, "timeout": "1", "language": "sv-SE"}
    assert english.attrs == {**common, "timeout": "5", "language": "en-GB"}
    assert [(say.attrs["voice"], say.attrs["language"], say.text) for say in swedish.children] == [
        ("Polly.Astrid", "sv-SE", "Välkommen till supporten."),
        ("Polly.Astrid", "sv-SE", "För svenska, tryck 1."),
    ]
    assert [(say.attrs["voice"], say.attrs["language"], say.text) for say in english.children] == [
        ("Polly.Amy", "en-GB", "For English, press 2."),
    ]
    assert (redirect.attrs, redirect.text) == ({"method": "POST"}, "language?attempt=1&lang=sv-SE")


def test_a_single_language_line_goes_straight_to_the_menu(client):
    """The UK line has one language: welcome and menu in one Gather that a key press cuts short."""
    verbs = parse(post(client, "/ivr/voice", UK).data)
    assert names(verbs) == ["Gather", "Redirect"]
    assert verbs[0].attrs["action"] == "menu?attempt=1&lang=en-GB"
    assert verbs[0].says() == [
        "Welcome to support.",
        "For technical support, press 1. Billing, 2. Sales, 3. Or say what you need.",
    ]
    assert verbs[1].text == "menu?attempt=1&lang=en-GB"


def test_a_chosen_language_is_used_for_every_later_prompt(client):
    """Pressing 2 on the Swedish line gives the menu in English with the English voice."""
    post(client, "/ivr/voice", SWEDEN)
    verbs = parse(post(client, "/ivr/language?attempt=1", {**SWEDEN, "Digits": "2"}).data)
    assert verbs[0].attrs["language"] == "en-GB"
    assert {say.attrs["voice"] for say in verbs[0].children} == {"Polly.Amy"}


def test_a_language_can_be_chosen_by_voice(client):
    """Saying "English" picks English."""
    post(client, "/ivr/voice", SWEDEN)
    verbs = parse(post(client, "/ivr/language?attempt=1", {**SWEDEN, "SpeechResult": "English please."}).data)
    assert verbs[0].attrs["action"] == "menu?attempt=1&lang=en-GB"
    assert verbs[0].attrs["language"] == "en-GB"


@pytest.mark.parametrize(
    ("attempt", "params", "lead", "next_attempt"),
    [
        ("1", {}, "Sorry, I didn't hear anything.", "2"),
        ("2", {"Digits": "7"}, "Sorry, I didn't understand that.", "3"),
        ("1", {"SpeechResult": "pizza"}, "Sorry, I didn't understand that.", "2"),
    ],
)
def test_the_menu_asks_again_with_a_reason_when_nothing_valid_came(client, attempt, params, lead, next_attempt):
    """Silence, a wrong key or unrecognised speech: say why, then ask again."""
    post(client, "/ivr/voice", UK)
    verbs = parse(post(client, f"/ivr/menu?attempt={attempt}", {**UK, **params}).data)
    assert verbs[0].attrs["action"] == f"menu?attempt={next_attempt}&lang=en-GB"
    assert verbs[0].says()[0] == lead
    assert verbs[1].text == f"menu?attempt={next_attempt}&lang=en-GB"


def test_after_two_reprompts_the_menu_takes_technical_support(client):
    """The third silence is not met with a fourth question: the caller goes to technical support."""
    post(client, "/ivr/voice", UK)
    verbs = parse(post(client, "/ivr/menu?attempt=3", UK).data)
    assert verbs[0].attrs["action"] == "severity?attempt=1&lang=en-GB"


def test_after_two_reprompts_the_language_question_takes_the_first_language(client):
    """Silence three times on the Swedish line: the menu comes in Swedish."""
    post(client, "/ivr/voice", SWEDEN)
    verbs = parse(post(client, "/ivr/language?attempt=3", SWEDEN).data)
    assert verbs[0].attrs["action"] == "menu?attempt=1&lang=sv-SE"
    assert verbs[0].attrs["language"] == "sv-SE"


def test_after_two_reprompts_the_severity_question_takes_b(client, register):
    """A (registered) caller who never rates the problem is queued at severity B."""
    register("100200", **CONTOSO)
    post(client, "/ivr/voice", UK)
    verbs = parse(post(client, "/ivr/severity?attempt=3", UK).data)
    assert verbs[-1].name == "Enqueue"
    assert verbs[-1].text == "technical.en.B"


def test_a_forged_signature_is_refused_and_changes_nothing(client, redis_client):
    """A request signed with another token gets 403 and no call record."""
    response = signed_post(client, "/ivr/voice", SWEDEN, "not-our-token")
    assert response.status_code == 403
    assert redis_client.keys("call:*") == []


def test_a_signature_over_the_url_with_its_port_is_accepted(client):
    """Twilio sometimes signs https://host:443/...: the library's port variants are still honoured."""
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature("https://localhost:443/ivr/voice", SWEDEN)
    response = client.post("/ivr/voice", data=SWEDEN, headers={"X-Twilio-Signature": signature}, base_url="https://localhost")
    assert response.status_code == 200


def test_a_signature_with_hmac_sha256_is_accepted_when_the_header_says_so(client):
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://localhost/ivr/voice", SWEDEN, "HMAC_SHA256")
    headers = {"X-Twilio-Signature": signature, "X-Twilio-Webhooks-Signature-Settings": "key=k,algorithm=HMAC_SHA256"}
    assert client.post("/ivr/voice", data=SWEDEN, headers=headers).status_code == 200
    headers["X-Twilio-Webhooks-Signature-Settings"] = "algorithm=HMAC_MD5"
    assert client.post("/ivr/voice", data=SWEDEN, headers=headers).status_code == 403


def test_a_missing_signature_is_refused(client):
    """No X-Twilio-Signature header: 403."""
    assert client.post("/ivr/voice", data=SWEDEN).status_code == 403


def test_a_signature_over_other_parameters_is_refused(client):
    """Tampering with a parameter after signing breaks the signature."""
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://localhost/ivr/menu?attempt=1", {**UK, "Digits": "1"})
    response = client.post("/ivr/menu?attempt=1", data={**UK, "Digits": "2"}, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_a_repeated_parameter_is_signed_with_every_value(client):
    """The library signs each value of a repeated parameter (werkzeug's MultiDict): all of them count."""
    from twilio.request_validator import RequestValidator
    from werkzeug.datastructures import MultiDict

    sent = MultiDict([*UK.items(), ("Digits", "1"), ("Digits", "2")])
    signature = RequestValidator(TWILIO_TOKEN).compute_signature("http://localhost/ivr/menu?attempt=1", sent)
    response = client.post("/ivr/menu?attempt=1", data=sent, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    one_value = MultiDict([*UK.items(), ("Digits", "1")])
    response = client.post("/ivr/menu?attempt=1", data=one_value, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 403


def test_behind_a_proxy_the_signature_covers_the_public_url(settings, redis_client, clock):
    """With PUBLIC_BASE_URL set, the router checks the URL Twilio used, not the one it sees."""
    from dataclasses import replace

    from app import create_app

    app = create_app({"settings": replace(settings, public_base_url="https://support.example.com"), "redis": redis_client, "clock": clock})
    client = app.test_client()
    from twilio.request_validator import RequestValidator

    signature = RequestValidator(TWILIO_TOKEN).compute_signature("https://support.example.com/ivr/menu?attempt=1", UK)
    assert client.post("/ivr/menu?attempt=1", data=UK, headers={"X-Twilio-Signature": signature}).status_code == 200
    assert signed_post(client, "/ivr/menu?attempt=1", UK, TWILIO_TOKEN).status_code == 403


def test_call_state_lives_in_redis_under_the_call_sid_with_an_expiry(client, redis_client):
    """After the language choice Redis holds the line and the language for this CallSid."""
    post(client, "/ivr/voice", SWEDEN)
    post(client, "/ivr/language?attempt=1", {**SWEDEN, "Digits": "1"})
    record = redis_client.hgetall(f"call:{SID}")
    assert (record["line"], record["language"], record["caller"], record["caller_country"]) == ("SE", "sv-SE", "+46701234567", "SE")
    assert 0 < redis_client.ttl(f"call:{SID}") <= 4 * 3600


def test_a_replayed_webhook_gives_the_same_answer(client):
    """Twilio retrying the same step does not move the caller on or count an extra attempt."""
    post(client, "/ivr/voice", UK)
    first = post(client, "/ivr/menu?attempt=2", UK).data
    assert post(client, "/ivr/menu?attempt=2", UK).data == first


def test_the_hold_tells_position_and_estimate_then_plays_music(client):
    """Position 3 after 20 s, callers waiting 200 s on average: about 7 minutes left."""
    verbs = parse(post(client, "/ivr/hold?lang=sv-SE", {**SWEDEN, "QueuePosition": "3", "QueueTime": "20", "AvgQueueTime": "200", "CurrentQueueSize": "4"}).data)
    assert names(verbs) == ["Say", "Say", "Play"]
    assert [verb.text for verb in verbs[:2]] == ["Du är nummer 3 i kön.", "Den beräknade väntetiden är ungefär 7 minuter."]
    assert verbs[2].text.endswith(".mp3")


def test_the_hold_tells_the_first_caller_they_are_next(client):
    """Position 1 gets no estimate: they are next, and thanked for waiting."""
    verbs = parse(post(client, "/ivr/hold?lang=en-GB", {**UK, "QueuePosition": "1", "AvgQueueTime": "30"}).data)
    assert [verb.text for verb in verbs if verb.name == "Say"] == [
        "You are next in line.", "Thank you for waiting. An agent will be with you as soon as possible.",
    ]


def test_the_hold_survives_a_language_it_does_not_know(client):
    """A mangled lang parameter falls back to English rather than failing."""
    verbs = parse(post(client, "/ivr/hold?lang=xx-YY", {**UK, "QueuePosition": "x"}).data)
    assert names(verbs) == ["Say", "Play"]


@pytest.mark.parametrize("result", ["queue-full", "error", "system-error"])
def test_a_queue_failure_is_apologised_for(client, result):
    """Twilio could not hold the caller: they hear why and a goodbye, not silence."""
    post(client, "/ivr/voice", UK)
    verbs = parse(post(client, "/ivr/queue-result", {**UK, "QueueResult": result}).data)
    assert names(verbs) == ["Say", "Hangup"]
    assert verbs[0].text.startswith("We are sorry, we could not place your call in the queue.")


def test_a_bridged_call_ends_quietly(client, redis_client):
    """After the agent's conversation the caller simply hangs up; the record notes why they left."""
    post(client, "/ivr/voice", UK)
    verbs = parse(post(client, "/ivr/queue-result", {**UK, "QueueResult": "bridged"}).data)
    assert names(verbs) == ["Hangup"]
    assert redis_client.hget(f"call:{SID}", "queue_result") == "bridged"


def test_the_status_callback_closes_the_call_record(client, redis_client):
    """CallStatus=completed marks the record ended and shortens its life to minutes."""
    post(client, "/ivr/voice", UK)
    response = post(client, "/ivr/status", {**UK, "CallStatus": "completed", "CallDuration": "42"})
    assert parse(response.data) == []
    assert redis_client.hget(f"call:{SID}", "status") == "completed"
    assert redis_client.ttl(f"call:{SID}") <= 15 * 60


def test_a_lost_call_record_is_rebuilt_from_twilios_parameters(client, redis_client):
    """If Redis lost the call (expired, flushed), the next webhook still knows the line."""
    post(client, "/ivr/voice", SWEDEN)
    redis_client.flushdb()
    verbs = parse(post(client, "/ivr/menu?attempt=1", {**SWEDEN, "Digits": "1"}).data)
    assert verbs[0].attrs["action"] == "severity?attempt=1&lang=sv-SE"
    assert verbs[0].attrs["language"] == "sv-SE"


def test_with_redis_down_the_caller_gets_an_apology_and_technical_support_at_once(settings, clock):
    """Nothing listens at REDIS_URL: valid TwiML, status 200, well within a second."""
    import redis as redis_lib

    from app import create_app
    from runtime.redis_connection import client_options

    dead = redis_lib.Redis.from_url("redis://127.0.0.1:1/0", **client_options(0.25))
    client = create_app({"settings": settings, "redis": dead, "clock": clock}).test_client()
    for path, params in [("/ivr/voice", SWEDEN), ("/ivr/menu?attempt=1", {**SWEDEN, "Digits": "2"})]:
        started = time.monotonic()
        response = post(client, path, params)
        assert time.monotonic() - started < 1.0
        assert response.status_code == 200
        verbs = parse(response.data)
        assert names(verbs) == ["Say", "Enqueue"]
        assert verbs[0].text.startswith("Vi ber om ursäkt")
        assert verbs[1].text == "technical.sv.B"
        assert verbs[1].attrs["waitUrl"] == "hold?lang=sv-SE&queue=technical.sv.B&recover=1"
    assert names(parse(post(client, "/ivr/status", {**SWEDEN, "CallStatus": "completed"}).data)) == []
    assert names(parse(post(client, "/ivr/queue-result", {**SWEDEN, "QueueResult": "hangup"}).data)) == ["Hangup"]


def test_an_unexpected_error_still_gives_valid_twiml(client, app, monkeypatch):
    """A bug inside the flow becomes an apology, never Twilio's "application error"."""

    def broken(*args, **kwargs):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(parts_of(app).get(AnswerFlow), "menu", broken)
    response = post(client, "/ivr/menu?attempt=1", {**UK, "Digits": "1"})
    assert response.status_code == 200
    assert names(parse(response.data)) == ["Say", "Enqueue"]


def test_a_partial_call_record_counts_as_lost_and_is_rebuilt(client, redis_client):
    """A record holding only a late update (no line) does not break the next webhook."""
    redis_client.hset(f"call:{SID}", mapping={"status": "completed"})
    verbs = parse(post(client, "/ivr/menu?attempt=1", {**UK, "Digits": "3"}).data)
    assert [(verb.name, verb.text) for verb in verbs] == [
        ("Say", "Connecting you to sales."),
        ("Enqueue", "presales.en"),
    ]
    assert redis_client.hget(f"call:{SID}", "line") == "GB"
