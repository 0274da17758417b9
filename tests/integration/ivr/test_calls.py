"""Whole calls, ring to queue, played as Twilio plays them: signed webhooks,
relative URLs resolved against the request, silence falling through a Gather."""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport


def call(client, to, from_, answers, hold_cycles=1):
    player = CallPlayer(
        transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
        to=to, from_=from_, answers=answers, hold_cycles=hold_cycles,
    )
    transcript = player.play()
    assert transcript.errors == []
    return transcript


def at(clock, local: str, zone: str) -> None:
    clock.at = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(timezone.utc)


@pytest.mark.parametrize(
    ("to", "from_", "answers", "queue", "first_words"),
    [
        ("+46201605899", "+46701234567", ["1", "1", "1"], "technical.sv.A", "Välkommen till supporten."),
        ("+611800197503", "+61412345678", ["2"], "billing.en.B", "Welcome to support."),
        ("+18008659408", "+14165550123", ["2", "1", "2"], "technical.fr.B", "Welcome to support."),
        ("+448000326417", "+447911123456", ["3"], "presales.en", "Welcome to support."),
        ("+498005892330", "+4915123456789", ["1", "2"], "billing.de.B", "Willkommen beim Support."),
        ("+4969380789305", "+4915123456789", ["1", "1", "3"], "technical.de.C", "Willkommen beim Support."),
        ("+4969380789305", "+4791234567", ["1", "3"], "presales.en", "Welcome to support."),
        ("+864000890365", "+8613812345678", ["1", "1", "1"], "technical.zh.A", "欢迎致电。"),
    ],
)
def test_every_seed_line_takes_a_caller_from_ring_to_queue(client, clock, to, from_, answers, queue, first_words):
    """Each line in the shipped table greets in its language and queues the caller as chosen."""
    at(clock, "2026-11-24 10:00", "Europe/Stockholm")  # Tuesday; business hours in Europe and Beijing (17:00) differ
    if to == "+864000890365":
        at(clock, "2026-11-24 10:00", "Asia/Shanghai")
    if to == "+611800197503":
        at(clock, "2026-11-24 10:00", "Australia/Sydney")
    if to == "+18008659408":
        at(clock, "2026-11-24 10:00", "America/Toronto")
    transcript = call(client, to, from_, answers)
    assert (transcript.outcome, transcript.queue) == ("queued", queue)
    assert transcript.said()[0] == first_words


def test_a_caller_who_knows_what_they_want_is_queued_within_three_choices(client, register):
    """A registered caller in Sweden: English, technical, critical; three key presses and queued."""
    register("100200", **CONTOSO)
    transcript = call(client, "+46201605899", "+46701234567", ["2", "1", "1"])
    gathers = [event for event in transcript.events if event.kind == "gather"]
    assert len(gathers) == 3
    assert transcript.queue == "technical.en.A"


def test_a_silent_caller_is_reprompted_twice_per_question_then_defaulted_to_a_person(client):
    """Nothing pressed at all: each question (language, menu, severity, account) asked three times, then technical B."""
    transcript = call(client, "+46201605899", "+46709999999", [])
    said = transcript.said()
    assert said.count("Förlåt, jag hörde ingenting.") == 8  # two re-prompts for each of the four questions
    assert said.count("For English, press 2.") == 3
    assert transcript.queue == "technical.sv.B"


def test_billing_in_sweden_closes_at_five_on_friday_and_names_monday_nine(client, clock):
    """Friday 17:00 Stockholm: closed, the hours, the next opening, technical offered, then goodbye."""
    at(clock, "2026-11-27 17:00", "Europe/Stockholm")
    transcript = call(client, "+46201605899", "+46701234567", ["2", "2", ""])
    assert transcript.said()[-6:] == [
        "Billing is closed right now.",
        "Billing is open Monday to Friday, from 9 a.m. to 5 p.m., Swedish time.",
        "It opens again on Monday at 9 a.m.",
        "For technical support, which is open now, press 1.",
        "To be called back when billing opens, press 2.",
        "Thank you for calling. Goodbye.",
    ]
    assert transcript.outcome == "hangup"


def test_billing_is_open_until_the_last_minute_on_friday(client, clock):
    """Friday 16:59 Stockholm: billing queues in English, and a Swedish caller is told so in Swedish."""
    at(clock, "2026-11-27 16:59", "Europe/Stockholm")
    transcript = call(client, "+46201605899", "+46701234567", ["1", "2"])
    assert transcript.queue == "billing.en.B"
    assert "Fakturasupport ges på engelska." in transcript.said()


def test_a_caller_offered_technical_support_when_billing_is_closed_can_take_it(client, clock):
    """Saturday: billing closed; pressing 1 at the offer leads on to severity and the technical queue."""
    at(clock, "2026-11-28 11:00", "Europe/London")
    transcript = call(client, "+448000326417", "+447911123456", ["2", "1", "2"])
    assert transcript.queue == "technical.en.B"


def test_the_weekend_stays_closed_until_monday(client, clock):
    """Sunday evening in Sydney: presales opens again tomorrow at 9."""
    at(clock, "2026-11-29 20:00", "Australia/Sydney")
    transcript = call(client, "+611800197503", "+61412345678", ["3", ""])
    assert "It opens again tomorrow at 9 a.m." in transcript.said()


