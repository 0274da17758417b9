"""`flask orgs import`: a YAML or CSV file of organisations, all or nothing."""
from __future__ import annotations

from verification.directory import Directory
from web.registry import parts_of

GOOD_YAML = """
100200:
  name: Contoso
  registered_phones: ["+46701234567"]
  registered_emails: [jane.doe@contoso.com]
  purchased_via: direct
  plan: elevated
300400:
  name: Fabrikam
  registered_emails: [it@fabrikam.example]
  purchased_via: partner
"""

GOOD_CSV = """account_number,name,registered_phones,registered_emails,purchased_via,plan
100200,Contoso,+46701234567;+447911123456,jane.doe@contoso.com,direct,standard
300400,Fabrikam,,it@fabrikam.example,partner,
"""


def run_import(app, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return app.test_cli_runner().invoke(args=["orgs", "import", str(path)])


def test_a_yaml_file_imports_every_organisation(app, tmp_path):
    """Two records keyed by account number: both stored, the output counts them."""
    result = run_import(app, tmp_path, "orgs.yaml", GOOD_YAML)
    assert result.exit_code == 0, result.output
    assert "imported 2 organisations (2 new, 0 replaced)" in result.output
    assert [org.plan for org in parts_of(app).get(Directory).all()] == ["elevated", "standard"]


def test_a_csv_file_imports_with_several_phones_per_cell(app, tmp_path):
    """Phones separated by semicolons; an empty plan means standard."""
    assert run_import(app, tmp_path, "orgs.csv", GOOD_CSV).exit_code == 0
    directory = parts_of(app).get(Directory)
    assert directory.get("100200").registered_phones == ("+46701234567", "+447911123456")
    assert directory.get("300400").plan == "standard"


def test_one_bad_record_imports_nothing_and_names_every_problem(app, tmp_path):
    """A bad e-mail in row 3 and a duplicate account: exit 1, nothing stored, both problems listed."""
    bad = GOOD_CSV.replace("it@fabrikam.example", "not-an-address") + "100200,Again,,a@b.example,direct,\n"
    result = run_import(app, tmp_path, "orgs.csv", bad)
    assert result.exit_code == 1
    assert "row 3.registered_emails" in result.output and "row 4: account_number 100200 appears twice" in result.output
    assert parts_of(app).get(Directory).all() == []


def test_a_yaml_file_of_the_wrong_shape_is_refused(app, tmp_path):
    """A bare string is neither a list nor a mapping of organisations."""
    result = run_import(app, tmp_path, "orgs.yaml", "just text")
    assert result.exit_code == 1 and "nothing imported" in result.output
