"""Load the country table and check all of it before the router starts.

Every problem is collected, so an admin fixes a bad table in one pass; each is
named by entry and field (`SE.numbers[0]: ...`).
"""
from __future__ import annotations

import os
from collections import defaultdict

import yaml

from routing.model import Line, Table
from routing.table_closures import read_notices
from routing.table_entry import read_line
from routing.table_fields import Error, unknown_keys
from routing.yaml_loader import load_yaml


class TableError(ValueError):
    """An invalid table; `.errors` holds (entry_id, field, message) for every problem.

    entry_id is None for problems with the table as a whole.
    """

    def __init__(self, errors: list[Error]):
        self.errors = list(errors)
        super().__init__("\n".join(_describe(error) for error in self.errors))

    def by_field(self) -> dict[str, str]:
        """{"SE.timezone": "...", "default_line": "..."}: for JSON answers; problems on one field are joined."""
        fields: dict[str, list[str]] = {}
        for entry_id, field, message in self.errors:
            fields.setdefault(".".join(part for part in (entry_id, field) if part) or "table", []).append(message)
        return {field: "; ".join(messages) for field, messages in fields.items()}


def load_table(path: str | os.PathLike[str]) -> Table:
    """Read and validate the YAML table at `path`."""
    return parse_table(read_document(path))


def read_document(path: str | os.PathLike[str]) -> dict:
    """The table file's plain data (a bare NO there is Norway, not false), not yet validated."""
    with open(path, encoding="utf-8") as file:
        try:
            return load_yaml(file)
        except yaml.YAMLError as exc:
            raise TableError([(None, "", f"{os.fspath(path)} is not valid YAML: {exc}")]) from exc


def parse_table(data: dict) -> Table:
    """Validate the table's plain data (as read from YAML) into a Table."""
    if not isinstance(data, dict):
        raise TableError([(None, "", "the table must be a mapping with default_line and lines")])
    errors: list[Error] = []
    add_table_error = lambda field, message: errors.append((None, field, message))  # noqa: E731
    unknown_keys(data, ("default_line", "lines", "notices"), "", add_table_error)
    entries = data.get("lines")
    if not isinstance(entries, dict) or not entries:
        errors.append((None, "lines", "must be a non-empty mapping of entries"))
        entries = {}
    lines = [read_line(line_id, entry, errors) for line_id, entry in entries.items()]
    default = data.get("default_line")
    if default is None:
        errors.append((None, "default_line", "is required"))
    elif entries and (not isinstance(default, str) or default not in entries):
        errors.append((None, "default_line", f"{default!r} is not an entry in lines"))
    errors += _shared_number_errors(lines)
    notices = read_notices(data.get("notices"), {str(key) for key in entries}, add_table_error)
    if errors:
        raise TableError(errors)
    return Table(lines=tuple(lines), default_line=default, notices=notices)


def _shared_number_errors(lines: list[Line]) -> list[Error]:
    """A number may be on several entries only if each of them lists it as shared."""
    holders: defaultdict[str, list[Line]] = defaultdict(list)
    for line in lines:
        for number in line.numbers:
            holders[number].append(line)
    errors = []
    for line in lines:
        for index, number in enumerate(line.numbers):
            others = [other.id for other in holders[number] if other is not line]
            if others and number not in line.shared_numbers:
                errors.append((line.id, f"numbers[{index}]", f"{number} is also on {', '.join(others)}; "
                               "a number on several entries must be in `shared` on each of them"))
        for index, number in enumerate(line.shared_numbers):
            if number in line.numbers and len(holders[number]) < 2:
                errors.append((line.id, f"shared[{index}]", f"{number} is shared but no other entry lists it"))
    return errors


def _describe(error: Error) -> str:
    entry_id, field, message = error
    where = ".".join(part for part in (entry_id, field) if part)
    return f"{where}: {message}" if where else message
