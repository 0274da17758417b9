from copy import deepcopy

import pytest

from routing.model import Queue, Severity
from routing.table import TableError, load_table, parse_table

SHARED = "+46812345678"  # Stockholm's local number: on SE, and on NORDIC for the other Nordic countries
VALID = {
    "default_line": "NORDIC",
    "lines": {
        "SE": {
            "name": "Sweden",
            "timezone": "Europe/Stockholm",
            "numbers": ["+46201605899", SHARED],
            "shared": [SHARED],
            "languages": ["sv-SE", "en-GB"],
            "queues": {
                "technical": {"hours": "24x7"},
                "billing": {"hours": "Mon-Fri 09:00-17:00", "languages": ["en-GB"]},
                "presales": {"hours": ["Mon-Fri 09:00-12:00", "Mon-Fri 13:00-17:00"]},
            },
        },
        "CN": {
            "name": "China (21Vianet)",
            "timezone": "Asia/Shanghai",
            "numbers": ["+864000890365"],
            "languages": ["zh-CN", "en-US"],
            "queues": {
                "technical": {"hours": {"A": "24x7", "B": "Mon-Sun 09:00-24:00", "C": "Mon-Sun 09:00-24:00"}},
                "billing": {"hours": {"B": "Mon-Fri 09:00-17:00", "C": "Mon-Fri 09:00-18:00"}},
            },
        },
        "NORDIC": {
            "name": "Other Nordic markets",
            "timezone": "Europe/Stockholm",
            "numbers": [SHARED],
            "shared": [SHARED],
            "markets": ["NO", "DK", "FI", "IS"],
            "holidays": "SE",
            "languages": ["en-GB"],
            "queues": {"technical": {"hours": "24x7"}},
        },
    },
}
DELETE = object()
ANOTHER_REGION = {key: value for key, value in VALID["lines"]["NORDIC"].items() if key != "shared"}
ANOTHER_REGION["numbers"] = ["+46812345670"]


def changed(*changes: tuple[str, object]) -> dict:
    """VALID with each dotted path set to a value (or deleted)."""
    data = deepcopy(VALID)
    for path, value in changes:
        *parents, key = path.split(".")
        target = data
        for parent in parents:
            target = target[parent]
        if value is DELETE:
            del target[key]
        else:
            target[key] = value
    return data


def errors_of(data: object) -> list[tuple[str | None, str, str]]:
    with pytest.raises(TableError) as caught:
        parse_table(data)
    return caught.value.errors


def test_the_shipped_table_loads(table):
    """config/countries.yaml is valid and keeps its entries in file order."""
    assert [line.id for line in table.lines] == ["SE", "AU", "CA", "GB", "DE", "EEA", "CN"]
    assert table.default_line == "EEA"


def test_a_market_written_no_in_yaml_stays_norway(table):
    """YAML 1.1 would read the bare NO in the EEA markets as false; the loader keeps it as Norway."""
    eea = table.line("EEA")
    assert "NO" in eea.markets and all(isinstance(code, str) for code in eea.markets)


def test_entry_defaults_come_from_a_country_id(table):
    """A country entry serves its own country and keeps its public holidays; a region entry names them."""
    sweden, eea = table.line("SE"), table.line("EEA")
    assert (sweden.markets, sweden.holiday_country) == (("SE",), "SE")
    assert eea.holiday_country == "DE" and len(eea.markets) == 29


def test_queue_languages_narrow_the_lines_languages(table):
    """Swedish billing is in English only; presales uses the line's languages."""
    sweden = table.line("SE")
    assert sweden.queue_languages(Queue.BILLING) == ("en-GB",)
    assert sweden.queue_languages(Queue.PRESALES) == ("sv-SE", "en-GB")