def test_australian_billing_is_open_until_six(client, clock):
    """17:30 in Sydney on a weekday: billing is still open (09:00-18:00)."""
    at(clock, "2026-11-25 17:30", "Australia/Sydney")
    assert call(client, "+611800197503", "+61412345678", ["2"]).queue == "billing.en.B"


@pytest.mark.parametrize(
    ("utc", "open_"),
    [("2026-03-30 07:30", True), ("2026-03-30 06:30", False), ("2026-03-27 07:30", False), ("2026-03-27 08:30", True)],
)
def test_opening_hours_follow_local_time_across_the_spring_dst_change(client, clock, utc, open_):
    """Stockholm moves to summer time on 29 March 2026: 09:00 local is 07:00 UTC after, 08:00 UTC before."""
    clock.at = datetime.fromisoformat(utc).replace(tzinfo=timezone.utc)
    transcript = call(client, "+46201605899", "+46701234567", ["2", "3", ""])
    assert (transcript.queue == "presales.en") is open_


def test_a_public_holiday_closes_billing_and_says_why(client, clock):
    """Christmas Day 2026 is a Friday: billing is closed for the holiday and opens on Monday the 28th."""
    at(clock, "2026-12-25 10:00", "Europe/Stockholm")
    said = call(client, "+46201605899", "+46701234567", ["2", "2", ""]).said()
    assert "Billing is closed today for a public holiday." in said
    assert "It opens again on Monday at 9 a.m." in said


def test_a_public_holiday_does_not_close_technical_support(client, clock):
    """Christmas Day: technical support still queues."""
    at(clock, "2026-12-25 10:00", "Europe/Stockholm")
    assert call(client, "+46201605899", "+46701234567", ["2", "1", "2"]).queue == "technical.en.B"


def test_21vianet_technical_b_is_closed_at_night_but_critical_support_is_offered(client, clock):
    """03:00 Beijing: severity B waits until 09:00; pressing 1 at the offer reaches the A queue."""
    at(clock, "2026-11-24 03:00", "Asia/Shanghai")
    transcript = call(client, "+864000890365", "+8613812345678", ["2", "1", "2", "1"])
    said = transcript.said()
    assert "It opens again today at 9 a.m." in said
    assert transcript.queue == "technical.en.A"


def test_21vianet_technical_b_is_open_until_midnight(client, clock):
    """23:59 Beijing: severity B still queues."""
    at(clock, "2026-11-24 23:59", "Asia/Shanghai")
    assert call(client, "+864000890365", "+8613812345678", ["1", "1", "2"]).queue == "technical.zh.B"


def test_the_eea_number_serves_a_german_caller_on_the_german_line(client, redis_client):
    """+49 69 ... from a German mobile: the Germany entry, greeting in German."""
    transcript = call(client, "+4969380789305", "+4915123456789", [])
    assert redis_client.hget(f"call:{transcript.requests[0][1]['CallSid']}", "line") == "DE"


def test_the_eea_number_serves_a_latvian_caller_on_the_eea_line(client, redis_client):
    """+49 69 ... from Latvia: the EEA entry, caller country LV."""
    transcript = call(client, "+4969380789305", "+37121234567", ["1", "1", "1"])
    record = redis_client.hgetall(f"call:{transcript.requests[0][1]['CallSid']}")
    assert (record["line"], record["caller_country"], record["queue_name"]) == ("EEA", "LV", "technical.en.A")


def test_canadas_toll_free_number_stays_on_the_canada_line(client, redis_client):
    """+1 800 resolves to region US in phonenumbers, yet the Canada entry answers, with its voices (the caller
    listens on through the English offer to the French one, and picks English there)."""
    transcript = call(client, "+18008659408", "+14165550123", ["", "1", "1", "1"])
    assert redis_client.hget(f"call:{transcript.requests[0][1]['CallSid']}", "line") == "CA"
    voices = {event.attrs.get("voice") for event in transcript.events if event.kind == "say"}
    assert voices == {"Polly.Joanna", "Polly.Chantal"}


def test_an_unknown_dialled_number_is_served_by_the_default_line(client, redis_client):
    """A number nobody configured still answers: the EEA line, English first."""
    transcript = call(client, "+15005550006", "+15005550001", ["1", "1", "1"])
    assert transcript.said()[0] == "Welcome to support."
    assert transcript.queue == "technical.en.A"


def test_a_withheld_caller_id_is_served_like_any_other(client):
    """From=anonymous: no country, still queued."""
    assert call(client, "+448000326417", "anonymous", ["1", "1"]).queue == "technical.en.A"


def test_the_hold_repeats_with_fresh_figures_each_cycle(client):
    """Twilio requests the waitUrl again when it ends: each cycle says where the caller stands."""
    transcript = call(client, "+448000326417", "+447911123456", ["1", "1"], hold_cycles=3)
    music = [event for event in transcript.events if event.kind == "play"]
    assert len(music) == 3


def test_a_call_ends_with_its_record_closed(client, redis_client):
    """The status callback after hang-up marks the call completed."""
    transcript = call(client, "+448000326417", "+447911123456", ["3"])
    assert redis_client.hget(f"call:{transcript.requests[0][1]['CallSid']}", "status") == "completed"
