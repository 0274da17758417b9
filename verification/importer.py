"""Reading a file of organisations (YAML or CSV) for a bulk import: every record
is validated before any is written, so an import lands whole or not at all."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from routing.yaml_loader import load_yaml
from verification.organisations import (
    Organisation,
    OrganisationError,
    parse_organisation,
)

LIST_SEPARATOR = ";"  # in CSV cells holding several phones or e-mails


class OrganisationFileError(ValueError):
    """Problems found in the file, one line each, naming the record and field."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def read_organisations(path: Path) -> list[Organisation]:
    text = path.read_text(encoding="utf-8")
    records = _csv_records(text) if path.suffix.lower() == ".csv" else _yaml_records(text)
    organisations, problems, seen = [], [], set()
    for label, account_number, fields in records:
        if account_number in seen:
            problems.append(f"{label}: account_number {account_number} appears twice")
            continue
        seen.add(account_number)
        try:
            organisations.append(parse_organisation(account_number, fields))
        except OrganisationError as error:
            problems.extend(f"{label}.{field}: {message}" for field, message in error.errors.items())
    if problems:
        raise OrganisationFileError(problems)
    return organisations


def _yaml_records(text: str) -> list[tuple[str, str, dict]]:
    """A list of records each with account_number, or a mapping keyed by account number."""
    try:
        data = load_yaml(text)
    except yaml.YAMLError as error:
        raise OrganisationFileError([f"the file is not valid YAML: {error}"]) from error
    if isinstance(data, dict):
        return [(f"{key}", str(key), {**(value or {}), "account_number": str(key)}) for key, value in data.items()]
    if isinstance(data, list):
        return [(f"record {index + 1}", str((item or {}).get("account_number", "")) if isinstance(item, dict) else "", item)
                for index, item in enumerate(data)]
    raise OrganisationFileError(["the file must hold a list of organisations or a mapping keyed by account number"])


def _csv_records(text: str) -> list[tuple[str, str, dict]]:
    records = []
    for row_number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        fields = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        for key in ("registered_phones", "registered_emails"):
            fields[key] = [item.strip() for item in fields.get(key, "").split(LIST_SEPARATOR) if item.strip()]
        if not fields.get("plan"):
            fields.pop("plan", None)
        records.append((f"row {row_number}", fields.get("account_number", ""), fields))
    return records