def test_severity_hours_are_kept_per_severity_and_merged_for_the_queue(table):
    """Chinese technical hours hold A, B and C separately; the queue's own hours are their union."""
    technical = table.line("CN").queue(Queue.TECHNICAL)
    assert [severity for severity, _ in technical.severity_hours] == [Severity.A, Severity.B, Severity.C]
    assert technical.hours_for(Severity.B).spec == ("Mon-Sun 09:00-24:00",)
    assert technical.hours.always_open and technical.hours.spec == ("24x7",)


def test_a_valid_table_parses_into_lines_in_file_order():
    """Entries, numbers, shared numbers and queues keep the order they were written in."""
    parsed = parse_table(deepcopy(VALID))
    assert [line.id for line in parsed.lines] == ["SE", "CN", "NORDIC"]
    sweden = parsed.line("SE")
    assert sweden.numbers == ("+46201605899", "+46812345678")
    assert sweden.shared_numbers == ("+46812345678",)
    assert [config.queue for config in sweden.queues] == [Queue.TECHNICAL, Queue.BILLING, Queue.PRESALES]
    assert parsed.line("CN").queue(Queue.BILLING).hours_for(Severity.C).spec == ("Mon-Fri 09:00-18:00",)


def test_canadas_nanp_toll_free_number_is_accepted_on_canada():
    """+18008659408 has region US in phonenumbers, but NANP toll-free numbers serve any NANP country."""
    data = changed(("lines.CA", {
        "name": "Canada", "timezone": "America/Toronto", "numbers": ["+18008659408"],
        "languages": ["en-US", "fr-CA"], "queues": {"technical": {"hours": "24x7"}},
    }))
    assert parse_table(data).line("CA").numbers == ("+18008659408",)


def test_a_us_number_that_is_not_toll_free_is_refused_on_canada():
    """A New York number is a US number, so it cannot be Canada's."""
    data = changed(("lines.CA", {
        "name": "Canada", "timezone": "America/Toronto", "numbers": ["+12125551234"],
        "languages": ["en-US"], "queues": {"technical": {"hours": "24x7"}},
    }))
    assert errors_of(data) == [
        ("CA", "numbers[0]", "+12125551234 is a number in US, not in this entry's country or markets (CA)"),
    ]


def test_a_nanp_toll_free_number_is_refused_outside_the_nanp():
    """The toll-free exception covers NANP countries only."""
    errors = errors_of(changed(("lines.SE.numbers", ["+18008659408", SHARED])))
    assert errors == [
        ("SE", "numbers[0]", "+18008659408 is a number in US, not in this entry's country or markets (SE)"),
    ]


