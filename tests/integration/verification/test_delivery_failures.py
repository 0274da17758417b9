"""A delivery that fails is no send: it does not use up the organisation's codes, and the caller is told
"we are sending" until the code is known to have left, and offered the other channel when it did not."""
from __future__ import annotations

import socket
import time
from dataclasses import replace

from app import create_app
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import parse, script, signed_post
from tests.integration.verification.test_verification_calls import STRANGER, UK_LINE, call, code_in, record
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

SENDING = ("We are sending a six-digit code to the address beginning with j at contoso.com. "
           "It may take a moment to arrive.")


def test_smtp_down_three_times_leaves_the_budget_for_a_code_by_sms(client, register, smtp_inbox, twilio_api, redis_client):
    """Three e-mails that cannot be sent (the limit is three codes per organisation): each is said, the channels
    are offered again, and the fourth try, by SMS, is sent and verifies; the failures are not counted."""
    register("100200", **CONTOSO)
    smtp_inbox.stop()
    transcript = call(client, STRANGER, script("2", "100200#", "3", "3", "3", "1", lambda: code_in(twilio_api.sent[-1]["Body"])))
    said = transcript.said()
    assert said.count("We could not send the code by e-mail.") == 3
    assert "Too many codes have been requested recently, so we cannot send another one now." not in said
    assert record(redis_client, transcript)["verified_by"] == "sms"
    assert redis_client.zcard("otp-sent:org:100200") == 1  # only the code that left


def test_a_black_holed_smtp_server_says_sending_then_offers_the_other_channel(settings, redis_client, clock, twilio_api):
    """SMTP accepts the connection and never answers: the caller hears "we are sending" (not "we have sent");
    once the send has timed out, their next step hears it failed and is offered the channels, and SMS works."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        app = create_app({"settings": replace(settings, smtp_port=silent.getsockname()[1], delivery_timeout=0.6,
                                              delivery_wait=0.2), "redis": redis_client, "clock": clock})
        parts_of(app).get(Directory).put(parse_organisation("100200", CONTOSO))
        client = app.test_client()
        params = {"CallSid": "CA" + "b" * 32, "To": UK_LINE, "From": STRANGER}
        for path, digits in (("/ivr/voice", ""), ("/ivr/menu?attempt=1", "2"), ("/ivr/verify-account?attempt=1", "100200#")):
            signed_post(client, path, {**params, "Digits": digits}, TWILIO_TOKEN)
        asked = parse(signed_post(client, "/ivr/verify-channel?attempt=1&sent=0", {**params, "Digits": "3"}, TWILIO_TOKEN).data)
        assert asked[0].says()[0] == SENDING
        deadline = time.monotonic() + 5
        while redis_client.hget("call:" + params["CallSid"], "delivery") != "failed:1" and time.monotonic() < deadline:
            time.sleep(0.05)
        verbs = parse(signed_post(client, "/ivr/" + asked[0].attrs["action"], {**params, "Digits": "123456"}, TWILIO_TOKEN).data)
        assert verbs[0].says()[0] == "We could not send the code by e-mail."
        assert verbs[0].attrs["action"].startswith("verify-channel?")
        offer = parse(signed_post(client, "/ivr/" + verbs[0].attrs["action"], {**params, "Digits": "1"}, TWILIO_TOKEN).data)
        assert offer[0].says()[0].startswith("We have sent a six-digit code to the phone ending in")
        assert redis_client.zcard("otp-sent:org:100200") == 1
    finally:
        silent.close()
