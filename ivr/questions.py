"""The questions of the call's opening: which language, which queue, how severe.

Asked first by the answer flow, and again when a closed queue's offer sends a
caller on to technical support; so they live here, below both.
"""
from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from ivr.twiml import Sentences, ask
from prompts.catalogue import Catalogues, Prompts
from routing.model import Line


def language_question(line: Line, catalogues: Catalogues, attempt: int, lead: str | None = None) -> VoiceResponse:
    """The welcome in the line's first language, then each language's own offer in its own voice."""
    first = catalogues(line.languages[0])
    hints = [word for locale in line.languages for word in catalogues(locale).raw("language_words")]
    offers = [(catalogues(locale), catalogues(locale).text("choose_language", digit=digit))
              for digit, locale in enumerate(line.languages, start=1)]
    action = f"language?attempt={attempt}"
    return ask(action, first, [lead or first.text("welcome"), *offers], hints=hints, speech=True, silence=action)


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