@pytest.mark.parametrize(("path", "value", "where", "message"), [
    ("lines.SE.numbers", ["+4620", SHARED], ("SE", "numbers[0]"), "+4620 is not a valid phone number"),
    ("lines.SE.numbers", ["+46 20 160 58 99", SHARED], ("SE", "numbers[0]"), "not in E.164 form; write +46201605899"),
    ("lines.SE.numbers", ["046201605899", SHARED], ("SE", "numbers[0]"), "is not a valid phone number"),
    ("lines.SE.numbers", [46201605899, SHARED], ("SE", "numbers[0]"), "46201605899 must be a quoted string"),
    ("lines.SE.numbers", ["+442079460000", SHARED], ("SE", "numbers[0]"), "is a number in GB, not in this entry's"),
    ("lines.SE.numbers", [SHARED, SHARED], ("SE", "numbers[1]"), f"{SHARED} is listed twice"),
    ("lines.CN.numbers", [], ("CN", "numbers"), "must be a non-empty list"),
    ("lines.CN.numbers", DELETE, ("CN", "numbers"), "is required"),
    ("lines.SE.shared", [SHARED, "+46201605890"], ("SE", "shared[1]"), "+46201605890 is not in this entry's numbers"),
    ("lines.CN.shared", ["+864000890365"], ("CN", "shared[0]"), "is shared but no other entry lists it"),
    ("lines.SE.timezone", "Europe/Stokholm", ("SE", "timezone"), "'Europe/Stokholm' is not an IANA time zone"),
    ("lines.SE.timezone", "../../etc/passwd", ("SE", "timezone"), "is not an IANA time zone"),
    ("lines.SE.timezone", DELETE, ("SE", "timezone"), "None is not an IANA time zone"),
    ("lines.SE.name", "  ", ("SE", "name"), "must be a non-empty string"),
    ("lines.SE.name", DELETE, ("SE", "name"), "is required"),
    ("lines.SE.languages", ["sv-SE", "en-GB", "swedish"], ("SE", "languages[2]"), "swedish is not a language tag"),
    ("lines.SE.languages", ["sv_SE", "en-GB"], ("SE", "languages[0]"), "sv_SE is not a language tag"),
    ("lines.SE.languages", ["sv-SE", "en-GB", "sv-SE"], ("SE", "languages[2]"), "sv-SE is listed twice"),
    ("lines.SE.markets", ["SE", "XX"], ("SE", "markets[1]"), "XX is not an ISO 3166 alpha-2 country code"),
    ("lines.NORDIC.markets", DELETE, ("NORDIC", "markets"), "is required"),
    ("lines.NORDIC.holidays", DELETE, ("NORDIC", "holidays"), "is required when the id is not a country code"),
    ("lines.SE.holidays", "XX", ("SE", "holidays"), "'XX' is not a country the holidays package"),
    ("lines.SE.queus", {}, ("SE", "queus"), "unknown key; did you mean queues?"),
    ("lines.SE.queues.billing.langauges", ["en-GB"], ("SE", "queues.billing.langauges"), "did you mean languages?"),
    ("lines.SE.queues.sales", {"hours": "24x7"}, ("SE", "queues.sales"), "unknown queue"),
    ("lines.SE.queues.technical", DELETE, ("SE", "queues"), "must be a mapping of queues that includes technical"),
    ("lines.SE.queues.billing.hours", DELETE, ("SE", "queues.billing.hours"), "is required"),
    ("lines.SE.queues.billing.hours", "Mon-Fri 9-17", ("SE", "queues.billing.hours"), "'9' is not a time"),
    ("lines.SE.queues.billing.hours", ["Mon-Fri 09:00-17:00", "Fri 16:00-18:00"], ("SE", "queues.billing.hours"),
     "overlap on Fri"),
    ("lines.SE.queues.billing.hours", "Mon-Fri 22:00-06:00", ("SE", "queues.billing.hours"), "overnight range"),
    ("lines.SE.queues.billing.languages", ["fr-FR"], ("SE", "queues.billing.languages[0]"),
     "fr-FR is not in the line's languages (sv-SE, en-GB)"),
    ("lines.CN.queues.technical.hours", {"A": "24x7", "B": "Mon-Sun 09:00-24:00"}, ("CN", "queues.technical.hours"),
     "needs one hours value for each of the severities A, B, C, got A, B"),
    ("lines.CN.queues.billing.hours", {"A": "24x7", "B": "24x7", "C": "24x7"}, ("CN", "queues.billing.hours"),
     "severities B, C, got A, B, C"),
    ("lines.CN.queues.presales", {"hours": {"B": "24x7"}}, ("CN", "queues.presales.hours"),
     "presales has no severities"),
    ("lines.CN.queues.technical.hours.B", "Mon-Sun 09:00-25:00", ("CN", "queues.technical.hours.B"),
     "'25:00' is not a time"),
    ("lines.Nordic region", ANOTHER_REGION, ("Nordic region", ""), "is not a country code or a name"),
    ("lines.CN", "China", ("CN", ""), "must be a mapping"),
    ("default_line", DELETE, (None, "default_line"), "is required"),
    ("default_line", "EEA", (None, "default_line"), "'EEA' is not an entry in lines"),
    ("default_lines", "SE", (None, "default_lines"), "unknown key; did you mean default_line?"),
    ("lines", {}, (None, "lines"), "must be a non-empty mapping"),
])
def test_each_mistake_is_reported_once_by_entry_and_field(path, value, where, message):
    """A single mistake gives exactly one error, naming its entry and field."""
    errors = errors_of(changed((path, value)))
    assert [error[:2] for error in errors] == [where] and message in errors[0][2]


