"""What admins put on top of the hours, heard on real calls: notices, closures, the emergency switch."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from countries.store import TableStore
from routing.hours import is_open
from routing.model import Queue
from routing.table import TableError
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from web.registry import parts_of

NOTICE = {"id": "mail-outage", "text": {"en": "Exchange Online is degraded in Europe; we are working on it.",
                                        "sv": "Exchange Online fungerar sämre i Europa; vi arbetar på det."},
          "lines": ["SE"], "from": "2026-11-24T08:00:00+00:00", "to": "2026-11-24T12:00:00+00:00"}


@pytest.fixture
def tables(app):
    return parts_of(app).get(TableStore)


def edit(tables, change):
    def apply(document):
        change(document)
        return document
    return tables.write(apply, author="test", action="edit", expected=None)


def call(client, answers, to="+46201605899", from_="+46701234567"):
    transcript = CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                            to=to, from_=from_, answers=answers).play()
    assert transcript.errors == []
    return transcript


def test_a_notice_is_read_before_the_menu_in_the_callers_language(client, tables, clock):
    """Swedish chosen: the Swedish text, in the Swedish voice, right before the menu."""
    edit(tables, lambda document: document.setdefault("notices", []).append(NOTICE))
    said = call(client, ["1", ""]).said()
    index = said.index("Exchange Online fungerar sämre i Europa; vi arbetar på det.")
    assert said[index + 1].startswith("För teknisk support, tryck 1.")


def test_a_notice_without_the_callers_language_is_read_in_english_by_an_english_voice(client, tables):
    """No German text on the German line: the English text with an English voice."""
    edit(tables, lambda document: document.setdefault("notices", []).append({**NOTICE, "lines": ["DE"]}))
    transcript = call(client, ["1", ""], to="+498005892330", from_="+4915123456789")
    spoken = [(event.attrs.get("language"), event.text) for event in transcript.events if event.kind == "say"]
    assert ("en-GB", "Exchange Online is degraded in Europe; we are working on it.") in spoken


def test_a_notice_is_not_read_after_it_ends_or_on_other_lines(client, tables, clock):
    """Noon UTC has passed: silence about it; and the UK line never had it."""
    edit(tables, lambda document: document.setdefault("notices", []).append(NOTICE))
    assert not any("Exchange Online" in text for text in call(client, [""], to="+448000326417").said())
    clock.at = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)
    assert not any("Exchange Online" in text for text in call(client, ["1", ""]).said())


def test_a_closure_closes_a_queue_and_says_why(client, tables, register):
    """A staff day closes billing in the UK today: the caller hears the reason and the next opening."""
    register("100200", **CONTOSO)
    edit(tables, lambda document: document["lines"]["GB"].update(closures=[
        {"date": "2026-11-24", "reason": {"en": "Our billing team is at a training day."}, "queues": ["billing"]}]))
    said = call(client, ["2", ""], to="+448000326417", from_="+447911123456").said()
    assert "Billing is closed right now." in said
    assert "Our billing team is at a training day." in said
    assert "It opens again tomorrow at 9 a.m." in said


def test_a_closure_for_part_of_a_day_reopens_when_it_ends(client, tables, clock):
    """Closed 10:00-14:00 London: at 11:00 the next opening is today at 2 p.m."""
    edit(tables, lambda document: document["lines"]["GB"].update(closures=[
        {"from": "2026-11-24 10:00", "to": "2026-11-24 14:00", "reason": "Office move"}]))
    clock.at = datetime(2026, 11, 24, 11, 0, tzinfo=timezone.utc)
    assert "It opens again today at 2 p.m." in call(client, ["3", ""], to="+448000326417").said()


def test_a_yearly_closure_applies_every_year(tables, clock):
    """Christmas Eve, every year: closed on 24 December 2027 too."""
    edit(tables, lambda document: document["lines"]["SE"].update(closures=[
        {"date": "2026-12-24", "reason": {"sv": "Julafton"}, "yearly": True, "queues": ["billing", "presales"]}]))
    sweden = tables.current()[1].line("SE")
    christmas_eve_2027 = datetime(2027, 12, 24, 10, 0, tzinfo=timezone.utc)  # a Friday
    assert not is_open(sweden, Queue.BILLING, christmas_eve_2027)
    assert is_open(sweden, Queue.TECHNICAL, christmas_eve_2027)


def test_the_emergency_switch_closes_a_queue_at_once_with_its_message(client, tables):
    """Billing switched off in the UK: the caller hears the admin's message, no hours, and technical is offered."""
    edit(tables, lambda document: document["lines"]["GB"].update(emergency={
        "queues": ["billing"], "message": {"en": "Billing support is unavailable because of a system failure."}}))
    said = call(client, ["2", ""], to="+448000326417").said()
    assert "Billing support is unavailable because of a system failure." in said
    assert "For technical support, which is open now, press 1." in said
    assert not any(text.startswith("It opens again") for text in said)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["lines"]["GB"].update(closures=[{"date": "24/12/2026"}]), "GB.closures[0].date"),
        (lambda d: d["lines"]["GB"].update(closures=[{"from": "2026-12-24 10:00", "to": "2026-12-24 09:00"}]), "GB.closures[0].to"),
        (lambda d: d["lines"]["GB"].update(closures=[{"date": "2026-12-24", "queues": ["sales"]}]), "GB.closures[0].queues"),
        (lambda d: d["lines"]["GB"].update(emergency={"queues": ["billing"]}), "GB.emergency.message"),
        (lambda d: d.update(notices=[{**NOTICE, "from": "2026-11-24 08:00"}]), "notices[0].from"),
        (lambda d: d.update(notices=[{**NOTICE, "lines": ["XX"]}]), "notices[0].lines"),
        (lambda d: d.update(notices=[NOTICE, NOTICE]), "notices[1].id"),
    ],
)
def test_bad_closures_notices_and_switches_are_refused_by_field(tables, change, field):
    """Each is named, and the table stays as it was."""
    with pytest.raises(TableError) as refused:
        edit(tables, change)
    assert field in refused.value.by_field()
    assert tables.current()[0] == 1
