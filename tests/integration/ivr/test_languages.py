"""Lines in the new catalogue languages, added by an admin through the API and called as Twilio calls them.

Voices are Twilio's <Say> voices (https://www.twilio.com/docs/voice/twiml/say: "Any of the
Twilio-supported Amazon Polly Voices, e.g. Polly.Amy" or "Google Voices, e.g.
Google.en-GB-Standard-A"); speech answers need a <Gather language> Twilio recognises
(https://www.twilio.com/docs/voice/twiml/gather, `language`: BCP-47 tags), and a <Gather>
without speech in `input` takes keys only (its default, `dtmf`).
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app import create_app
from ivr.twiml import question
from prompts.catalogue import PROMPTS_DIR, load_catalogues
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport

ADMIN = {"Authorization": "Bearer test-admin-token"}
NORWAY_NUMBER, LATVIA_NUMBER = "+4780012345", "+37180001234"


@pytest.fixture
def settings(settings):
    return replace(settings, admin_token="test-admin-token")


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": settings, "redis": redis_client, "clock": clock})


def entry(name: str, timezone: str, number: str, languages: list[str]) -> dict:
    return {
        "name": name, "timezone": timezone, "numbers": [number], "languages": languages,
        "queues": {"technical": {"hours": "24x7"}, "billing": {"hours": "Mon-Fri 09:00-17:00"},
                   "presales": {"hours": "Mon-Fri 09:00-17:00"}},
    }


def put(client, line_id: str, body: dict):
    return client.put(f"/admin/api/countries/{line_id}", json=body, headers={**ADMIN, "If-Match": "*"})


def call(client, to: str, from_: str, answers: list[str]):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers, hold_cycles=0).play()
    assert transcript.errors == []
    return transcript


def test_an_admin_adds_a_norwegian_line_and_a_caller_hears_norwegian(client, register):
    """PUT NO with [nb-NO, en-GB] is accepted without warnings; a registered Norwegian caller is served in Norwegian."""
    response = put(client, "NO", entry("Norway", "Europe/Oslo", NORWAY_NUMBER, ["nb-NO", "en-GB"]))
    assert response.status_code == 201, response.json
    assert response.headers.get_all("Warning") == []
    register("100300", **{**CONTOSO, "registered_phones": ["+4791234567"]})
    transcript = call(client, NORWAY_NUMBER, "+4791234567", ["1", "1", "2"])
    said = transcript.said()
    assert said[:2] == ["Velkommen til support.", "For norsk, trykk 1."]
    assert said[-1] == "Vi setter deg over til teknisk støtte."
    assert transcript.queue == "technical.nb.B"
    norwegian = [event.attrs for event in transcript.events if event.kind == "say" and event.text != "For English, press 2."]
    assert {(attrs["voice"], attrs["language"]) for attrs in norwegian} == {("Polly.Liv", "nb-NO")}
    gathers = [event.attrs for event in transcript.events if event.kind == "gather"]
    assert [gather["input"] for gather in gathers] == ["dtmf speech"] * 3


def test_a_norwegian_caller_can_say_what_they_need(client):
    """Speech on the Norwegian menu is recognised as nb-NO and "salg" reaches sales."""
    put(client, "NO", entry("Norway", "Europe/Oslo", NORWAY_NUMBER, ["nb-NO", "en-GB"]))
    transcript = call(client, NORWAY_NUMBER, "+4791234567", ["1", "say:salg"])
    assert transcript.queue == "presales.nb"


def test_an_admin_adds_a_latvian_line_warned_that_its_callers_press_keys(client, register):
    """PUT LV with [lv-LV, en-GB] is accepted (201) with a Warning naming keys only; the caller hears Latvian."""
    response = put(client, "LV", entry("Latvia", "Europe/Riga", LATVIA_NUMBER, ["lv-LV", "en-GB"]))
    assert response.status_code == 201, response.json
    warnings = response.headers.get_all("Warning")
    assert len(warnings) == 1 and warnings[0].startswith('299 - "LV.languages: ') and "lv-LV" in warnings[0]
    assert "press keys" in warnings[0]
    register("100400", **{**CONTOSO, "registered_phones": ["+37129123456"]})
    transcript = call(client, LATVIA_NUMBER, "+37129123456", ["1", "2"])
    said = transcript.said()
    assert said[:2] == ["Laipni lūdzam!", "Latviešu valodai nospiediet 1."]
    assert said[-1] == "Savienojam."
    assert transcript.queue == "billing.lv.B"
    latvian = [event.attrs for event in transcript.events if event.kind == "say" and "English" not in event.text]
    assert {(attrs["voice"], attrs["language"]) for attrs in latvian} == {("Google.lv-LV-Standard-A", "lv-LV")}
    gathers = [event.attrs for event in transcript.events if event.kind == "gather"]
    assert [gather["input"] for gather in gathers] == ["dtmf", "dtmf"]


def test_the_warning_is_repeated_when_the_entry_is_read(client):
    """GET of the Latvian entry carries the same warning, so an admin sees it later too."""
    put(client, "LV", entry("Latvia", "Europe/Riga", LATVIA_NUMBER, ["lv-LV", "en-GB"]))
    response = client.get("/admin/api/countries/LV", headers=ADMIN)
    assert len(response.headers.get_all("Warning")) == 1
    assert client.get("/admin/api/countries/SE", headers=ADMIN).headers.get_all("Warning") == []


@pytest.mark.parametrize(
    ("language", "number", "caller", "zone", "welcome", "connecting", "voice"),
    [
        ("da-DK", "+4580201234", "+4520123456", "Europe/Copenhagen", "Velkommen til support.",
         "Vi stiller dig om til teknisk support.", "Polly.Naja"),
        ("fi-FI", "+358800123456", "+358401234567", "Europe/Helsinki", "Tervetuloa.",
         "Yhdistämme.", "Polly.Suvi-Neural"),
        ("nl-NL", "+31800123456", "+31612345678", "Europe/Amsterdam", "Welkom bij de klantenservice.",
         "U wordt doorverbonden met technische ondersteuning.", "Polly.Lotte"),
        ("it-IT", "+39800123456", "+393123456789", "Europe/Rome", "Benvenuti.",
         "Attenda in linea.", "Polly.Carla"),
        ("es-ES", "+34900123456", "+34612345678", "Europe/Madrid", "Bienvenido al soporte.",
         "Le pasamos con soporte técnico.", "Polly.Lucia"),
        ("pl-PL", "+48800123456", "+48512345678", "Europe/Warsaw", "Witamy.",
         "Łączymy.", "Polly.Ewa"),
        ("pt-PT", "+351800123456", "+351912345678", "Europe/Lisbon", "Bem-vindo.",
         "Vamos transferir a chamada.", "Polly.Ines"),
    ],
)
def test_every_new_catalogue_serves_a_line_of_its_own(client, register, language, number, caller, zone,
                                                         welcome, connecting, voice):
    """A one-language line in each EEA language: its welcome, its voice, and the caller queued in it."""
    region = language[-2:]
    assert put(client, region, entry(region, zone, number, [language])).status_code == 201
    register("100500", **{**CONTOSO, "registered_phones": [caller]})
    transcript = call(client, number, caller, ["1", "1"])
    said = transcript.said()
    assert (said[0], said[-1]) == (welcome, connecting)
    assert {event.attrs["voice"] for event in transcript.events if event.kind == "say"} == {voice}
    assert transcript.queue == f"technical.{language[:2]}.A"


def test_a_language_without_a_twilio_voice_is_spoken_to_in_english_by_keys(tmp_path: Path):
    """A catalogue whose voice is null hands its callers English with an English voice, and says why."""
    for path in PROMPTS_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    estonian = (PROMPTS_DIR / "lv.yaml").read_text(encoding="utf-8").replace(
        "lv-LV: {voice: Google.lv-LV-Standard-A, say: lv-LV, speech: null}", "et-EE: {voice: null, say: null, speech: null}")
    (tmp_path / "et.yaml").write_text(estonian, encoding="utf-8")
    catalogues = load_catalogues(tmp_path)
    prompts = catalogues("et-EE")
    assert (prompts.locale, prompts.voice.name) == ("en-GB", "Polly.Amy")
    assert prompts.text("welcome") == "Welcome to support."
    assert catalogues.limits("et-EE") == ["Twilio has no voice for et-EE: its callers hear English and press keys"]


def test_keys_only_questions_carry_no_speech_attributes():
    """For a language Twilio recognises no speech in, the <Gather> is input="dtmf" with no language or hints."""
    gather = question("menu?attempt=1", load_catalogues()("lv-LV"), ["pārdošana"])
    assert gather.attrs.get("input") == "dtmf"
    assert "language" not in gather.attrs and "hints" not in gather.attrs and "speechTimeout" not in gather.attrs


def test_a_catalogue_with_a_voice_but_no_say_language_is_refused(tmp_path: Path):
    """voice and say are both named or both null: anything else stops start-up, naming the file."""
    for path in PROMPTS_DIR.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    broken = (tmp_path / "lv.yaml").read_text(encoding="utf-8").replace("say: lv-LV, speech: null", "say: null, speech: null")
    (tmp_path / "lv.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(ValueError, match="lv.yaml: voices.lv-LV"):
        load_catalogues(tmp_path)


@pytest.mark.parametrize(
    ("language", "number", "caller", "zone", "hours"),
    [
        ("fi-FI", "+358800123456", "+358401234567", "Europe/Helsinki",
         "Laskutus on avoinna maanantaista perjantaihin, avautuu kello 9 ja sulkeutuu kello 17, Suomen aikaa."),
        ("pl-PL", "+48800123456", "+48512345678", "Europe/Warsaw",
         "Dział rozliczeń jest czynny od poniedziałku do piątku, w godzinach od 9 do 17, według czasu polskiego."),
        ("lv-LV", LATVIA_NUMBER, "+37129123456", "Europe/Riga",
         "Norēķinu nodaļa strādā no pirmdienas līdz piektdienai, no pulksten 9 līdz pulksten 17, pēc Latvijas laika."),
    ],
)
def test_declined_weekdays_are_spoken_in_the_form_each_sentence_needs(client, clock, language, number, caller, zone, hours):
    """Saturday: billing is closed, and its hours name the range's days in the cases the language needs."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    clock.at = datetime(2026, 11, 28, 12, 0, tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)
    region = language[-2:]
    assert put(client, region, entry(region, zone, number, [language])).status_code == 201
    said = call(client, number, caller, ["2", ""]).said()
    assert hours in said
