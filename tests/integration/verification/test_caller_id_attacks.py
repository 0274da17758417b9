"""Caller ID as an attacker uses it (issue 16): a spoofed registered number does not pass when the
admin requires SHAKEN/STIR attestation and the carrier's verdict is less than full, and a replayed
entry webhook does not reset a call under way.

Twilio sends `StirVerstat` with the voice webhook for calls that carry a SHAKEN/STIR identity
("TN-Validation-Passed-A" is full attestation: the carrier knows the caller and their right to the
number; B and C are partial and gateway; TN-Validation-Failed-* and No-TN-Validation otherwise), per
Twilio's "Trusted Calling with SHAKEN/STIR" (twilio.com/docs/voice/trusted-calling-with-shakenstir)
and its changelog "Twilio performs SHAKEN/STIR verification on incoming calls to your phone numbers".
"""
from __future__ import annotations

import re
from dataclasses import replace

import pytest

from app import create_app
from call_store.waiting import WaitingRoom
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import parse, signed_post
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

REGISTERED = "+447911123456"  # on Contoso's profile
SID = "CA" + "5" * 32


@pytest.fixture
def strict_app(settings, redis_client, clock):
    app = create_app({"settings": replace(settings, require_stir_attestation=True), "redis": redis_client, "clock": clock})
    parts_of(app).get(Directory).put(parse_organisation("100200", CONTOSO))
    return app


def billing_call(client, attestation: str | None):
    """Dial in, pick English if asked, billing: where the registered-number pass would happen."""
    base = {"CallSid": SID, "To": "+448000326417", "From": REGISTERED}
    if attestation is not None:
        base["StirVerstat"] = attestation
    signed_post(client, "/ivr/voice", base, TWILIO_TOKEN)
    return parse(signed_post(client, "/ivr/menu?attempt=1", {**base, "Digits": "2"}, TWILIO_TOKEN).data)


@pytest.mark.parametrize("verdict", ["TN-Validation-Passed-B", "TN-Validation-Passed-C", "TN-Validation-Failed-A",
                                     "No-TN-Validation"])
def test_a_registered_number_without_full_attestation_must_prove_the_account(strict_app, redis_client, verdict):
    """REQUIRE_STIR_ATTESTATION: a verdict below A sends the caller to the account number and a code."""
    verbs = billing_call(strict_app.test_client(), verdict)
    assert verbs[0].attrs["action"].startswith("verify-account")
    assert redis_client.hget("call:" + SID, "verified") != "yes"


@pytest.mark.parametrize("verdict", ["TN-Validation-Passed-A", None])
def test_full_attestation_or_no_verdict_keeps_the_phone_check(strict_app, redis_client, verdict):
    """A attestation passes as before; so does a call with no verdict at all (no SHAKEN/STIR where it came from)."""
    billing_call(strict_app.test_client(), verdict)
    assert redis_client.hgetall("call:" + SID)["verified_by"] == "registered-phone"


def test_a_replayed_entry_webhook_does_not_reset_a_call_under_way(client, register, redis_client):
    """/ivr/voice sent again for a call already verified and queued: org, verified and the queue stay."""
    register("100200", **CONTOSO)
    base = {"CallSid": SID, "To": "+448000326417", "From": REGISTERED}
    signed_post(client, "/ivr/voice", base, TWILIO_TOKEN)
    signed_post(client, "/ivr/menu?attempt=1", {**base, "Digits": "2"}, TWILIO_TOKEN)
    before = redis_client.hgetall("call:" + SID)
    assert before["verified"] == "yes" and before["status"] == "queued"
    assert signed_post(client, "/ivr/voice", base, TWILIO_TOKEN).status_code == 200
    after = redis_client.hgetall("call:" + SID)
    assert {key: after[key] for key in ("org", "org_name", "verified", "verified_by", "status", "queue_name")} == \
        {key: before[key] for key in ("org", "org_name", "verified", "verified_by", "status", "queue_name")}


def test_a_replayed_entry_webhook_keeps_a_code_verified_caller_verified_and_in_place(client, register, redis_client,
                                                                                      smtp_inbox, app):
    """A stranger's number, verified by an e-mailed code and queued; the captured `/ivr/voice` sent again
    (signed, as Twilio would resend it, https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides)
    answers with TwiML and leaves the organisation, the verification, the queue and the place in line as they were:
    `AnswerFlow.answer` reads the call under way and writes nothing for it."""
    register("100200", **CONTOSO)
    params = {"CallSid": SID, "To": "+448000326417", "From": "+447912999888"}
    for path, digits in (("/ivr/voice", ""), ("/ivr/menu?attempt=1", "2"), ("/ivr/verify-account?attempt=1", "100200#"),
                         ("/ivr/verify-channel?attempt=1", "3")):
        signed_post(client, path, {**params, "Digits": digits}, TWILIO_TOKEN)
    code = re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)
    verbs = parse(signed_post(client, "/ivr/verify-code?attempt=1&account=100200", {**params, "Digits": code},
                              TWILIO_TOKEN).data)
    assert verbs[-1].name == "Enqueue"
    waiting = parts_of(app).get(WaitingRoom)
    before, place = redis_client.hgetall("call:" + SID), [(entry.sid, entry.since) for entry in waiting.everyone()]
    assert (before["org"], before["verified"], before["verified_by"], before["status"]) == ("100200", "yes", "email",
                                                                                             "queued")
    for _ in range(2):
        replay = signed_post(client, "/ivr/voice", params, TWILIO_TOKEN)
        assert replay.status_code == 200 and parse(replay.data)  # valid TwiML, as for the first request
    assert redis_client.hgetall("call:" + SID) == before
    assert [(entry.sid, entry.since) for entry in waiting.everyone()] == place == [(SID, place[0][1])]
