"""Speech at the language choice, recognised in every language the line offers.

A <Gather> recognises speech in the one language its `language` attribute names (BCP-47; default en-US) and
`hints` lists the words and phrases it should expect (https://www.twilio.com/docs/voice/twiml/gather). So each
language's offer is a <Gather> of its own, listening in the language it is spoken in; a key, or any language's
name, answers at whichever offer it comes.
"""
from __future__ import annotations

import pytest

from prompts.catalogue import PROMPTS_DIR, load_catalogues
from tests.conftest import TWILIO_TOKEN
from tests.integration.ivr.test_languages import app, entry, put, settings  # noqa: F401  (the fixtures)
from tests.twiml import names, parse, signed_post

CATALOGUES = load_catalogues()
LINE_NUMBER, CALLER = "+4580201234", "+4520123456"  # a Danish toll-free number serves every language under test
SID = "CA" + "7" * 32
CANADA = {"CallSid": SID, "To": "+18008659408", "From": "+14165550123"}


def _locale(language: str) -> str:
    """The first locale a catalogue's voices name: `fr` -> `fr-CA`, `en` -> `en-GB` (the British voice)."""
    text = (PROMPTS_DIR / f"{language}.yaml").read_text(encoding="utf-8")
    voices = text[text.index("voices:"):].splitlines()[1:]
    locales = [line.strip().split(":")[0] for line in voices if line.startswith("  ") and ":" in line]
    return "en-GB" if language == "en" else locales[0]


LOCALES = sorted(_locale(path.stem) for path in PROMPTS_DIR.glob("*.yaml"))


def post(client, path, params):
    return signed_post(client, path, params, TWILIO_TOKEN)


def test_canadas_french_offer_is_heard_by_a_french_recogniser(client):
    """Canada: the English offer listens in en-US, the French one in fr-CA; both expect every language's name."""
    verbs = parse(post(client, "/ivr/voice", CANADA).data)
    assert names(verbs) == ["Gather", "Gather", "Redirect"]
    assert [(gather.attrs["language"], gather.attrs["input"], gather.says()) for gather in verbs[:2]] == [
        ("en-US", "dtmf speech", ["Welcome to support.", "For English, press 1."]),
        ("fr-CA", "dtmf speech", ["Pour le français, faites le 2."]),
    ]
    assert {gather.attrs["hints"] for gather in verbs[:2]} == {"english, français, francais, french"}
    assert {gather.attrs["action"] for gather in verbs[:2]} == {verbs[2].text} == {"language?attempt=1&lang=en-US"}


@pytest.mark.parametrize("spoken", ["Français", "français s'il vous plaît", "francais", "French"])
def test_a_canadian_caller_who_says_francais_is_served_in_french(client, spoken):
    """What the French recogniser writes for "français" picks French: the menu follows in French, heard in fr-CA."""
    post(client, "/ivr/voice", CANADA)
    menu = parse(post(client, "/ivr/language?attempt=1&lang=en-US", {**CANADA, "SpeechResult": spoken}).data)[0]
    assert (menu.attrs["language"], menu.attrs["action"]) == ("fr-CA", "menu?attempt=1&lang=fr-CA")
    assert menu.says()[-1].startswith("Soutien technique, faites le 1")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_language_is_offered_in_its_own_recogniser_and_picked_by_its_names(client, locale):
    """A line offering `locale` and another language: the offer in `locale` listens in that language's
    recogniser (or takes keys only where Twilio recognises none), and each of its spoken names picks it."""
    other = "de-DE" if locale.startswith("en") else "en-GB"
    assert put(client, "DK", entry("Test line", "Europe/Copenhagen", LINE_NUMBER, [other, locale])).status_code == 201
    params = {"CallSid": SID, "To": LINE_NUMBER, "From": CALLER}
    verbs = parse(post(client, "/ivr/voice", params).data)
    assert names(verbs) == ["Gather", "Gather", "Redirect"]
    offer, prompts = verbs[1], CATALOGUES(locale)
    assert offer.says() == [prompts.text("choose_language", digit=2)]
    if prompts.keys_only:
        assert offer.attrs["input"] == "dtmf" and "language" not in offer.attrs
    else:
        assert (offer.attrs["input"], offer.attrs["language"]) == ("dtmf speech", prompts.voice.speech_language)
        for word in prompts.raw("language_words"):
            assert word in offer.attrs["hints"].split(", ")
    for number, word in enumerate(prompts.raw("language_words")):
        params["CallSid"] = SID[:-2] + f"{number:02d}"  # a fresh call for each name
        post(client, "/ivr/voice", params)
        menu = parse(post(client, "/ivr/" + offer.attrs["action"], {**params, "SpeechResult": word}).data)[0]
        assert menu.attrs["action"] == f"menu?attempt=1&lang={prompts.locale}", word
