"""The shipped country table, loaded once for the routing tests."""
from pathlib import Path

import pytest

from routing.model import Table
from routing.table import load_table

SHIPPED_TABLE = Path(__file__).resolve().parents[3] / "config" / "countries.yaml"


@pytest.fixture(scope="session")
def table() -> Table:
    return load_table(SHIPPED_TABLE)
