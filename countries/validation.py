"""A table document is acceptable when the table rules pass and every language
a line offers has a prompt catalogue (a caller must never hear silence)."""
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
