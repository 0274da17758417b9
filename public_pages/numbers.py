"""`/numbers` and `/api/numbers`: each line's numbers and, per queue, its hours in
local time and whether it is open right now, like the seeds' country drop-down."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, render_template, request

from countries.store import TableStore
from routing.line_summary import describe_line
from routing.model import Line, Table
from runtime.clock import Clock
from runtime.redis_connection import StoreUnavailable
from web.registry import lookup

bp = Blueprint("public_numbers", __name__)


@bp.get("/numbers")
def numbers_page():
    table, country = _table(), _country()
    return render_template("numbers.html", lines=_lines(table, country, lookup(Clock)()), country=country,
                           countries=_countries(table))


@bp.get("/api/numbers")
def numbers_api():
    return jsonify(lines=_lines(_table(), _country(), lookup(Clock)()))


def _table() -> Table:
    try:
        return lookup(TableStore).current()[1]
    except StoreUnavailable:
        return lookup(TableStore).latest_known()


def _country() -> str:
    return request.args.get("country", "").strip().upper()[:8]


def _countries(table: Table) -> list[tuple[str, str]]:
    """(code, label) for every country a caller can pick: each line's own country and the markets it serves."""
    labels: dict[str, str] = {}
    for line in table.lines:
        for code in (line.markets or (line.id,)):
            if code == line.id or code not in labels:
                labels[code] = f"{code} ({line.name})"
    return sorted(labels.items())


def _serves(line: Line, country: str) -> bool:
    return not country or line.id == country or country in line.markets


def _lines(table: Table, country: str, now: datetime) -> list[dict]:
    lines = [line for line in table.lines if _serves(line, country)]
    if country and any(line.id == country for line in lines):
        lines = [line for line in lines if line.id == country]  # a country's own line before a regional one
    return [describe_line(line, now) for line in lines]
