"""What a caller hears between verification and the queue, in the languages whose words were wrong."""
from __future__ import annotations

import re

import pytest

from tests.conftest import CONTOSO
from tests.twiml import script
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from tests.conftest import TWILIO_TOKEN

SWEDEN, UK = "+46201605899", "+448000326417"
STRANGER_UK, STRANGER_SE = "+447911999888", "+46709999888"


def code_in(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def call(client, to, from_, answers):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers, hold_cycles=0).play()
    assert transcript.errors == []
    return transcript


@pytest.mark.parametrize(
    ("to", "caller", "keys", "verified", "connecting"),
    [
        (UK, STRANGER_UK, ("1", "2"), "Thank you, you are verified.", "Connecting you to technical support."),
        (SWEDEN, STRANGER_SE, ("1", "1", "2"), "Tack, du är verifierad.", "Vi kopplar dig till teknisk support."),
    ],
)
def test_a_caller_verified_by_code_is_thanked_once(client, register, smtp_inbox, to, caller, keys, verified, connecting):
    """After the code: one thank-you ("verified"), then "Connecting you to ..." with no second thanks and no
    request for account details the router already has."""
    register("100200", **CONTOSO)
    transcript = call(client, to, caller, script(*keys, "100200#", "3", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    assert transcript.said()[-2:] == [verified, connecting]


def test_an_unverified_caller_is_not_asked_for_account_details_the_agent_cannot_see(client):
    """Three unknown account numbers: the warning that the agent cannot access the account, then only the queue."""
    transcript = call(client, UK, STRANGER_UK, ["1", "2", "999999#", "999998#", "999997#"])
    assert transcript.said()[-2:] == [
        "We will put you through, but the agent will not be able to access your organisation's account.",
        "Connecting you to technical support.",
    ]


def test_the_swedish_billing_caller_hears_billing_is_in_english_before_verification(client, register, smtp_inbox):
    """Swedish, billing: "Fakturasupport ges på engelska." comes before the account question, and not again at the end."""
    register("100200", **CONTOSO)
    transcript = call(client, SWEDEN, STRANGER_SE, script("1", "2", "100200#", "3",
                                                         lambda: code_in(smtp_inbox.messages[-1].get_content())))
    said = transcript.said()
    notice = "Fakturasupport ges på engelska."
    assert said.count(notice) == 1
    assert said.index(notice) < said.index("Ange din organisations kontonummer och avsluta med fyrkant.")
    assert said[-1] == "Vi kopplar dig till fakturasupport."
    assert transcript.queue == "billing.en.B"


def test_a_registered_swedish_billing_caller_hears_the_notice_once(client, register):
    """Verified by their phone, the caller hears the language notice once and is queued in English."""
    register("100200", **CONTOSO)
    said = call(client, SWEDEN, "+46701234567", ["1", "2"]).said()
    assert said[-2:] == ["Fakturasupport ges på engelska.", "Vi kopplar dig till fakturasupport."]
