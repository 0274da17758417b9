"""Every step of a caller's call, compared with the exact TwiML document Twilio should receive: every verb,
attribute, text and nesting (tests/twiml.py `assert_document`), for a line of each shape: one language, several
languages, a closed queue, a public holiday, a caller verified by their number and one verified by a code, the
hold and its callback offer, the queue's end and the status callback.

What each verb and attribute does is Twilio's: <Gather> https://www.twilio.com/docs/voice/twiml/gather (input,
numDigits, finishOnKey, actionOnEmptyResult, timeout, speechTimeout, language, hints; silence falls through to
the next verb), <Say> https://www.twilio.com/docs/voice/twiml/say (voice, language), <Redirect>
https://www.twilio.com/docs/voice/twiml/redirect, <Enqueue> https://www.twilio.com/docs/voice/twiml/enqueue
(action is requested when the caller leaves the queue, with QueueResult; waitUrl is played while they wait and
requested again each time it ends), <Leave> https://www.twilio.com/docs/voice/twiml/leave (valid in a waitUrl
document; the caller goes on to the Enqueue action with QueueResult=leave), <Play>
https://www.twilio.com/docs/voice/twiml/play and <Hangup> https://www.twilio.com/docs/voice/twiml/hangup.
"""
from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from tests.conftest import CONTOSO, TWILIO_TOKEN
from tests.twiml import assert_document, signed_post

UK = {"CallSid": "CA" + "1" * 32, "To": "+448000326417", "From": "+447911123456"}  # registered on Contoso
SWEDEN = {"CallSid": "CA" + "2" * 32, "To": "+46201605899", "From": "+46701234567"}  # registered on Contoso
STRANGER = {"CallSid": "CA" + "3" * 32, "To": "+448000326417", "From": "+447912999888"}  # on no profile

UK_WELCOME_MENU = """
<Response>
  <Gather action="menu?attempt=1&amp;lang=en-GB" hints="technical, tech, support, problem, help, one, billing, bill, invoice, subscription, payment, licence, license, two, sales, buy, purchase, trial, pricing, price, three" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">Welcome to support.</Say>
    <Say language="en-GB" voice="Polly.Amy">For technical support, press 1. Billing, 2. Sales, 3. Or say what you need.</Say>
  </Gather>
  <Redirect method="POST">menu?attempt=1&amp;lang=en-GB</Redirect>
</Response>
"""

UK_SEVERITY = """
<Response>
  <Gather action="severity?attempt=1&amp;lang=en-GB" hints="down, outage, unusable, critical, emergency, one, degraded, slow, partly, partial, two, question, minor, less, other, three" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">If a service is down or unusable, press 1; degraded, 2; anything else, 3.</Say>
  </Gather>
  <Redirect method="POST">severity?attempt=1&amp;lang=en-GB</Redirect>
</Response>
"""

UK_TECHNICAL_A = """
<Response>
  <Say language="en-GB" voice="Polly.Amy">Connecting you to technical support.</Say>
  <Enqueue action="queue-result" method="POST" waitUrl="hold?lang=en-GB&amp;queue=technical.en.A" waitUrlMethod="POST">technical.en.A</Enqueue>
</Response>
"""

SE_LANGUAGES = """
<Response>
  <Gather action="language?attempt=1&amp;lang=sv-SE" hints="svenska, swedish, english" input="dtmf speech" language="sv-SE" method="POST" numDigits="1" speechTimeout="auto" timeout="1">
    <Say language="sv-SE" voice="Polly.Astrid">Välkommen till supporten.</Say>
    <Say language="sv-SE" voice="Polly.Astrid">För svenska, tryck 1.</Say>
  </Gather>
  <Gather action="language?attempt=1&amp;lang=sv-SE" hints="svenska, swedish, english" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">For English, press 2.</Say>
  </Gather>
  <Redirect method="POST">language?attempt=1&amp;lang=sv-SE</Redirect>
</Response>
"""

SE_MENU = """
<Response>
  <Gather action="menu?attempt=1&amp;lang=sv-SE" hints="teknisk, tekniskt, teknik, support, problem, fel, ett, fakturasupport, faktura, fakturor, fakturering, prenumeration, betalning, licens, licenser, två, köp, köpa, köpfrågor, försäljning, pris, priser, provperiod, tre" input="dtmf speech" language="sv-SE" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="sv-SE" voice="Polly.Astrid">För teknisk support, tryck 1. Fakturasupport, 2. Försäljning, 3. Eller säg vad det gäller.</Say>
  </Gather>
  <Redirect method="POST">menu?attempt=1&amp;lang=sv-SE</Redirect>
</Response>
"""

