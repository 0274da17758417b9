import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing.lookup import line_for
from routing.numbers import parse_number
from routing.table import parse_table

SWEDISH_MOBILE, NORWEGIAN, GERMAN, AMERICAN, TORONTO = (
    "+46701234567", "+4722123456", "+4930123456", "+12125551234", "+14165550123",
)
EEA_NUMBER = "+4969380789305"


@pytest.mark.parametrize(("dialed", "line_id"), [
    ("+46201605899", "SE"),
    ("+611800197503", "AU"),
    ("+18008659408", "CA"),
    ("+448000326417", "GB"),
    ("+498005892330", "DE"),
    ("+864000890365", "CN"),
])
def test_every_seed_number_reaches_its_line(table, dialed, line_id):
    """Each number printed in the seeds reaches its own line, whoever calls."""
    match = line_for(table, dialed, parse_number(SWEDISH_MOBILE))
    assert (match.line.id, match.dialed_known, match.caller_country) == (line_id, True, "SE")


@pytest.mark.parametrize(("caller", "line_id", "country"), [
    (NORWEGIAN, "EEA", "NO"),
    (SWEDISH_MOBILE, "EEA", "SE"),
    (GERMAN, "DE", "DE"),
    (AMERICAN, "EEA", "US"),
    ("anonymous", "EEA", None),
])
def test_the_shared_eea_number_reaches_the_line_serving_the_callers_country(table, caller, line_id, country):
    """On +4969380789305 Germans reach Germany; EEA callers, and anyone else, reach the line with the most markets."""
    match = line_for(table, EEA_NUMBER, parse_number(caller))
    assert (match.line.id, match.caller_country, match.dialed_known) == (line_id, country, True)


def test_a_dialed_number_is_normalised_before_matching(table):
    """Spaces and punctuation in To do not stop a match."""
    assert line_for(table, "+1 (800) 865-9408", parse_number(TORONTO)).line.id == "CA"


def test_an_unknown_dialed_number_reaches_the_default_line(table):
    """A number not in the table gets the default line, flagged as unknown, with the caller's country kept."""
    match = line_for(table, "+46812345678", parse_number(NORWEGIAN))
    assert (match.line.id, match.dialed_known, match.caller_country) == ("EEA", False, "NO")


@pytest.mark.parametrize("dialed", ["", "anonymous", "client:alice", "sip:support@example.com", "4969380789305", None])
def test_a_dialed_value_that_is_not_a_number_reaches_the_default_line(table, dialed):
    """Whatever arrives in To, the call still lands somewhere."""
    match = line_for(table, dialed, parse_number(NORWEGIAN))
    assert (match.line.id, match.dialed_known) == ("EEA", False)


@pytest.mark.parametrize("caller", [
    "", "anonymous", "Anonymous", "client:alice", "+", "+4620", "garbage", "0701234567", "+800 1234 5678",
    "+46" + "7" * 5000, None,
])
def test_a_caller_that_is_not_a_valid_number_has_no_country(table, caller):
    """Withheld, client, invalid, national-format and non-geographic callers get caller_country None."""
    match = line_for(table, "+46201605899", parse_number(caller))
    assert (match.line.id, match.caller_country) == ("SE", None)


def test_a_canadian_caller_is_placed_in_canada_and_reaches_canada(table):
    """A Toronto caller on the NANP toll-free number: line CA, country CA."""
    match = line_for(table, "+18008659408", parse_number(TORONTO))
    assert (match.line.id, match.caller_country) == ("CA", "CA")


def shared_table(first_markets: list[str], second_markets: list[str]):
    """Two region lines sharing one Swedish number."""
    def entry(markets):
        return {"name": "Region", "timezone": "Europe/Stockholm", "numbers": ["+46812345678"],
                "shared": ["+46812345678"], "markets": markets, "holidays": "SE", "languages": ["en-GB"],
                "queues": {"technical": {"hours": "24x7"}}}
    lines = {"FIRST": entry(first_markets), "SECOND": entry(second_markets)}
    return parse_table({"default_line": "FIRST", "lines": lines})


def test_without_a_market_match_the_line_with_most_markets_wins():
    """A caller from neither line's markets reaches the line serving more countries."""
    assert line_for(shared_table(["NO"], ["DK", "FI"]), "+46812345678", parse_number(AMERICAN)).line.id == "SECOND"


def test_a_tie_on_markets_goes_to_the_first_line_in_the_table():
    """Equal market counts: table order decides."""
    assert line_for(shared_table(["NO"], ["DK"]), "+46812345678", parse_number(AMERICAN)).line.id == "FIRST"


def test_a_market_match_beats_a_longer_market_list():
    """A Norwegian caller reaches the Norway line even though the other serves more countries."""
    assert line_for(shared_table(["DK", "FI"], ["NO"]), "+46812345678", parse_number(NORWEGIAN)).line.id == "SECOND"


phone_like = st.from_regex(r"\A\+?[0-9 ()+\-.]{0,30}\Z")
anything = st.one_of(st.none(), st.text(), phone_like, st.sampled_from([EEA_NUMBER, "+18008659408", "anonymous"]))


@given(dialed=anything, caller=anything)
def test_line_for_never_raises(table, dialed, caller):
    """Any To and From, including junk, give a line from the table."""
    match = line_for(table, dialed, parse_number(caller))
    assert match.line in table.lines
    assert match.caller_country is None or len(match.caller_country) == 2
