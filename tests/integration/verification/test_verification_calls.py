"""The PIN step on real calls: signed webhooks, codes delivered over real SMTP
and to a stand-in for Twilio's Messages API, read back by the caller."""
from __future__ import annotations

import logging
import re
import socket
import time
from dataclasses import replace
from datetime import timedelta

from app import create_app
from call_store.waiting import WaitingRoom
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import parse, script, signed_post
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

UK_LINE = "+448000326417"
STRANGER = "+447912999888"  # on no organisation's profile
FABRIKAM = {"name": "Fabrikam", "registered_phones": ["+447911123456"], "registered_emails": ["it@fabrikam.example"],
            "purchased_via": "direct", "plan": "elevated"}
PARTNERED = {"name": "Northwind", "registered_phones": ["+447911777666"], "registered_emails": [], "purchased_via": "partner"}


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def call(client, from_, answers, to=UK_LINE):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers).play()
    assert transcript.errors == []
    return transcript


def record(redis_client, transcript):
    return redis_client.hgetall(f"call:{transcript.requests[0][1]['CallSid']}")


def test_a_caller_whose_number_is_registered_passes_without_a_code(client, register, redis_client, smtp_inbox):
    """Registered on exactly one organisation: straight to the queue, verified by phone."""
    register("100200", **CONTOSO)
    transcript = call(client, "+447911123456", script("2"))
    assert transcript.queue == "billing.en.B"
    assert record(redis_client, transcript)["verified_by"] == "registered-phone"
    assert smtp_inbox.messages == []


def test_a_number_on_several_organisations_is_asked_which_account(client, register, redis_client):
    """Both Contoso and Fabrikam list the number: the caller picks Fabrikam by key."""
    register("100200", **CONTOSO)
    register("300400", **FABRIKAM)
    transcript = call(client, "+447911123456", script("1", "2", "2"))
    assert "For Contoso, press 1." in transcript.said() and "For Fabrikam, press 2." in transcript.said()
    state = record(redis_client, transcript)
    assert (state["org"], state["verified"], transcript.queue) == ("300400", "yes", "technical.en.B")