SE_BILLING_IN_ENGLISH = """
<Response>
  <Say language="sv-SE" voice="Polly.Astrid">Fakturasupport ges på engelska.</Say>
  <Say language="sv-SE" voice="Polly.Astrid">Vi kopplar dig till fakturasupport.</Say>
  <Enqueue action="queue-result" method="POST" waitUrl="hold?lang=sv-SE&amp;queue=billing.en.B" waitUrlMethod="POST">billing.en.B</Enqueue>
</Response>
"""

UK_ACCOUNT_NUMBER = """
<Response>
  <Gather action="verify-account?attempt=1&amp;lang=en-GB" input="dtmf" method="POST" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">Please enter your organisation's account number, followed by the hash key.</Say>
  </Gather>
  <Redirect method="POST">verify-account?attempt=1&amp;lang=en-GB</Redirect>
</Response>
"""

UK_CHANNELS = """
<Response>
  <Gather action="verify-channel?attempt=1&amp;sent=0&amp;lang=en-GB" input="dtmf" method="POST" numDigits="1" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">Before an agent can access your organisation's account, we will send a one-time code to a contact registered on it.</Say>
    <Say language="en-GB" voice="Polly.Amy">For a code by text message to the phone ending in 4 5 6 7, press 1.</Say>
    <Say language="en-GB" voice="Polly.Amy">For a code by text message to the phone ending in 3 4 5 6, press 2.</Say>
    <Say language="en-GB" voice="Polly.Amy">For a code by e-mail to the address beginning with j at contoso.com, press 3.</Say>
  </Gather>
  <Redirect method="POST">verify-channel?attempt=1&amp;sent=0&amp;lang=en-GB</Redirect>
</Response>
"""

UK_CODE = """
<Response>
  <Gather action="verify-code?attempt=1&amp;account=100200&amp;sent=1&amp;lang=en-GB" actionOnEmptyResult="true" finishOnKey="*" input="dtmf" method="POST" numDigits="6" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">We have sent a six-digit code to the address beginning with j at contoso.com.</Say>
    <Say language="en-GB" voice="Polly.Amy">Please enter the code now. To get a new code, press star.</Say>
  </Gather>
  <Redirect method="POST">verify-code?attempt=1&amp;account=100200&amp;sent=1&amp;lang=en-GB</Redirect>
</Response>
"""

UK_VERIFIED_BILLING = """
<Response>
  <Say language="en-GB" voice="Polly.Amy">Thank you, you are verified.</Say>
  <Say language="en-GB" voice="Polly.Amy">Connecting you to billing.</Say>
  <Enqueue action="queue-result" method="POST" waitUrl="hold?lang=en-GB&amp;queue=billing.en.B" waitUrlMethod="POST">billing.en.B</Enqueue>
</Response>
"""

UK_BILLING_CLOSED = """
<Response>
  <Gather action="closed?offer=technical&amp;lang=en-GB" hints="yes, yeah, please, okay, ok, one" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">Billing is closed right now.</Say>
    <Say language="en-GB" voice="Polly.Amy">Billing is open Monday to Friday, from 9 a.m. to 5 p.m., UK time.</Say>
    <Say language="en-GB" voice="Polly.Amy">It opens again on Monday at 9 a.m.</Say>
    <Say language="en-GB" voice="Polly.Amy">For technical support, which is open now, press 1.</Say>
    <Say language="en-GB" voice="Polly.Amy">To be called back when billing opens, press 2.</Say>
  </Gather>
  <Say language="en-GB" voice="Polly.Amy">Thank you for calling. Goodbye.</Say>
  <Hangup/>
</Response>
"""

SE_MENU_IN_ENGLISH = """
<Response>
  <Gather action="menu?attempt=1&amp;lang=en-GB" hints="technical, tech, support, problem, help, one, billing, bill, invoice, subscription, payment, licence, license, two, sales, buy, purchase, trial, pricing, price, three" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">For technical support, press 1. Billing, 2. Sales, 3. Or say what you need.</Say>
  </Gather>
  <Redirect method="POST">menu?attempt=1&amp;lang=en-GB</Redirect>
</Response>
"""