def test_a_number_on_two_entries_must_be_shared_by_both():
    """Listing a number on a second entry without `shared` is reported on each entry, naming the other."""
    data = changed(("lines.SE.shared", DELETE), ("lines.NORDIC.shared", DELETE))
    rule = "a number on several entries must be in `shared` on each of them"
    assert errors_of(data) == [
        ("SE", "numbers[1]", f"{SHARED} is also on NORDIC; {rule}"),
        ("NORDIC", "numbers[0]", f"{SHARED} is also on SE; {rule}"),
    ]


def test_sharing_on_one_side_only_is_reported_on_the_other():
    """When only NORDIC marks the number shared, the error is on SE."""
    errors = errors_of(changed(("lines.SE.shared", DELETE)))
    assert [error[:2] for error in errors] == [("SE", "numbers[1]")] and "also on NORDIC" in errors[0][2]


def test_all_errors_are_collected_in_one_pass():
    """Two bad fields in two entries give two errors, in file order."""
    data = changed(("lines.SE.timezone", "Mars/Olympus"), ("lines.CN.numbers", ["+8640"]))
    assert [error[:2] for error in errors_of(data)] == [("SE", "timezone"), ("CN", "numbers[0]")]


def test_the_error_message_lists_one_problem_per_line():
    """str(TableError) reads `entry.field: message`, one line each."""
    data = changed(("lines.SE.numbers", ["+4620", SHARED]), ("default_line", DELETE))
    with pytest.raises(TableError) as caught:
        parse_table(data)
    assert str(caught.value).splitlines() == [
        "SE.numbers[0]: +4620 is not a valid phone number",
        "default_line: is required",
    ]


@pytest.mark.parametrize("data", [None, [], "lines"])
def test_a_table_that_is_not_a_mapping_is_refused(data):
    """Anything but a mapping is one table-level error."""
    assert [error[:2] for error in errors_of(data)] == [(None, "")]


def test_table_error_is_a_value_error():
    """Start-up code that catches ValueError also catches a bad table."""
    assert issubclass(TableError, ValueError)


def test_load_table_reports_broken_yaml_as_a_table_error(tmp_path):
    """A YAML syntax error becomes a TableError naming the file."""
    path = tmp_path / "countries.yaml"
    path.write_text("lines: [unclosed\n", encoding="utf-8")
    with pytest.raises(TableError, match="countries.yaml is not valid YAML"):
        load_table(path)


NORWAY_YAML = """
default_line: NORDIC
lines:
  NORDIC:
    name: {name}
    timezone: Europe/Oslo
    numbers: ["+4722123456"]
    markets: [NO, DK]
    holidays: NO
    languages: [en-GB]
    queues: {{technical: {{hours: 24x7}}}}
"""


def test_load_table_keeps_a_bare_no_as_norway(tmp_path):
    """Unquoted NO in YAML is the country code, not false."""
    path = tmp_path / "countries.yaml"
    path.write_text(NORWAY_YAML.format(name="Nordic"), encoding="utf-8")
    nordic = load_table(path).line("NORDIC")
    assert nordic.markets == ("NO", "DK") and nordic.holiday_country == "NO"


def test_load_table_still_reads_true_as_a_boolean(tmp_path):
    """Only the YAML 1.1 yes/no/on/off booleans are dropped; `true` is no name."""
    path = tmp_path / "countries.yaml"
    path.write_text(NORWAY_YAML.format(name="true"), encoding="utf-8")
    with pytest.raises(TableError) as caught:
        load_table(path)
    assert caught.value.errors == [("NORDIC", "name", "must be a non-empty string")]
