"""How long a registered caller listens between the ring and the queue, per line and language.

    python -m bench.prompt_length            # the shipped table, plus a line for each catalogue language
                                             # that no shipped line greets in (as an admin would add it)
    python -m bench.prompt_length --max 20   # exit 1 when any path is longer than 20 seconds

A registered caller (their number on one organisation's profile, so verification is silent)
is called through every line, in every language the line offers, to each queue (technical
with a severity, billing, sales), at 10:00 local time on a Tuesday, when everything is open.
Every prompt is heard to its end (no barge-in), and the longest of the three paths counts.
The calls are real: signed webhooks played by the Twilio simulator against the router.

Seconds come from syllables, since a word is a poor unit across languages (Finnish words are
long, Chinese is written without spaces). The rate is calibrated on English: the issue's 150
words a minute of English prompts is `150 / 60 * s` syllables a second, where `s` is the
English catalogue's syllables per word as this counter counts them (so the counter's own
bias cancels). Other languages are spoken at English's rate scaled by their measured syllable
rate against English's (SYLLABLE_RATE: syllables a second in read speech, from Pellegrino,
Coupé and Marsico, "A cross-language perspective on speech information rate", Language 87(3),
2011): Spanish, Italian and French pack more syllables into a second, Mandarin and German
fewer. A language that study did not measure is given English's rate.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
import yaml

ENGLISH_WORDS_PER_MINUTE = 150
# Syllables a second in read speech, Pellegrino, Coupé and Marsico 2011 (Language 87(3), table 2).
SYLLABLE_RATE = {"en": 6.19, "fr": 7.18, "de": 5.97, "it": 6.99, "zh": 5.18, "es": 7.82}
# A line for each language no shipped line greets in: the country whose number it would have.
HOME_COUNTRY = {"nb": "NO", "lv": "LV", "da": "DK", "fi": "FI", "nl": "NL", "it": "IT", "es": "ES", "pl": "PL",
                "pt": "PT", "fr": "FR", "sv": "SE", "de": "DE", "zh": "CN", "en": "GB"}
# Digits are read as words: 1-3 (the menu's keys) by their syllables in each language, others as two.
DIGIT_SYLLABLES = {
    "en": (1, 1, 1), "sv": (1, 1, 1), "de": (1, 1, 1), "fr": (1, 1, 1), "zh": (1, 1, 1), "nb": (1, 1, 1),
    "lv": (1, 2, 1), "da": (1, 1, 1), "fi": (2, 2, 2), "nl": (1, 1, 1), "it": (2, 2, 1), "es": (2, 1, 1),
    "pl": (2, 1, 1), "pt": (1, 1, 1),
}
_WORD = re.compile(r"[^\W\d_]+|\d", re.UNICODE)
_VOWELS = set("aeiouy")


def syllables(text: str, language: str) -> int:
    """Syllables as spoken: vowel groups per word (a final silent e dropped in English and French),
    a Han character each, and each digit by its name's syllables."""
    count = 0
    for token in _WORD.findall(text):
        if token.isdigit():
            digit = int(token)
            count += DIGIT_SYLLABLES.get(language, (2, 2, 2))[digit - 1] if 1 <= digit <= 3 else 2
            continue
        han = sum(1 for char in token if 0x3400 <= ord(char) <= 0x9FFF)
        if han:
            count += han
            continue
        count += _vowel_groups(token, language)
    return count


# Finnish vowel pairs that make one syllable (long vowels and diphthongs); any other pair is two (tu-lo-a).
FINNISH_ONE_SYLLABLE = {"ai", "ei", "oi", "ui", "yi", "äi", "öi", "au", "eu", "iu", "ou", "ey", "äy", "öy", "ie", "uo", "yö"}


