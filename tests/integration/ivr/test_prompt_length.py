"""A registered caller's whole path, ring to queue, is at most 20 seconds of speech on every line and
in every language (bench/prompt_length.py measures it; barge-in by key or speech makes it shorter)."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from app import create_app
from bench.prompt_length import extended_document, longest, measure, syllables, words
from countries.store import TableStore
from prompts.catalogue import load_catalogues
from routing.yaml_loader import load_yaml
from tests.conftest import TWILIO_TOKEN
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

LIMIT_SECONDS = 20


@pytest.fixture
def every_language_app(tmp_path, settings, redis_client, clock, project_root):
    """The shipped table plus a line for each catalogue language no shipped line greets in."""
    catalogues = load_catalogues()
    shipped = load_yaml((Path(project_root) / "config" / "countries.yaml").read_text(encoding="utf-8"))
    countries = tmp_path / "countries.yaml"
    countries.write_text(yaml.safe_dump(extended_document(shipped, catalogues), allow_unicode=True), encoding="utf-8")
    return create_app({"settings": replace(settings, countries_file=str(countries)), "redis": redis_client, "clock": clock})


def test_every_registered_path_is_at_most_20_seconds(every_language_app, clock):
    """Every line, every language it offers, each queue: the longest path is at most 20 s."""
    app = every_language_app
    parts = parts_of(app)

    def register(number: str) -> None:
        parts.get(Directory).put(parse_organisation("90000000", {
            "name": "Example", "registered_phones": [number], "purchased_via": "direct", "plan": "standard"}))

    def set_clock(at):
        clock.at = at

    table = parts.get(TableStore).latest_known()
    paths = measure(app.test_client(), table, load_catalogues(), register, set_clock, TWILIO_TOKEN)
    rows = longest(paths)
    languages = {path.locale.split("-")[0] for path in rows}
    assert languages == set(load_catalogues().languages)  # every catalogue was called through
    too_long = [(path.line, path.locale, path.seconds, path.said) for path in rows if path.seconds > LIMIT_SECONDS]
    assert too_long == []


@pytest.mark.parametrize(
    ("text", "language", "count"),
    [
        ("Welcome to support.", "en", 5),       # wel-come to sup-port: the silent e is not a syllable
        ("For English, press 2.", "en", 5),
        ("Välkommen till supporten.", "sv", 7),
        ("Tervetuloa.", "fi", 5),               # ter-ve-tu-lo-a: o and a are two syllables, not a diphthong
        ("技术支持按1。", "zh", 6),               # a Han character each, and the digit
        ("Tehniskais atbalsts – 1", "lv", 6),
    ],
)
def test_syllables_are_counted_as_spoken(text, language, count):
    """The counter behind the seconds: vowel groups, Han characters, digits by their names."""
    assert syllables(text, language) == count


def test_words_count_han_characters_as_the_issue_counted_them():
    """Chinese has no spaces: each character is a word; elsewhere words are separated by spaces."""
    assert (words("欢迎致电。"), words("Welcome to support."), words("press 1")) == (4, 3, 2)
