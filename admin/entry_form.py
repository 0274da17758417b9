"""An entry of the country table as an HTML form and back.

Lists are one item per line; a queue's hours are one range per line, or
`A: 24x7` lines for hours per severity; closures and the emergency switch are
small YAML blocks. Validation errors from the table rules (`SE.queues.billing.hours`)
are mapped back to the form field they belong to.
"""
from __future__ import annotations

import yaml

from routing.model import Queue, Severity
from routing.yaml_loader import load_yaml

LIST_FIELDS = ("numbers", "shared", "languages", "markets")
QUEUES = tuple(queue.value for queue in Queue)


def to_form(entry: dict) -> dict[str, str]:
    form = {"name": entry.get("name", ""), "timezone": entry.get("timezone", ""), "holidays": entry.get("holidays", "")}
    for field in LIST_FIELDS:
        form[field] = "\n".join(entry.get(field, []))
    for queue in QUEUES:
        config = (entry.get("queues") or {}).get(queue)
        form[f"{queue}_enabled"] = "on" if config else ""
        form[f"{queue}_hours"] = _hours_text(config.get("hours")) if config else ""
        form[f"{queue}_languages"] = "\n".join(config.get("languages", [])) if config else ""
    for block in ("closures", "emergency"):
        form[block] = yaml.safe_dump(entry[block], allow_unicode=True, sort_keys=False) if entry.get(block) else ""
    return form


def from_form(form, errors: dict[str, str]) -> dict:
    """The entry the form describes; YAML blocks that do not parse are noted in `errors`."""
    entry: dict = {"name": form.get("name", "").strip(), "timezone": form.get("timezone", "").strip()}
    for field in LIST_FIELDS:
        items = _lines(form.get(field, ""))
        if items or field in ("numbers", "languages"):
            entry[field] = items
    if form.get("holidays", "").strip():
        entry["holidays"] = form["holidays"].strip()
    queues = {}
    for queue in QUEUES:
        if form.get(f"{queue}_enabled"):
            config = {"hours": _hours_value(form.get(f"{queue}_hours", ""))}
            languages = _lines(form.get(f"{queue}_languages", ""))
            if languages:
                config["languages"] = languages
            queues[queue] = config
    entry["queues"] = queues
    for block in ("closures", "emergency"):
        text = form.get(block, "").strip()
        if text:
            try:
                entry[block] = load_yaml(text)
            except yaml.YAMLError as exc:
                errors[block] = f"is not valid YAML: {exc.problem if hasattr(exc, 'problem') else exc}"
    return entry


def field_errors(line_id: str, by_field: dict[str, str]) -> dict[str, str]:
    """`SE.queues.billing.hours` -> `billing_hours`; `SE.numbers[1]` -> `numbers`; others under `form`."""
    mapped: dict[str, str] = {}
    for key, message in by_field.items():
        path = key.removeprefix(f"{line_id}.") if key.startswith(f"{line_id}.") else key
        parts = path.replace("[", ".").split(".")
        if parts[0] == "queues" and len(parts) > 2 and parts[1] in QUEUES:
            name = f"{parts[1]}_{'languages' if parts[2] == 'languages' else 'hours'}"
        elif parts[0] in ("name", "timezone", "holidays", "closures", "emergency", *LIST_FIELDS):
            name = parts[0]
        else:
            name = "form"
        mapped[name] = f"{mapped[name]}; {message}" if name in mapped else message
    return mapped


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _hours_text(hours) -> str:
    if isinstance(hours, dict):
        return "\n".join(f"{severity}: {spec}" for severity, spec in hours.items())
    if isinstance(hours, list):
        return "\n".join(hours)
    return hours or ""


def _hours_value(text: str):
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    severities = {severity.value for severity in Severity}
    if lines and all(line[:2].rstrip(":") in severities and line[1:2] == ":" for line in lines):
        return {line[0]: line[2:].strip() for line in lines}
    return lines[0] if len(lines) == 1 else lines
