"""YAML alias bombs and oversized files through the CLI, as the red team tried (issue 16): refused
at once, naming why, with nothing imported."""
from __future__ import annotations

import time

import pytest

from routing.yaml_loader import MAX_NODES, YamlTooLarge, expanded_size, load_yaml


def laughs(levels: int, width: int = 10) -> str:
    """The "billion laughs": each level a list of `width` aliases of the one before (width**levels values)."""
    lines = ['a0: &a0 ["lol"]']
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


@pytest.mark.parametrize("command", [("countries", "validate"), ("orgs", "import"), ("countries", "import")])
def test_an_alias_bomb_is_refused_at_once(app, tmp_path, command):
    """Ten million values from a few hundred bytes: refused within a second, nothing changed."""
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(laughs(7))
    assert bomb.stat().st_size < 600
    before = cli(app, "countries", "history").output
    started = time.perf_counter()
    result = cli(app, *command, str(bomb))
    assert time.perf_counter() - started < 1.0
    assert result.exit_code != 0 and "aliases" in result.output
    assert cli(app, "countries", "history").output == before


def test_a_file_over_the_size_limit_is_refused(app, tmp_path):
    """Three megabytes of organisations: refused as too large."""
    big = tmp_path / "orgs.yaml"
    big.write_text("- {name: " + "x" * (3 * 1024 * 1024) + "}\n")
    result = cli(app, "orgs", "import", str(big))
    assert result.exit_code != 0 and "larger than" in result.output


def test_a_few_plain_aliases_still_load():
    """Aliases as people use them (one block reused) are fine."""
    data = load_yaml("hours: &office Mon-Fri 09:00-17:00\nbilling: *office\npresales: *office\n")
    assert data == {"hours": "Mon-Fri 09:00-17:00", "billing": "Mon-Fri 09:00-17:00", "presales": "Mon-Fri 09:00-17:00"}


def test_the_expanded_size_counts_aliased_parts_each_time_and_stops_at_the_cap():
    """A shared list counts once per reference; the walk stops just past the cap."""
    shared = list(range(10))
    assert expanded_size([shared, shared], 1000) == 1 + 2 * 11
    assert expanded_size([shared] * 10**6, MAX_NODES) == MAX_NODES + 1
    with pytest.raises(YamlTooLarge):
        load_yaml(laughs(6, width=10).replace("a6: &a6", "a6:"))
