"""What reaches the log when an attacker shapes the input (issue 16): no forged lines from a CallSid
with a newline, and no contact details in clear even when Redis quotes the write it refused."""
from __future__ import annotations

import logging

import pytest

from runtime.logs import TEXT_FORMAT, CallContext
from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import signed_post
from tests.integration.verification.test_verification_calls import STRANGER, call
from tests.twiml import script

FORGED = "ERROR admin [-] alice signed in"  # fits in the 64 characters a CallSid is cut to


@pytest.fixture
def logging_to_stderr(caplog):
    """What the router's own handler writes: its filter and its line format, on the handler this test reads."""
    caplog.handler.addFilter(CallContext())
    caplog.handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    caplog.set_level(logging.INFO)
    return caplog


def test_a_callsid_with_a_newline_cannot_forge_a_log_line(client, logging_to_stderr):
    """The CallSid and the path's values are written on the webhook's own line, newline escaped."""
    signed_post(client, "/ivr/voice", {"CallSid": "CA1\n" + FORGED, "To": "+448000326417", "From": "+447911123456"},
                TWILIO_TOKEN)
    lines = logging_to_stderr.text.splitlines()
    assert not any(line.startswith(FORGED) for line in lines)
    assert any("\\n" + FORGED in line for line in lines)


@pytest.fixture
def refusing_writes(redis_client):
    """Redis itself refusing writes (a primary without the replicas it is told to need), as in a failover."""
    yield lambda: redis_client.config_set("min-replicas-to-write", 1)
    redis_client.config_set("min-replicas-to-write", 0)


def test_contact_details_are_masked_when_redis_refuses_a_write(client, register, logging_to_stderr, refusing_writes,
                                                                smtp_inbox):
    """The refused write names the code's destination; the log shows neither it nor any secret the command held."""
    register("100200", **CONTOSO)
    logging_to_stderr.clear()
    call(client, STRANGER, script("2", "100200#", lambda: (refusing_writes(), "3")[1]))
    err = logging_to_stderr.text
    assert "Redis unavailable" in err
    assert "jane.doe@contoso.com" not in err and STRANGER not in err
    assert "j•••@contoso.com" in err or "+4479******88" in err
    assert "(EVAL ...)" in err or "(HSET ...)" in err or "(MULTI ...)" in err  # the command named, its values not


def test_masking_finds_numbers_and_addresses_anywhere_in_a_message():
    """Phones in E.164 or spaced, e-mails of any shape: masked; other figures left alone."""
    from runtime.masking import mask_contacts, one_line
    text = "sms:+46709999999 email:ceo@victim.example tel +44 7911 123456 at 2026-12-01 12:00, 42 tries"
    assert mask_contacts(text) == "sms:+4670*****99 email:c•••@victim.example tel +4479******56 at 2026-12-01 12:00, 42 tries"
    assert one_line("CA1\r\nforged\u2028") == "CA1\\r\\nforged\\u2028"
