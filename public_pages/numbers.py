"""`/numbers` and `/api/numbers`: each line's numbers (as dialled inside the country and from abroad) and, per
queue, its hours in local time and whether it is open right now, its notices and closures in the next 14 days;
in the reader's language: `?lang=`, else the browser's Accept-Language, else English."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from countries.store import TableStore
from public_pages.directory import Reader, directory, sort_key
from public_pages.page_words import DEFAULT, all_page_words, page_words
from routing.model import Table
from runtime.clock import Clock
from runtime.redis_connection import StoreUnavailable
from runtime.settings import Settings
from web.registry import lookup

bp = Blueprint("public_numbers", __name__)

ALIASES = {"no": "nb", "nn": "nb"}  # a browser asking for Norwegian reads Bokmål


@bp.get("/numbers")
def numbers_page():
    table, country, reader = _table(), _country(), Reader(page_words(_language()))
    words = reader.words
    before, _, after = words("health", link="\0").partition("\0")
    return render_template(
        "numbers.html", words=words, lang=words.language, lines=directory(table, country, lookup(Clock)(), reader),
        country=country, countries=_countries(table, reader), switch=_switch(country), health_url=_health_url(),
        health=(before, words("health_link"), after),
    )


@bp.get("/api/numbers")
def numbers_api():
    reader = Reader(page_words(_language()))
    return jsonify(language=reader.words.language, service_health_url=_health_url(),
                   lines=directory(_table(), _country(), lookup(Clock)(), reader))


def _table() -> Table:
    try:
        return lookup(TableStore).current()[1]
    except StoreUnavailable:
        return lookup(TableStore).latest_known()


def _country() -> str:
    return request.args.get("country", "").strip().upper()[:8]


def _language() -> str:
    """`?lang=` when it names a catalogue; else the best of the browser's languages; else English."""
    known = all_page_words()
    asked = request.args.get("lang", "").strip().lower()[:8]
    asked = ALIASES.get(asked, asked)
    if asked in known:
        return asked
    offered = [*known, *ALIASES]
    best = request.accept_languages.best_match(offered, default=DEFAULT)
    return ALIASES.get(best, best)


def _health_url() -> str:
    return lookup(Settings).service_health_url


def _switch(country: str) -> list[dict]:
    """A link per page language, named in that language, keeping the chosen country."""
    links = []
    for language, words in all_page_words().items():
        own = Reader(words).language(language)
        query = {"lang": language, **({"country": country} if country else {})}
        links.append({"language": language, "name": own[:1].upper() + own[1:], "query": query})
    return sorted(links, key=lambda link: sort_key(link["name"]))


def _countries(table: Table, reader: Reader) -> list[tuple[str, str]]:
    """(code, name) for every country a caller can pick: each line's own country and the markets it serves."""
    codes = {code for line in table.lines for code in (line.markets or (line.id,))}
    names = {code: reader.line_name(table.line(code)) if table.line(code) else reader.country(code) for code in codes}
    return sorted(names.items(), key=lambda item: sort_key(item[1]))
