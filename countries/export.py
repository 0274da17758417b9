"""Writing the live table back as YAML, keeping the file's comments and order.

The shipped file is read with ruamel.yaml's round-trip loader and brought in
line with the live document value by value: what did not change keeps its
comments and layout, changed values are replaced, new entries go at the end,
removed ones go.
"""
from __future__ import annotations

import io
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap


def export_yaml(document: dict, template: Path | None) -> str:
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap what the file wrote on one line
    base = CommentedMap()
    if template is not None and template.exists():
        base = yaml.load(template.read_text(encoding="utf-8")) or CommentedMap()
    merged = _merge(base, document)
    out = io.StringIO()
    yaml.dump(merged, out)
    return out.getvalue()


def _merge(old, new):
    """`new`'s values in `old`'s containers; anything unchanged stays as written."""
    if _plain(old) == new:
        return old
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [key for key in old if key not in new]:
            del old[key]
        for key, value in new.items():
            old[key] = _merge(old[key], value) if key in old else value
        return old
    return new


def _plain(value):
    """ruamel's commented containers and styled scalars as plain Python values."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, str):
        return str(value)
    return value