def _vowel_groups(word: str, language: str) -> int:
    if language == "fi":
        lowered = word.lower()
        count = 0
        previous = ""
        for char in lowered:
            if char in "aeiouyäö":
                if not previous or (previous + char not in FINNISH_ONE_SYLLABLE and previous != char):
                    count += 1
                    previous = char
                else:
                    previous = ""  # a pair is closed: a third vowel starts a new syllable
            else:
                previous = ""
        return max(count, 1)
    base = "".join(unicodedata.normalize("NFD", char)[0].lower() if char not in "æøåœ" else "a" for char in word)
    groups = len(re.findall(r"[aeiouy]+", base))
    if language in ("en", "fr") and groups > 1 and base.endswith("e") and not base.endswith(("le", "ee")):
        groups -= 1
    return max(groups, 1)


def words(text: str) -> int:
    """Words as the issue counts them (a Han character counts as one, as Chinese has no spaces)."""
    return sum(sum(1 for char in token if 0x3400 <= ord(char) <= 0x9FFF) or 1 for token in _WORD.findall(text))


def relative_rate(language: str) -> float:
    """A language's syllable rate against English's (1 where it was not measured)."""
    return SYLLABLE_RATE.get(language, SYLLABLE_RATE["en"]) / SYLLABLE_RATE["en"]


def syllables_per_second(catalogues) -> float:
    """150 English words a minute, in this counter's syllables, from the English catalogue's own prompts."""
    english = catalogues("en-GB")
    keys = ("welcome", "menu", "severity", "goodbye", "hold_thanks", "apology", "verify_intro", "unverified",
            "partner", "ask_account", "enter_code", "callback_offer_hold", "no_input", "not_understood")
    texts = [english.text(key) for key in keys]
    per_word = sum(syllables(text, "en") for text in texts) / sum(words(text) for text in texts)
    return ENGLISH_WORDS_PER_MINUTE / 60 * per_word


@dataclass(frozen=True)
class Path_:
    line: str
    locale: str
    queue: str
    said: tuple[str, ...]
    words: int
    seconds: float


def extended_document(document: dict, catalogues) -> dict:
    """The table plus, for each catalogue language no line greets in, a line in it and English."""
    document = yaml.safe_load(yaml.safe_dump(document))
    leading = {locale.split("-")[0] for entry in document["lines"].values() for locale in entry["languages"][:1]}
    for language in catalogues.languages:
        if language in leading:
            continue
        country = HOME_COUNTRY[language]
        voices = catalogues(f"{language}-{country}")._data["voices"]
        locale = f"{language}-{country}" if f"{language}-{country}" in voices else next(iter(voices))
        number = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.TOLL_FREE) \
            or phonenumbers.example_number(country)
        document["lines"][country] = {
            "name": f"{country} ({language})", "timezone": "Europe/Berlin",
            "numbers": [phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)],
            "markets": [country], "languages": [locale, "en-GB"],
            "queues": {"technical": {"hours": "24x7"}, "billing": {"hours": "Mon-Fri 09:00-17:00"},
                       "presales": {"hours": "Mon-Fri 09:00-17:00"}},
        }
    return document


def measure(client, table, catalogues, register, set_clock, auth_token: str) -> list[Path_]:
    """Every line, language and queue, called by a registered caller; what they hear before <Enqueue>."""
    from twilio_simulator.twilio_player import CallPlayer, flask_transport

    rate = syllables_per_second(catalogues)
    paths = []
    for line in table.lines:
        market = line.markets[0] if line.markets else line.id
        caller = phonenumbers.format_number(
            phonenumbers.example_number_for_type(market, phonenumbers.PhoneNumberType.MOBILE),
            phonenumbers.PhoneNumberFormat.E164)
        register(caller)
        tuesday = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo(line.timezone)).astimezone(timezone.utc)
        set_clock(tuesday)
        for index, locale in enumerate(line.languages, start=1):
            # Each language's offer is a <Gather> of its own: a caller who hears every prompt lets each offer
            # pass in silence and keys their language at the last one (a key answers at any offer).
            language = [""] * (len(line.languages) - 1) + [str(index)] if len(line.languages) > 1 else []
            for queue, keys in (("technical", ["1", "1"]), ("billing", ["2"]), ("presales", ["3"])):
                transcript = CallPlayer(transport=flask_transport(client), auth_token=auth_token,
                                        base_url="http://localhost", to=line.numbers[0], from_=caller,
                                        answers=language + keys, hold_cycles=0).play()
                said = []
                for event in transcript.events:
                    if event.kind == "enqueue":
                        break
                    if event.kind == "say":
                        said.append((event.text, _language_of(event.attrs.get("language") or "en-GB")))
                if transcript.queue is None:
                    raise RuntimeError(f"{line.id} {locale} {queue}: the caller was not queued: {transcript.said()}")
                seconds = sum(syllables(text, language) / (rate * relative_rate(language)) for text, language in said)
                paths.append(Path_(line.id, locale, transcript.queue, tuple(text for text, _ in said),
                                   sum(words(text) for text, _ in said), round(seconds, 1)))
    return paths


