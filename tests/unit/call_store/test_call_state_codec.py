"""A call's record as its Redis hash holds it, and back: `CallState.from_hash` takes shortcuts (empty fields
skipped, no `__init__`), and these hold it to the plain reading: every field decoded and passed to the
dataclass."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from call_store.call_state import _FIELDS, STORED, CallbackWish, CallState, CallStatus, Verified, encode
from routing.model import Queue, Severity
from routing.queues import QueueName
from verification.service import Destination

FIELDS = {f.name: f for f in dataclasses.fields(CallState)}


def plainly(data: dict[str, str]) -> CallState | None:
    """The reading the shortcuts must equal: each stored field decoded, the dataclass built from them."""
    if not data.get("sid") or not data.get("line"):
        return None
    return CallState(**{name: _FIELDS[name](text) for name, text in data.items() if name in _FIELDS})


def test_an_empty_field_decodes_to_the_fields_default():
    for name in STORED - {"sid", "line"}:
        assert _FIELDS[name]("") == FIELDS[name].default, name


def test_every_field_but_the_calls_identity_has_a_plain_default_and_nothing_runs_after_init():
    for name, f in FIELDS.items():
        assert f.default_factory is dataclasses.MISSING, name
        assert (f.default is dataclasses.MISSING) == (name in ("sid", "line")), name
    assert not hasattr(CallState, "__post_init__")


TEXT = st.text(alphabet=st.sampled_from(list("abcAB12:.+-_ ")), max_size=12)
INSTANTS = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)).map(
    lambda at: at.replace(tzinfo=timezone(timedelta(hours=1))))
STATES = st.builds(
    CallState,
    sid=st.text(alphabet="CA0123456789abcdef", min_size=2, max_size=34),
    line=st.sampled_from(["se", "no", "lv", "gb"]),
    caller=st.sampled_from(["", "+46701234567"]),
    language=st.sampled_from(["", "sv-SE", "en-GB"]),
    queue=st.none() | st.sampled_from(Queue),
    severity=st.none() | st.sampled_from(Severity),
    queue_name=st.none() | st.sampled_from([QueueName.parse("technical.en.B"), QueueName.parse("billing.sv")]),
    status=st.sampled_from(CallStatus),
    org=st.sampled_from(["", "900001"]),
    verified=st.sampled_from(Verified),
    channel=st.none() | st.builds(Destination, st.sampled_from(["sms", "email"]), st.sampled_from(["+46701234567", "a@b.se"])),
    sends=st.integers(0, 9),
    table_version=st.integers(0, 99),
    on_hold=st.booleans(),
    callback=st.sampled_from(CallbackWish),
    agent=TEXT,
    started_at=st.none() | INSTANTS,
    ended_at=st.none() | INSTANTS,
)


@given(STATES)
def test_a_stored_state_reads_back_as_it_was(state):
    everything = encode(**{name: getattr(state, name) for name in STORED})
    assert state.stored() == {name: text for name, text in everything.items() if text}
    assert CallState.from_hash(state.stored()) == state


@given(st.dictionaries(st.sampled_from(sorted(STORED) + ["unknown", "extra"]), TEXT, max_size=12), STATES)
def test_any_hash_reads_as_the_plain_reading_gives_it(junk, state):
    for data in (junk, {**state.stored(), **junk}, {**junk, "sid": "CA1", "line": "se"}):
        assert CallState.from_hash(data) == plainly(data)


def test_two_reads_do_not_share_a_state():
    data = encode(sid="CA1", line="se", agent="ada")
    first, second = CallState.from_hash(data), CallState.from_hash(data)
    first.agent = "bob"
    assert second.agent == "ada" and first is not second
