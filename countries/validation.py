"""A table document is acceptable when the table rules pass and every language
a line offers has a prompt catalogue (a caller must never hear silence).

A language Twilio cannot fully serve (no voice, or no speech recogniser) is
accepted, with a warning on the line: its callers still get through, by keys,
and in English where there is no voice for their language.
"""
from __future__ import annotations

from collections.abc import Callable

from prompts.catalogue import Catalogues
from routing.model import Table
from routing.table import TableError, parse_table


def validator(catalogues: Catalogues) -> Callable[[dict], Table]:
    def validate(document: dict) -> Table:
        table = parse_table(document)
        missing = [
            (line.id, "languages", f"no prompt catalogue for {locale}")
            for line in table.lines for locale in line.languages if not catalogues.has(locale)
        ]
        if missing:
            raise TableError(missing)
        return table

    return validate


def warnings(catalogues: Catalogues, table: Table, line_ids: tuple[str, ...] | None = None) -> list[str]:
    """"SE.languages: ..." for each language of a line (of `line_ids`, or all) that Twilio serves only in part."""
    found = []
    for line in table.lines:
        if line_ids is None or line.id in line_ids:
            found += [f"{line.id}.languages: {limit}" for locale in line.languages for limit in catalogues.limits(locale)]
    return found
