"""The questions of the call's opening: which language, which queue, how severe.

Asked first by the answer flow, and again when a closed queue's offer sends a
caller on to technical support; so they live here, below both.
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.twiml import GATHER_TIMEOUT_SECONDS, Sentences, ask, in_language, question, say_all
from prompts.catalogue import Catalogues, Prompts
from routing.model import Line

OFFER_PAUSE_SECONDS = 1  # how long each language's offer listens before the next language's is spoken


def language_question(line: Line, catalogues: Catalogues, attempt: int, lead: str | None = None) -> VoiceResponse:
    """The welcome in the line's first language, then each language's own offer in its own voice.

    A <Gather> recognises speech in one language (its `language`), so each offer is a <Gather> of its own that
    listens in the language it is spoken in: a Canadian caller who answers the French offer with "français"
    is heard by a French recogniser, not an English one. Every offer names all the line's languages in its
    hints and posts to the same action, so a key or a name answers wherever it comes; an offer waits
    `OFFER_PAUSE_SECONDS` for an answer before the next one, the last one the usual timeout.
    """
    first = catalogues(line.languages[0])
    action = in_language(f"language?attempt={attempt}", first)
    hints = [word for locale in line.languages for word in catalogues(locale).raw("language_words")]
    response = VoiceResponse()
    for digit, locale in enumerate(line.languages, start=1):
        prompts = catalogues(locale)
        last = digit == len(line.languages)
        gather = question(action, prompts, hints, speech=True,
                          timeout=GATHER_TIMEOUT_SECONDS if last else OFFER_PAUSE_SECONDS)
        offer = (prompts, prompts.text("choose_language", digit=digit))
        say_all(gather, first, [lead or first.text("welcome"), offer] if digit == 1 else [offer])
        response.append(gather)
    response.redirect(action, method="POST")
    return response


def menu_question(prompts: Prompts, attempt: int, lead: str | None = None, greet: bool = False,
                  notices: Sentences = ()) -> VoiceResponse:
    """The menu; the first time, after the welcome and any service-health notices."""
    action = f"menu?attempt={attempt}"
    sentences = [prompts.text("welcome") if greet else None, *notices, lead, prompts.text("menu")]
    return ask(action, prompts, sentences, hints=all_words(prompts.raw("menu_words")), speech=True, silence=action)


def severity_question(prompts: Prompts, attempt: int, lead: str | None = None) -> VoiceResponse:
    action = f"severity?attempt={attempt}"
    return ask(action, prompts, [lead, prompts.text("severity")], hints=all_words(prompts.raw("severity_words")),
               speech=True, silence=action)


def no_answer_lead(prompts: Prompts, digits: str, speech: str) -> str:
    """What a re-asked question starts with: "sorry, I did not understand" or "I did not hear anything"."""
    return prompts.text("not_understood" if digits or speech else "no_input")


def all_words(words: dict[str, list[str]]) -> list[str]:
    return [word for names in words.values() for word in names]