def test_an_unregistered_caller_is_verified_by_a_code_sent_by_email(client, register, redis_client, smtp_inbox):
    """Account number, e-mail chosen, the code arrives over SMTP in English and is keyed back."""
    register("100200", **CONTOSO)
    transcript = call(client, STRANGER, script("2", "100200#", "3", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    said = transcript.said()
    assert "For a code by e-mail to the address beginning with j at contoso.com, press 3." in said
    assert "For a code by text message to the phone ending in 4 5 6 7, press 1." in said
    assert "We have sent a six-digit code to the address beginning with j at contoso.com." in said
    assert "Thank you, you are verified." in said
    message = smtp_inbox.messages[-1]
    assert (message["To"], message["From"], message["Subject"]) == ("jane.doe@contoso.com", "support@router.test", "Your support verification code")
    state = record(redis_client, transcript)
    assert (state["verified"], state["verified_by"], state["org"], transcript.queue) == ("yes", "email", "100200", "billing.en.B")


def test_an_unregistered_caller_is_verified_by_a_code_sent_by_sms(client, register, redis_client, twilio_api):
    """SMS chosen: Twilio's Messages API gets To, From and the body; the caller keys the code."""
    register("100200", **CONTOSO)
    transcript = call(client, STRANGER, script("1", "1", "100200#", "1", lambda: code_in(twilio_api.sent[-1]["Body"])))
    sent = twilio_api.sent[-1]
    assert (sent["To"], sent["From"]) == ("+46701234567", "+15005550006")
    assert sent["Body"].startswith("Your support verification code is ")
    assert (record(redis_client, transcript)["verified_by"], transcript.queue) == ("sms", "technical.en.A")


def test_the_code_message_is_in_the_callers_language(client, register, smtp_inbox):
    """A caller who chose Swedish gets the e-mail in Swedish."""
    register("100200", **CONTOSO)
    call(client, "+46709999999", script("1", "1", "1", "100200#", "3", ""), to="+46201605899")
    assert smtp_inbox.messages[-1]["Subject"] == "Din verifieringskod för supporten"


def test_an_unknown_account_is_asked_three_times_then_the_caller_goes_on_unverified(client, redis_client):
    """No such account: said twice, then the agent-cannot-access warning, and still queued."""
    transcript = call(client, STRANGER, script("2", "999999#", "999998#", "999997#"))
    said = transcript.said()
    assert said.count("We could not find that account number.") == 2
    assert "We will put you through, but the agent will not be able to access your organisation's account." in said
    assert (record(redis_client, transcript)["verified"], transcript.queue) == ("no", "billing.en.B")


def test_a_partner_organisation_is_sent_to_its_partner_with_sales_still_reachable(client, register):
    """Bought through a partner: told to contact the partner; pressing 3 reaches presales."""
    register("500600", **PARTNERED)
    transcript = call(client, "+447911777666", script("2", "3"))
    assert "Your organisation bought its subscriptions through a partner, who provides its support. Please contact your partner." in transcript.said()
    assert transcript.queue == "presales.en"


def test_a_partner_organisation_caller_who_does_not_want_sales_hears_goodbye(client, register):
    """No key at the partner notice: a polite goodbye, no queue."""
    register("500600", **PARTNERED)
    transcript = call(client, "+447911777666", script("1", "1"))
    assert (transcript.outcome, transcript.said()[-1]) == ("hangup", "Thank you for calling. Goodbye.")


def test_a_wrong_code_can_be_tried_again(client, register, smtp_inbox, redis_client):
    """One wrong entry, then the right one: verified."""
    register("100200", **CONTOSO)
    right = lambda: code_in(smtp_inbox.messages[-1].get_content())  # noqa: E731
    wrong = lambda: "000000" if right() != "000000" else "111111"  # noqa: E731
    transcript = call(client, STRANGER, script("2", "100200#", "3", wrong, right))
    assert "That code is not right. Please try again." in transcript.said()
    assert record(redis_client, transcript)["verified"] == "yes"


def test_three_wrong_codes_kill_the_code_and_star_sends_a_new_one(client, register, smtp_inbox, redis_client):
    """After three wrong entries the code is dead; star sends a fresh one, which works."""
    register("100200", **CONTOSO)
    first = {}

    def wrong():
        first.setdefault("code", code_in(smtp_inbox.messages[-1].get_content()))
        return "000000" if first["code"] != "000000" else "111111"

    transcript = call(client, STRANGER, script(
        "2", "100200#", "3", wrong, wrong, wrong, "*", lambda: code_in(smtp_inbox.messages[-1].get_content()),
    ))
    said = transcript.said()
    assert "That code was entered wrongly too many times and no longer works." in said
    assert len(smtp_inbox.messages) == 2
    assert record(redis_client, transcript)["verified"] == "yes"


def test_a_code_keyed_after_ten_minutes_has_expired(client, register, smtp_inbox, clock, redis_client):
    """The clock moves 10 minutes while the caller looks for the e-mail: the code no longer works."""
    register("100200", **CONTOSO)

    def late_code():
        clock.at += timedelta(minutes=10)
        return code_in(smtp_inbox.messages[-1].get_content())

    transcript = call(client, STRANGER, script("2", "100200#", "3", late_code))
    assert "That code is no longer valid." in transcript.said()
    assert record(redis_client, transcript)["verified"] == "no"


def test_a_new_code_replaces_the_old_one(client, register, smtp_inbox, redis_client):
    """Star before typing: a second code is sent and the first stops working."""
    register("100200", **CONTOSO)
    codes = []

    def old_code():
        return codes[0]

    def resend():
        codes.append(code_in(smtp_inbox.messages[-1].get_content()))
        return "*"

    transcript = call(client, STRANGER, script("2", "100200#", "3", resend, old_code,
                                               lambda: code_in(smtp_inbox.messages[-1].get_content())))
    assert "That code is not right. Please try again." in transcript.said()
    assert record(redis_client, transcript)["verified"] == "yes"


def test_smtp_down_offers_the_other_channel(client, register, smtp_inbox, twilio_api, redis_client):
    """The e-mail cannot be sent: the caller hears so, picks SMS, and is verified."""
    register("100200", **CONTOSO)
    smtp_inbox.stop()
    transcript = call(client, STRANGER, script("2", "100200#", "3", "1", lambda: code_in(twilio_api.sent[-1]["Body"])))
    assert "We could not send the code by e-mail." in transcript.said()
    assert record(redis_client, transcript)["verified_by"] == "sms"


def test_a_twilio_error_offers_the_other_channel(client, register, smtp_inbox, twilio_api, redis_client):
    """Twilio refuses the message: the caller hears so and takes e-mail instead."""
    register("100200", **CONTOSO)
    twilio_api.fail_with = 400
    transcript = call(client, STRANGER, script("2", "100200#", "1", "3", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    assert "We could not send the code by text message." in transcript.said()
    assert record(redis_client, transcript)["verified_by"] == "email"


def test_the_fourth_code_for_an_organisation_within_fifteen_minutes_is_refused(client, register, smtp_inbox, redis_client):
    """Three codes sent, the fourth request is refused and the caller goes on unverified."""
    register("100200", **CONTOSO)
    transcript = call(client, STRANGER, script("2", "100200#", "3", "*", "*", "*"))
    assert len(smtp_inbox.messages) == 3
    assert "Too many codes have been requested recently, so we cannot send another one now." in transcript.said()
    assert record(redis_client, transcript)["verified"] == "no"


def test_codes_never_reach_the_log(client, register, smtp_inbox, caplog):
    """Even at DEBUG, no log line carries the code that was sent."""
    register("100200", **CONTOSO)
    caplog.set_level(logging.DEBUG)
    call(client, STRANGER, script("2", "100200#", "3", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    code = code_in(smtp_inbox.messages[-1].get_content())
    ours = [record.getMessage() for record in caplog.records if not record.name.startswith("mail")]  # not the test SMTP server's
    assert ours and not any(code in line for line in ours)


def test_every_send_and_check_is_audited_with_masked_destinations(client, register, smtp_inbox, app):
    """The audit shows the caller masked, the channel, the masked address and each result."""
    register("100200", **CONTOSO)
    call(client, STRANGER, script("2", "100200#", "3", "000001", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    response = client.get("/admin/api/verification/audit?account=100200", headers={"Authorization": "Bearer test-admin-token"})
    entries = [(e["actor"], e["action"], e["channel"], e["destination"], e["result"]) for e in reversed(response.json["entries"])]
    assert entries[0] == ("caller +4479******88", "send", "email", "j•••@contoso.com", "sent")
    assert [entry[4] for entry in entries[1:]] == ["wrong", "verified"]


def test_a_slow_smtp_server_does_not_hold_the_caller_beyond_a_second(client, register, settings, redis_client, clock, app):
    """An SMTP server that accepts the connection and never answers: the webhook still answers within a second,
    the caller is asked for the code, and the audit says the send is still under way."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        slow = create_app({"settings": replace(settings, smtp_port=silent.getsockname()[1], delivery_timeout=5.0),
                           "redis": redis_client, "clock": clock})
        parts_of(slow).get(Directory).put(parse_organisation("100200", CONTOSO))
        slow_client = slow.test_client()
        sid = "CA" + "8" * 32
        params = {"CallSid": sid, "To": UK_LINE, "From": STRANGER}
        signed_post(slow_client, "/ivr/voice", params, TWILIO_TOKEN)
        signed_post(slow_client, "/ivr/menu?attempt=1", {**params, "Digits": "2"}, TWILIO_TOKEN)
        signed_post(slow_client, "/ivr/verify-account?attempt=1", {**params, "Digits": "100200"}, TWILIO_TOKEN)
        started = time.monotonic()
        response = signed_post(slow_client, "/ivr/verify-channel?attempt=1", {**params, "Digits": "3"}, TWILIO_TOKEN)
        assert time.monotonic() - started < 1.0
        assert parse(response.data)[0].attrs["action"] == "verify-code?attempt=1&account=100200&sent=1&lang=en-GB"
        audit = slow_client.get("/admin/api/verification/audit", headers={"Authorization": "Bearer test-admin-token"}).json
        assert audit["entries"][0]["result"] == "sending"
    finally:
        silent.close()


def test_a_replayed_code_step_keeps_the_caller_verified_and_queued_once(client, register, redis_client, smtp_inbox, app):
    """Twilio sends the verify-code webhook twice: the spent code does not turn the caller into an unverified one."""
    register("100200", **CONTOSO)
    params = {"CallSid": "CA" + "9" * 32, "To": UK_LINE, "From": STRANGER}
    for path, digits in (("/ivr/voice", ""), ("/ivr/menu?attempt=1", "2"), ("/ivr/verify-account?attempt=1", "100200#"),
                         ("/ivr/verify-channel?attempt=1", "3")):
        signed_post(client, path, {**params, "Digits": digits}, TWILIO_TOKEN)
    code = code_in(smtp_inbox.messages[-1].get_content())
    for _ in range(2):
        verbs = parse(signed_post(client, "/ivr/verify-code?attempt=1&account=100200", {**params, "Digits": code}, TWILIO_TOKEN).data)
        assert (verbs[0].text, verbs[-1].name) == ("Thank you, you are verified.", "Enqueue")
    assert redis_client.hget("call:" + params["CallSid"], "verified") == "yes"
    assert [entry.sid for entry in parts_of(app).get(WaitingRoom).everyone()] == [params["CallSid"]]


def test_a_replayed_send_step_sends_one_code_and_counts_one_send(client, register, smtp_inbox, app):
    """Twilio sends the verify-channel webhook twice: one e-mail, the same question, one send against the limit;
    the caller's own star afterwards still gets a new code."""
    register("100200", **CONTOSO)
    params = {"CallSid": "CA" + "8" * 32, "To": UK_LINE, "From": STRANGER}
    for path, digits in (("/ivr/voice", ""), ("/ivr/menu?attempt=1", "2"), ("/ivr/verify-account?attempt=1", "100200#")):
        signed_post(client, path, {**params, "Digits": digits}, TWILIO_TOKEN)
    answers = [parse(signed_post(client, "/ivr/verify-channel?attempt=1&sent=0", {**params, "Digits": "3"}, TWILIO_TOKEN).data)
               for _ in range(2)]
    assert len(smtp_inbox.messages) == 1
    assert answers[0][0].says() == answers[1][0].says() == [
        "We have sent a six-digit code to the address beginning with j at contoso.com.",
        "Please enter the code now. To get a new code, press star."]
    resend = answers[1][0].attrs["action"]
    signed_post(client, "/ivr/" + resend, {**params, "Digits": "*"}, TWILIO_TOKEN)
    assert len(smtp_inbox.messages) == 2
    audit = client.get("/admin/api/verification/audit?account=100200", headers={"Authorization": "Bearer test-admin-token"})
    assert [entry["result"] for entry in reversed(audit.json["entries"])] == ["sent", "repeated request: not sent again", "sent"]


# Twilio's <Gather> (https://www.twilio.com/docs/voice/twiml/gather): numDigits submits as soon as that many
# digits are in; finishOnKey (0-9, # or *) ends the input at once and is not part of Digits; actionOnEmptyResult
# posts to the action even when nothing was gathered (by default an empty <Gather> falls through to the next verb).
def test_the_code_question_ends_on_six_digits_or_at_once_on_star(client, register, smtp_inbox):
    """The code <Gather>: six keys post at once (numDigits), star posts at once (finishOnKey), even alone."""
    register("100200", **CONTOSO)
    params = {"CallSid": "CA" + "9" * 32, "To": UK_LINE, "From": STRANGER}
    for path, digits in (("/ivr/voice", ""), ("/ivr/menu?attempt=1", "2"), ("/ivr/verify-account?attempt=1", "100200#")):
        signed_post(client, path, {**params, "Digits": digits}, TWILIO_TOKEN)
    gather = parse(signed_post(client, "/ivr/verify-channel?attempt=1&sent=0", {**params, "Digits": "3"}, TWILIO_TOKEN).data)[0]
    assert gather.name == "Gather"
    assert {name: gather.attrs.get(name) for name in ("numDigits", "finishOnKey", "actionOnEmptyResult", "input")} == {
        "numDigits": "6", "finishOnKey": "*", "actionOnEmptyResult": "true", "input": "dtmf"}
    # Star pressed alone: Twilio posts no digits and names the key that ended the input.
    again = parse(signed_post(client, "/ivr/" + gather.attrs["action"], {**params, "Digits": "", "FinishedOnKey": "*"},
                              TWILIO_TOKEN).data)
    assert len(smtp_inbox.messages) == 2
    assert again[0].says()[0] == "We have sent a six-digit code to the address beginning with j at contoso.com."
    # Silence: actionOnEmptyResult posts neither digits nor a finish key: asked again, no code sent.
    silent = parse(signed_post(client, "/ivr/" + again[0].attrs["action"], params, TWILIO_TOKEN).data)
    assert silent[0].says()[0] == "Sorry, I didn't hear anything." and len(smtp_inbox.messages) == 2


def test_star_alone_reaches_the_router_at_once_in_a_simulated_call(client, register, smtp_inbox, redis_client):
    """Through the simulator: star ends the code <Gather> without the timeout; the second code verifies."""
    register("100200", **CONTOSO)
    transcript = call(client, STRANGER, script("2", "100200#", "3", "*", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    posted = [params for url, params in transcript.requests if "/ivr/verify-code" in url]
    assert posted[0]["Digits"] == "" and posted[0]["FinishedOnKey"] == "*"
    assert len(smtp_inbox.messages) == 2 and record(redis_client, transcript)["verified"] == "yes"