SE_BILLING_HOLIDAY = """
<Response>
  <Gather action="closed?offer=technical&amp;lang=en-GB" hints="yes, yeah, please, okay, ok, one" input="dtmf speech" language="en-GB" method="POST" numDigits="1" speechTimeout="auto" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">Billing is closed today for a public holiday.</Say>
    <Say language="en-GB" voice="Polly.Amy">Billing is open Monday to Friday, from 9 a.m. to 5 p.m., Swedish time.</Say>
    <Say language="en-GB" voice="Polly.Amy">It opens again on Monday at 9 a.m.</Say>
    <Say language="en-GB" voice="Polly.Amy">For technical support, which is open now, press 1.</Say>
    <Say language="en-GB" voice="Polly.Amy">To be called back when billing opens, press 2.</Say>
  </Gather>
  <Say language="en-GB" voice="Polly.Amy">Thank you for calling. Goodbye.</Say>
  <Hangup/>
</Response>
"""

HOLD_THIRD = """
<Response>
  <Say language="en-GB" voice="Polly.Amy">You are number 3 in the queue.</Say>
  <Say language="en-GB" voice="Polly.Amy">The estimated wait is about 4 minutes.</Say>
  <Play>http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3</Play>
</Response>
"""

HOLD_WITH_CALLBACK_OFFER = """
<Response>
  <Gather action="callback-leave?lang=en-GB" input="dtmf" method="POST" numDigits="1" timeout="1">
    <Say language="en-GB" voice="Polly.Amy">You are number 3 in the queue.</Say>
    <Say language="en-GB" voice="Polly.Amy">The estimated wait is about 4 minutes.</Say>
    <Say language="en-GB" voice="Polly.Amy">To be called back instead, keeping your place in line, press 1.</Say>
  </Gather>
  <Play>http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3</Play>
</Response>
"""

LEAVE = """
<Response>
  <Leave/>
</Response>
"""

CALLBACK_CONFIRM = """
<Response>
  <Gather action="callback-confirm?attempt=1&amp;lang=en-GB" input="dtmf" method="POST" numDigits="1" timeout="5">
    <Say language="en-GB" voice="Polly.Amy">We will call you back on the number ending in 3 4 5 6. Press 1 to confirm, or 2 to give another number.</Say>
  </Gather>
  <Redirect method="POST">callback-confirm?attempt=2&amp;lang=en-GB</Redirect>
</Response>
"""

CALLBACK_BOOKED = """
<Response>
  <Say language="en-GB" voice="Polly.Amy">Thank you. We will call you back on the number ending in 3 4 5 6, in your place in line.</Say>
  <Say language="en-GB" voice="Polly.Amy">For severity A, our first response is within one hour.</Say>
  <Say language="en-GB" voice="Polly.Amy">Thank you for calling. Goodbye.</Say>
  <Hangup/>
</Response>
"""

HANG_UP = """
<Response>
  <Hangup/>
</Response>
"""

NOTHING = """
<Response/>
"""


@pytest.fixture
def settings(settings, smtp_inbox):
    return replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_inbox.port, smtp_from="support@router.test",
                   delivery_timeout=2.0)


@pytest.fixture(autouse=True)
def contoso(register):
    register("100200", **CONTOSO)


def walk(client, call: dict, steps) -> None:
    """Each (path, parameters, expected document) in turn, posted as Twilio posts it, signed."""
    for path, params, expected in steps:
        body = signed_post(client, path, {**call, **params}, TWILIO_TOKEN).get_data(as_text=True)
        assert_document(body, expected)


def test_a_one_language_line_and_a_caller_verified_by_their_number(client):
    """UK: the welcome and menu in one <Gather>, the severity, then straight into the queue (no code asked)."""
    walk(client, UK, [
        ("/ivr/voice", {}, UK_WELCOME_MENU),
        ("/ivr/menu?attempt=1&lang=en-GB", {"Digits": "1"}, UK_SEVERITY),
        ("/ivr/severity?attempt=1&lang=en-GB", {"Digits": "1"}, UK_TECHNICAL_A),
    ])


def test_a_line_with_two_languages_and_a_queue_given_in_english(client):
    """Sweden: one <Gather> per language in its own voice and recogniser; Swedish billing is told it is in English."""
    walk(client, SWEDEN, [
        ("/ivr/voice", {}, SE_LANGUAGES),
        ("/ivr/language?attempt=1&lang=sv-SE", {"Digits": "1"}, SE_MENU),
        ("/ivr/menu?attempt=1&lang=sv-SE", {"Digits": "2"}, SE_BILLING_IN_ENGLISH),
    ])


