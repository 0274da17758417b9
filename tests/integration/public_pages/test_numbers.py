"""The public numbers page and its JSON twin, as a caller looking for a number sees them."""
from __future__ import annotations

from datetime import datetime, timezone


def test_the_api_lists_every_line_with_formatted_numbers_and_open_queues(client, clock):
    """Tuesday 10:00 Stockholm: Sweden's billing is open; its number is shown in international form."""
    lines = client.get("/api/numbers").json["lines"]
    assert [line["id"] for line in lines] == ["SE", "AU", "CA", "GB", "DE", "EEA", "CN"]
    sweden = lines[0]
    assert sweden["numbers"] == [{"e164": "+46201605899", "international": "+46 20 160 58 99", "national": "020-160 58 99"}]
    billing = next(queue for queue in sweden["queues"] if queue["queue"] == "billing")
    assert (billing["hours"], billing["open_now"], billing["languages"]) == ("Mon–Fri 09:00–17:00", True, ["en-GB"])


def test_the_api_is_filterable_by_country(client):
    """Norway has no line of its own: the EEA line serves it; Sweden gets its own line only."""
    assert [line["id"] for line in client.get("/api/numbers?country=no").json["lines"]] == ["EEA"]
    assert [line["id"] for line in client.get("/api/numbers?country=SE").json["lines"]] == ["SE"]
    assert client.get("/api/numbers?country=US").json["lines"] == []


def test_closed_queues_say_when_they_open(client, clock):
    """Saturday: billing closed, next opening Monday 09:00 local; technical open."""
    clock.at = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
    uk = client.get("/api/numbers?country=GB").json["lines"][0]
    queues = {queue["queue"]: queue for queue in uk["queues"]}
    assert queues["billing"]["open_now"] is False
    assert queues["billing"]["next_opening"] == "2026-11-30T09:00:00+00:00"
    assert queues["technical"]["open_now"] is True and queues["technical"]["hours"] == "24 hours, every day"


def test_21vianet_shows_technical_hours_per_severity(client):
    """China's technical queue lists severity A round the clock and B and C 09:00-24:00."""
    china = client.get("/api/numbers?country=CN").json["lines"][0]
    technical = next(queue for queue in china["queues"] if queue["queue"] == "technical")
    assert technical["by_severity"] == {"A": "24 hours, every day", "B": "Mon–Sun 09:00–24:00", "C": "Mon–Sun 09:00–24:00"}


def test_the_page_renders_each_line_with_a_country_filter(client):
    """HTML with a labelled country select and one section per line; no sign-in needed."""
    page = client.get("/numbers?country=DE").get_data(as_text=True)
    assert '<label for="country">' in page and '<option value="DE" selected>' in page
    assert '<h2 id="line-DE">Germany</h2>' in page and "+49 800 5892330" in page and 'id="line-EEA"' not in page
