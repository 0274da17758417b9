"""Caller-facing words, one YAML catalogue per language in `prompts/catalogues/`.

Words live in catalogues, not code, so a language is added by a translator
without touching the flow. All catalogues are checked against English at
start-up: a missing key or a placeholder English does not fill stops the
router before a caller can hear a broken sentence.
"""
from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from routing.queues import language_of
from routing.yaml_loader import load_yaml

PROMPTS_DIR = Path(__file__).resolve().parent / "catalogues"
REFERENCE = "en"
# Where Twilio has no voice for a language, its callers are spoken to in English by this voice:
# a sentence in the caller's language read by a voice for another is not understood.
SPOKEN_FALLBACK = "en-GB"


class CatalogueError(ValueError):
    """A catalogue is missing, incomplete or inconsistent with English."""


@dataclass(frozen=True)
class Voice:
    name: str  # <Say voice=...>
    say_language: str  # <Say language=...>
    speech_language: str | None  # <Gather language=...>; None: Twilio recognises no speech in it, keys only


class Prompts:
    """The words for one caller locale (e.g. `sv-SE`), with the voice that speaks them."""

    def __init__(self, locale: str, data: dict):
        self.locale = locale
        self.language = primary_language(locale)
        self._data = data
        self.voice = Voice(*_voice_fields(data, locale))

    @property
    def keys_only(self) -> bool:
        """No speech recogniser for this language: questions take keys alone (and do not invite speech)."""
        return self.voice.speech_language is None

    def text(self, key: str, **values) -> str:
        """The sentence at `key` (dots walk into mappings), placeholders filled."""
        template = self.raw(key)
        sentence = template.format(**values) if values else template
        if sentence.endswith(".."):  # "at 9 a.m." closing a sentence keeps one full stop
            sentence = sentence[:-1]
        return sentence[:1].upper() + sentence[1:]

    def raw(self, key: str):
        node = self._data
        for part in key.split("."):
            node = node[part]
        return node


def _voice_fields(data: dict, locale: str) -> tuple:
    voices = data["voices"]
    chosen = voices.get(locale) or next(iter(voices.values()))
    return chosen["voice"], chosen["say"], chosen["speech"]


def primary_language(locale: str) -> str:
    """`sv-SE` -> `sv`: catalogues use the language alone, as queue names do."""
    return language_of(locale)


class Catalogues:
    """All loaded catalogues, handing out `Prompts` per locale."""

    def __init__(self, by_language: dict[str, dict]):
        self._by_language = by_language
        self._cache: dict[str, Prompts] = {}

    def has(self, locale: str) -> bool:
        return primary_language(locale) in self._by_language

    def __call__(self, locale: str) -> Prompts:
        """The words a caller of `locale` hears: their language's, or English where Twilio has no voice for it."""
        prompts = self._cache.get(locale)
        if prompts is None:
            data = self._by_language[primary_language(locale)]
            if _voice_fields(data, locale)[0] is None:
                return self(SPOKEN_FALLBACK)
            prompts = Prompts(locale, data)
            self._cache[locale] = prompts
        return prompts

    def limits(self, locale: str) -> list[str]:
        """What a caller of `locale` misses because Twilio lacks it (for the admin, as warnings)."""
        voice, _, speech = _voice_fields(self._by_language[primary_language(locale)], locale)
        if voice is None:
            return [f"Twilio has no voice for {locale}: its callers hear English and press keys"]
        if speech is None:
            return [f"Twilio recognises no speech in {locale}: its callers press keys, they cannot say what they need"]
        return []

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_language))


def load_catalogues(folder: Path = PROMPTS_DIR) -> Catalogues:
    by_language = {path.stem: load_yaml(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.yaml"))}
    if REFERENCE not in by_language:
        raise CatalogueError(f"no {REFERENCE}.yaml in {folder}")
    reference = _shape(by_language[REFERENCE])
    problems = []
    for language, data in by_language.items():
        shape = _shape(data)
        for key in sorted(reference.keys() - shape.keys()):
            problems.append(f"{language}.yaml: missing {key}")
        for key in sorted(shape.keys() - reference.keys()):
            problems.append(f"{language}.yaml: unknown key {key}")
        for key in sorted(reference.keys() & shape.keys()):
            if not shape[key] <= reference[key]:
                problems.append(f"{language}.yaml: {key} uses {sorted(shape[key] - reference[key])}, unknown to English")
        for key, words in _word_lists(data):
            if not all(isinstance(word, str) for word in words):
                problems.append(f"{language}.yaml: {key} has an entry that is not text: quote it")
        for locale, voice in (data.get("voices") or {}).items():
            if primary_language(locale) != language or set(voice or ()) != {"voice", "say", "speech"}:
                problems.append(f"{language}.yaml: voices.{locale} needs voice, say and speech for a {language} locale")
            elif (voice["voice"] is None) != (voice["say"] is None) or (voice["voice"] is None and voice["speech"]):
                problems.append(f"{language}.yaml: voices.{locale}: voice and say are both named or both null "
                                "(no Twilio voice), and a language without a voice has no speech either")
        if not data.get("voices"):
            problems.append(f"{language}.yaml: voices names no locale")
    if problems:
        raise CatalogueError("prompt catalogues are inconsistent:\n  " + "\n  ".join(problems))
    return Catalogues(by_language)


def _word_lists(data: dict, prefix: str = ""):
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _word_lists(value, f"{prefix}{key}.")
        elif isinstance(value, list):
            yield f"{prefix}{key}", value


def _shape(data: dict, prefix: str = "") -> dict[str, frozenset]:
    """Each key path with the placeholders its text uses (voices and word lists excepted)."""
    shape = {}
    for key, value in data.items():
        path = f"{prefix}{key}"
        if key == "voices":
            shape[path] = frozenset()
        elif isinstance(value, dict) and key not in ("zones", "days"):  # days: a list, or its forms by name
            shape.update(_shape(value, path + "."))
        elif isinstance(value, str):
            shape[path] = frozenset(name for _, name, _, _ in string.Formatter().parse(value) if name)
        else:
            shape[path] = frozenset()
    return shape
