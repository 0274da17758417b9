"""Small builders over `twilio.twiml.voice_response` so every prompt is spoken
by the caller's voice and every question is a `<Gather>` a key press cuts short."""
from __future__ import annotations

from twilio.twiml.voice_response import Gather, VoiceResponse

from prompts.catalogue import Prompts

GATHER_TIMEOUT_SECONDS = 5
MAX_HINTS = 100  # Twilio accepts up to 500 hint phrases; a menu needs far fewer


def say(verb: VoiceResponse | Gather, prompts: Prompts, text: str) -> None:
    verb.say(text, voice=prompts.voice.name, language=prompts.voice.say_language)


def question(action: str, prompts: Prompts, hints: list[str], speech: bool = True, digits: int | None = 1) -> Gather:
    """Keys (or a spoken answer) posted to `action`; silence falls through to the next verb.

    `digits=None` takes any number of keys ended by # (an account number). A language
    Twilio recognises no speech in (`prompts.keys_only`) is asked for keys alone.
    """
    speech = speech and not prompts.keys_only
    return Gather(
        input="dtmf speech" if speech else "dtmf",
        action=action,
        method="POST",
        num_digits=digits,
        timeout=GATHER_TIMEOUT_SECONDS,
        speech_timeout="auto" if speech else None,
        language=prompts.voice.speech_language if speech else None,
        hints=", ".join(hints[:MAX_HINTS]) if speech and hints else None,
    )


def asked(gather: Gather, fallthrough: str) -> VoiceResponse:
    """The question, then where Twilio goes when the caller says nothing."""
    response = VoiceResponse()
    response.append(gather)
    response.redirect(fallthrough, method="POST")
    return response
