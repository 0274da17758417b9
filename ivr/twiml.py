"""Small builders over `twilio.twiml.voice_response` so every prompt is spoken
by the caller's voice, every question is a `<Gather>` a key press cuts short,
and every call that ends says goodbye the same way."""
from __future__ import annotations

import functools
from collections.abc import Iterable
from urllib.parse import quote

from twilio.twiml.voice_response import Gather, VoiceResponse

from prompts.catalogue import Prompts

GATHER_TIMEOUT_SECONDS = 5
MAX_HINTS = 100  # Twilio accepts up to 500 hint phrases; a menu needs far fewer

Sentences = Iterable["str | tuple[Prompts, str] | None"]  # None is skipped; a tuple brings its own voice


def say(verb: VoiceResponse | Gather, prompts: Prompts, text: str) -> None:
    verb.say(text, voice=prompts.voice.name, language=prompts.voice.say_language)


def say_all(verb: VoiceResponse | Gather, prompts: Prompts, sentences: Sentences) -> None:
    """Each sentence in turn: in `prompts`' voice, or in the voice it comes with (an admin's notice)."""
    for sentence in sentences:
        if sentence is None or sentence == "":
            continue
        voice, text = sentence if isinstance(sentence, tuple) else (prompts, sentence)
        say(verb, voice, text)


def in_language(url: str, prompts: Prompts) -> str:
    """The router's own URL with the caller's language in it (`lang=`), so that the next webhook, signed over
    that URL, says which language to apologise in even when Redis cannot be asked."""
    if "lang=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={_quoted(prompts.locale)}"


@functools.lru_cache(maxsize=64)  # a few dozen locales; quote() is Python, and most questions carry two URLs
def _quoted(locale: str) -> str:
    return quote(locale)


def question(action: str, prompts: Prompts, hints: list[str], speech: bool = True, digits: int | None = 1,
             timeout: int = GATHER_TIMEOUT_SECONDS, finish_on_key: str | None = None,
             always_post: bool = False) -> Gather:
    """Keys (or a spoken answer) posted to `action`; silence falls through to the next verb.

    `digits=None` takes any number of keys ended by # (an account number). A language
    Twilio recognises no speech in (`prompts.keys_only`) is asked for keys alone.
    `finish_on_key` ends the input at once (and Twilio leaves it out of Digits but names it
    in FinishedOnKey); `always_post` posts to `action` even when nothing was keyed
    (`actionOnEmptyResult`), so that a finish key pressed alone still reaches the router.
    """
    speech = speech and not prompts.keys_only
    return Gather(
        input="dtmf speech" if speech else "dtmf",
        action=in_language(action, prompts),
        method="POST",
        num_digits=digits,
        finish_on_key=finish_on_key,
        action_on_empty_result=True if always_post else None,
        timeout=timeout,
        speech_timeout="auto" if speech else None,
        language=prompts.voice.speech_language if speech else None,
        hints=", ".join(hints[:MAX_HINTS]) if speech and hints else None,
    )


def ask(action: str, prompts: Prompts, sentences: Sentences, *, hints: list[str] = (), speech: bool = False,
        digits: int | None = 1, silence: str | None = None, finish_on_key: str | None = None,
        always_post: bool = False) -> VoiceResponse:
    """A question whose sentences are spoken inside its `<Gather>` (a key cuts them short).

    Silence goes to `silence` (a URL: the question asked again, or a default);
    without one, it falls through to whatever the caller appends (a goodbye).
    """
    gather = question(action, prompts, list(hints), speech=speech, digits=digits, finish_on_key=finish_on_key,
                      always_post=always_post)
    say_all(gather, prompts, sentences)
    response = VoiceResponse()
    response.append(gather)
    if silence is not None:
        response.redirect(in_language(silence, prompts), method="POST")
    return response


def hang_up(prompts: Prompts, *sentences: str | None, response: VoiceResponse | None = None) -> VoiceResponse:
    """The sentences (a goodbye), then the end of the call, after whatever `response` already holds."""
    response = response if response is not None else VoiceResponse()
    say_all(response, prompts, sentences)
    response.hangup()
    return response


def then(first: VoiceResponse, rest: VoiceResponse) -> VoiceResponse:
    """`first`'s verbs followed by `rest`'s, as one document."""
    for verb in rest.verbs:
        first.append(verb)
    return first


def said(prompts: Prompts, *sentences: str | None) -> VoiceResponse:
    response = VoiceResponse()
    say_all(response, prompts, sentences)
    return response
