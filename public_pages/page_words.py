"""The words of the public numbers page, one catalogue per language (`public_pages/words/<language>.yaml`),
in the same fourteen languages as the caller's prompts. Country, language, weekday and time-zone names are
not here: they come from CLDR through babel, in the reader's language."""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path

import yaml

WORDS_DIR = Path(__file__).resolve().parent / "words"
DEFAULT = "en"


class PageWords:
    """One language's page words; `babel` is the CLDR locale its names are read in (`zh_Hans`, `nb`, `pt_PT`)."""

    def __init__(self, language: str, data: dict):
        self.language = language
        self.babel = data["babel"]
        self.holidays = data["holidays"]
        self._words = data["words"]

    def __call__(self, key: str, **values) -> str:
        return self._words[key].format(**values)


@lru_cache(maxsize=1)
def all_page_words() -> dict[str, PageWords]:
    """Every catalogue, checked as the prompts are: English's keys, and no placeholder English does not fill."""
    loaded = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(WORDS_DIR.glob("*.yaml"))}
    english = _shape(loaded[DEFAULT]["words"])
    for language, data in loaded.items():
        shape = _shape(data.get("words") or {})
        missing = sorted(set(english) - set(shape))
        extra = sorted(key for key, names in shape.items() if key in english and not names <= english[key])
        if missing or extra or not all(data.get(key) for key in ("babel", "holidays")):
            raise ValueError(f"{WORDS_DIR / language}.yaml: missing {missing}, unknown placeholders in {extra}, "
                             "or no babel or holidays")
    return {language: PageWords(language, data) for language, data in loaded.items()}


def page_words(language: str) -> PageWords:
    words = all_page_words()
    return words.get(language) or words[DEFAULT]


def _shape(words: dict) -> dict[str, frozenset[str]]:
    return {key: frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)
            for key, text in words.items()}
