"""`flask countries ...` for admins who script, and the YAML export round trip."""
from __future__ import annotations

from pathlib import Path

from countries.store import TableStore
from routing.table import read_document
from web.registry import parts_of

SHIPPED = Path(__file__).resolve().parents[3] / "config" / "countries.yaml"


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_export_then_import_gives_an_identical_table(app, tmp_path):
    """Export the live table, import the file back: the document is the same, so no new version is made."""
    tables = parts_of(app).get(TableStore)
    before = tables.document()
    assert cli(app, "countries", "export", str(tmp_path / "out.yaml")).exit_code == 0
    result = cli(app, "countries", "import", str(tmp_path / "out.yaml"))
    assert result.output.strip() == "unchanged: the live table is already this file (version 1)"
    assert tables.document() == before and len(tables.history()) == 1


def test_export_keeps_the_files_comments_and_order_and_shows_changes(app, tmp_path):
    """An unchanged table exports as the shipped file itself; a change shows up in place."""
    assert cli(app, "countries", "export").output == SHIPPED.read_text()
    tables = parts_of(app).get(TableStore)
    document = tables.document()
    document["lines"]["GB"]["queues"]["billing"]["hours"] = "Mon-Fri 08:00-16:00"
    tables.write(lambda current: document, author="test", action="edit", expected=None)
    exported = cli(app, "countries", "export").output
    assert "hours: Mon-Fri 08:00-16:00" in exported
    assert "# Australia's billing day runs an hour longer" in exported
    assert exported.index("  SE:") < exported.index("  GB:") < exported.index("  CN:")


def test_validate_reports_every_problem_and_changes_nothing(app, tmp_path):
    """A file with two faults: exit 1, both named; the live table stays at version 1."""
    bad = SHIPPED.read_text().replace("Europe/Stockholm", "Europe/Stockholmm").replace('"+611800197503"', '"+61180019750"')
    (tmp_path / "bad.yaml").write_text(bad)
    result = cli(app, "countries", "validate", str(tmp_path / "bad.yaml"))
    assert result.exit_code == 1
    assert "SE.timezone" in result.output and "AU.numbers[0]" in result.output
    assert cli(app, "countries", "import", str(tmp_path / "bad.yaml")).exit_code == 1
    assert parts_of(app).get(TableStore).current()[0] == 1


def test_history_and_rollback_from_the_command_line(app, tmp_path):
    """Import a change, roll back to 1, and the history lists all three versions."""
    document = read_document(SHIPPED)
    document["lines"]["GB"]["name"] = "Britain"
    (tmp_path / "t.yaml").write_text(SHIPPED.read_text().replace("name: United Kingdom", "name: Britain"))
    cli(app, "countries", "import", str(tmp_path / "t.yaml"), "--author", "ops")
    assert "version 3 (as version 1)" in cli(app, "countries", "rollback", "1").output
    history = cli(app, "countries", "history").output.splitlines()
    assert [line.split()[0] for line in history] == ["3", "2", "1"]
    assert "ops" in history[1] and "(GB)" in history[1]


def test_what_if_from_the_command_line(app):
    """Saturday in London: billing closed outside hours, technical open."""
    result = cli(app, "countries", "what-if", "--to", "+448000326417", "--at", "2026-11-28T12:00:00+00:00")
    assert result.exit_code == 0, result.output
    assert "United Kingdom (GB)" in result.output
    assert "billing      closed (outside hours); opens 2026-11-30T09:00:00+00:00" in result.output
    assert "technical    open" in result.output
