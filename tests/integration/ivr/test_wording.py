"""The wording fixes of issue #13, each in every language it concerns: through calls where a line
speaks the language, and on the catalogue itself for the languages no shipped line uses."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from prompts import spoken
from prompts.catalogue import load_catalogues
from routing.hours_spec import parse_hours
from tests.conftest import TWILIO_TOKEN
from tests.twiml import parse, signed_post
from twilio_simulator.twilio_player import CallPlayer, flask_transport

CATALOGUES = load_catalogues()
LANGUAGES = CATALOGUES.languages
SID = "CA" + "5" * 32


def call(client, to, from_, answers):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers, hold_cycles=0).play()
    assert transcript.errors == []
    return transcript


def at(clock, local: str, zone: str) -> None:
    clock.at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


CONNECTING_TO_SALES = {
    "en": "Connecting you to sales.",
    "sv": "Vi kopplar dig till försäljning.",
    "de": "Wir verbinden Sie.",
    "fr": "Nous vous transférons.",
    "zh": "正在转接。",
    "nb": "Vi setter deg over til salg.",
    "lv": "Savienojam.",
    "da": "Vi stiller dig om til salg.",
    "fi": "Yhdistämme.",
    "nl": "U wordt doorverbonden met verkoop.",
    "it": "Attenda in linea.",
    "es": "Le pasamos con ventas.",
    "pl": "Łączymy.",
    "pt": "Vamos transferir a chamada.",
}


def test_every_catalogue_is_covered_here():
    """A new catalogue must be added to these expectations."""
    assert set(CONNECTING_TO_SALES) == set(LANGUAGES)


@pytest.mark.parametrize("language", LANGUAGES)
def test_connecting_says_where_and_nothing_else(language):
    """No thank-you after "verified" thanked already, no "have your account details ready" for sales or the unverified."""
    prompts = CATALOGUES(language)
    assert prompts.text("connecting", queue=prompts.raw("queue_names.presales")) == CONNECTING_TO_SALES[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_hours_on_all_seven_days_are_every_day(language):
    """Mon-Sun 09:00-24:00 is said as "every day", never as Monday to Sunday, in every language."""
    prompts = CATALOGUES(language)
    sentence = spoken.describe_hours(prompts, "X", parse_hours("Mon-Sun 09:00-24:00"), "Asia/Shanghai")
    assert prompts.raw("hours_every_day") in sentence
    forms = prompts.raw("days")
    names = forms if isinstance(forms, list) else [day for days in forms.values() for day in days]
    assert not any(day in sentence for day in names if day not in prompts.raw("hours_every_day")), sentence


@pytest.mark.parametrize(
    ("answers", "sentence"),
    [
        (["2", "1", "2"], "Technical support is open every day, from 9 a.m. to midnight, Beijing time."),
        (["1", "1", "2"], "技术支持的服务时间是每天9点至午夜十二点，北京时间。"),
    ],
)
def test_chinas_night_technical_hours_are_every_day_in_both_languages(client, clock, answers, sentence):
    """23:30 Beijing, severity B: closed, and its hours are every day from 9 to midnight."""
    at(clock, "2026-11-24 00:30", "Asia/Shanghai")
    said = call(client, "+864000890365", "+8613812345678", answers + [""]).said()
    assert sentence in said


def test_the_chinese_welcome_names_no_single_queue():
    """The line serves technical, billing and sales: its welcome names none of them (it named technical support)."""
    welcome = CATALOGUES("zh-CN").text("welcome")
    assert welcome == "欢迎致电。"
    assert not any(CATALOGUES("zh-CN").raw(f"queue_names.{queue}") in welcome for queue in ("technical", "billing", "presales"))


def test_the_french_hold_says_next_in_the_queue_not_online(client):
    """Position 1 on the Canadian line in French: "Votre appel est le prochain.", no "en ligne"."""
    params = {"CallSid": SID, "To": "+18008659408", "From": "+14165550123", "AccountSid": "AC" + "1" * 32,
              "QueuePosition": "1", "AvgQueueTime": "30"}
    verbs = parse(signed_post(client, "/ivr/hold?lang=fr-CA", params, TWILIO_TOKEN).data)
    said = [verb.text for verb in verbs if verb.name == "Say"]
    assert said[0] == "Votre appel est le prochain."
    assert not any("en ligne" in text for text in said)


SWEDISH_YOU_PLURAL = re.compile(r"\b(er|ert|era|Er|Ert|Era)\b")


def test_swedish_says_du_throughout():
    """Every Swedish sentence addresses the caller as "du" (din, ditt, dig), never "er"."""
    data = CATALOGUES("sv-SE")._data
    texts = [value for key, value in data.items() if isinstance(value, str)]
    texts += [value for nested in ("messages", "queue_names") for value in data[nested].values()]
    assert [text for text in texts if SWEDISH_YOU_PLURAL.search(text)] == []


@pytest.mark.parametrize("language", ["en", "sv", "fr", "nb", "da", "nl", "it", "es", "pt"])
def test_the_menu_names_each_queue_as_the_queue_is_named_later(language):
    """The word the menu uses for a queue is the word the closed message and "connecting" use (Swedish said
    "köpfrågor" in the menu, then "köpsupport")."""
    prompts = CATALOGUES(language)
    menu = prompts.text("menu").casefold()
    for queue in ("technical", "billing", "presales"):
        assert prompts.raw(f"queue_names.{queue}").casefold() in menu, queue


PARTNER = {"name": "Northwind", "registered_phones": ["+447911777666", "+46701777666"], "registered_emails": [],
           "purchased_via": "partner"}


@pytest.mark.parametrize(
    ("to", "caller", "answers", "zone", "closed"),
    [
        ("+448000326417", "+447911777666", ["1", "2", "3", ""], "Europe/London", "Sales is closed right now."),
        ("+46201605899", "+46701777666", ["1", "1", "2", "3", ""], "Europe/Stockholm", "Försäljning är stängd just nu."),
    ],
)
def test_a_partner_customer_at_closed_sales_is_not_sent_round_to_technical_support(client, clock, register, to, caller,
                                                                                    answers, zone, closed):
    """Saturday: technical, the partner notice, 3 for sales; sales is closed and offers a callback but not technical
    support, which would only lead back to the partner notice."""
    at(clock, "2026-11-28 11:00", zone)
    register("700100", **PARTNER)
    said = call(client, to, caller, answers).said()
    assert closed in said
    after = said[said.index(closed):]
    technical = CATALOGUES("en-GB" if to.startswith("+44") else "sv-SE").text("offer_technical")
    assert technical not in after
    assert said.count(CATALOGUES("en-GB" if to.startswith("+44") else "sv-SE").text("partner")) == 1