def _language_of(say_language: str) -> str:
    """<Say language="cmn-CN"> is Mandarin: the catalogue `zh`."""
    language = say_language.split("-")[0].lower()
    return "zh" if language == "cmn" else language


def longest(paths: list[Path_]) -> list[Path_]:
    """The longest path per line and language."""
    best: dict[tuple[str, str], Path_] = {}
    for path in paths:
        key = (path.line, path.locale)
        if key not in best or path.seconds > best[key].seconds:
            best[key] = path
    return list(best.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max", type=float, default=None, help="exit 1 when a path is longer (seconds)")
    parser.add_argument("--verbose", action="store_true", help="print what each longest path says")
    args = parser.parse_args(argv)

    import redis

    from app import create_app
    from countries.store import TableStore
    from prompts.catalogue import load_catalogues
    from routing.yaml_loader import load_yaml
    from runtime.settings import Settings
    from verification.directory import Directory
    from verification.organisations import parse_organisation
    from web.registry import parts_of

    catalogues = load_catalogues()
    with tempfile.TemporaryDirectory() as folder:
        document = extended_document(load_yaml(Path("config/countries.yaml").read_text(encoding="utf-8")), catalogues)
        countries = Path(folder) / "countries.yaml"
        countries.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
        clock = _Clock()
        settings = replace(Settings(), instance_dir=str(Path(folder) / "instance"), countries_file=str(countries),
                           twilio_auth_token="prompt-length", admin_token="prompt-length")
        app = create_app({"settings": settings, "clock": clock})
        parts = parts_of(app)
        try:
            def register(number: str) -> None:
                parts.get(Directory).put(parse_organisation("90000000", {
                    "name": "Example", "registered_phones": [number], "purchased_via": "direct", "plan": "standard"}))

            paths = measure(app.test_client(), parts.get(TableStore).latest_known(), catalogues, register, clock.set,
                            "prompt-length")
        finally:
            parts.get(redis.Redis).shutdown(save=False, nosave=True)  # the embedded server this run started
    rows = sorted(longest(paths), key=lambda path: (path.line, path.locale))
    print(f"{'line':8} {'language':8} {'longest path':16} {'words':>5} {'seconds':>7}")
    for path in rows:
        print(f"{path.line:8} {path.locale:8} {path.queue:16} {path.words:5d} {path.seconds:7.1f}")
        if args.verbose:
            for text in path.said:
                print(f"{'':18}{text}")
    rates = ", ".join(f"{language} x{relative_rate(language):.2f}" for language in SYLLABLE_RATE if language != "en")
    print(f"(seconds: syllables at {syllables_per_second(catalogues):.2f} a second, 150 English words a minute;"
          f" {rates}; other languages as English)")
    if args.max is not None and any(path.seconds > args.max for path in rows):
        print(f"longer than {args.max:g} s: " + ", ".join(f"{p.line} {p.locale}" for p in rows if p.seconds > args.max))
        return 1
    return 0


class _Clock:
    def __init__(self):
        self.at = datetime.now(timezone.utc)

    def set(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


if __name__ == "__main__":
    sys.exit(main())