def test_a_caller_verified_by_a_code(client, smtp_inbox):
    """A stranger's number: the account number ended by #, the channels, the code (six keys or star), verified."""
    walk(client, STRANGER, [
        ("/ivr/voice", {}, UK_WELCOME_MENU),
        ("/ivr/menu?attempt=1&lang=en-GB", {"Digits": "2"}, UK_ACCOUNT_NUMBER),
        ("/ivr/verify-account?attempt=1&lang=en-GB", {"Digits": "100200#"}, UK_CHANNELS),
        ("/ivr/verify-channel?attempt=1&sent=0&lang=en-GB", {"Digits": "3"}, UK_CODE),
    ])
    code = re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)
    walk(client, STRANGER, [("/ivr/verify-code?attempt=1&account=100200&sent=1&lang=en-GB", {"Digits": code},
                             UK_VERIFIED_BILLING)])


def test_a_closed_queue_offers_technical_support_and_a_callback(client, clock):
    """Saturday noon in London: billing is closed; its hours, when it opens, and the two offers; 1 leads to severity."""
    clock.at = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    walk(client, UK, [
        ("/ivr/voice", {}, UK_WELCOME_MENU),
        ("/ivr/menu?attempt=1&lang=en-GB", {"Digits": "2"}, UK_BILLING_CLOSED),
        ("/ivr/closed?offer=technical&lang=en-GB", {"Digits": "1"}, UK_SEVERITY),
    ])


def test_a_public_holiday_closes_billing(client, clock):
    """Christmas Day in Sweden, in English: billing is closed for the holiday, technical support is offered."""
    clock.at = datetime(2026, 12, 25, 10, 0, tzinfo=timezone.utc)
    walk(client, SWEDEN, [
        ("/ivr/voice", {}, SE_LANGUAGES),
        ("/ivr/language?attempt=1&lang=sv-SE", {"Digits": "2"}, SE_MENU_IN_ENGLISH),
        ("/ivr/menu?attempt=1&lang=en-GB", {"Digits": "2"}, SE_BILLING_HOLIDAY),
    ])


def test_the_hold_its_callback_offer_and_the_callback_booked(client):
    """In the queue: position and estimate, then music; after CALLBACK_AFTER the offer, <Leave> on 1, the Enqueue
    action's confirmation question, and the booked callback said before the goodbye."""
    walk(client, UK, [
        ("/ivr/voice", {}, UK_WELCOME_MENU),
        ("/ivr/menu?attempt=1&lang=en-GB", {"Digits": "1"}, UK_SEVERITY),
        ("/ivr/severity?attempt=1&lang=en-GB", {"Digits": "1"}, UK_TECHNICAL_A),
        ("/ivr/hold?queue=technical.en.A&lang=en-GB", {"QueuePosition": "3", "AvgQueueTime": "120", "QueueTime": "30"},
         HOLD_THIRD),
        ("/ivr/hold?queue=technical.en.A&lang=en-GB", {"QueuePosition": "3", "AvgQueueTime": "120", "QueueTime": "400"},
         HOLD_WITH_CALLBACK_OFFER),
        ("/ivr/callback-leave?lang=en-GB", {"Digits": "1"}, LEAVE),
        ("/ivr/queue-result", {"QueueResult": "leave"}, CALLBACK_CONFIRM),
        ("/ivr/callback-confirm?lang=en-GB", {"Digits": "1"}, CALLBACK_BOOKED),
    ])


def test_the_queue_ends_and_the_status_callback_answers_an_empty_document(client):
    """A caller who hangs up in the queue: the Enqueue action hangs up; the status callback gets <Response/>."""
    walk(client, SWEDEN, [
        ("/ivr/voice", {}, SE_LANGUAGES),
        ("/ivr/language?attempt=1&lang=sv-SE", {"Digits": "1"}, SE_MENU),
        ("/ivr/menu?attempt=1&lang=sv-SE", {"Digits": "2"}, SE_BILLING_IN_ENGLISH),
        ("/ivr/queue-result", {"QueueResult": "hangup"}, HANG_UP),
        ("/ivr/status", {"CallStatus": "completed"}, NOTHING),
    ])
