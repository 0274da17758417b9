"""The country table as a live, validated, versioned document through the admin API."""
from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from app import create_app
from tests.conftest import TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport

ADMIN = {"Authorization": "Bearer test-admin-token"}
SATURDAY_NOON_LONDON = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def settings(settings):
    return replace(settings, admin_token="test-admin-token")


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": settings, "redis": redis_client, "clock": clock})


def read(client, line_id="GB"):
    response = client.get(f"/admin/api/countries/{line_id}", headers=ADMIN)
    return copy.deepcopy(response.json), response.headers["ETag"]


def put(client, line_id, entry, etag="*", headers=ADMIN):
    return client.put(f"/admin/api/countries/{line_id}", json=entry, headers={**headers, "If-Match": etag})


def test_the_table_reads_back_in_the_files_shape_with_an_etag(client):
    """GET gives default_line, lines and the version, which is also the ETag."""
    response = client.get("/admin/api/countries", headers=ADMIN)
    assert response.headers["ETag"] == '"1"'
    assert response.json["version"] == 1 and response.json["default_line"] == "EEA"
    assert response.json["lines"]["SE"]["numbers"] == ["+46201605899"]


def test_an_accepted_change_gets_a_new_version_with_who_when_and_what(client):
    """Billing in the UK moves to 08:00-16:00: version 2, by admin, with before and after."""
    entry, etag = read(client)
    entry["queues"]["billing"]["hours"] = "Mon-Fri 08:00-16:00"
    response = put(client, "GB", entry, etag)
    assert (response.status_code, response.headers["ETag"]) == (200, '"2"')
    latest = client.get("/admin/api/countries/history", headers=ADMIN).json["versions"][0]
    assert (latest["version"], latest["author"], latest["action"]) == (2, "admin", "put GB")
    assert latest["changed"]["GB"]["before"]["queues"]["billing"]["hours"] == "Mon-Fri 09:00-17:00"
    assert latest["changed"]["GB"]["after"]["queues"]["billing"]["hours"] == "Mon-Fri 08:00-16:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda e: e.update(numbers=["+4480003264"]), "GB.numbers[0]"),
        (lambda e: e.update(numbers=["+46201605899"]), "GB.numbers[0]"),
        (lambda e: e.update(numbers=["+4930123456"]), "GB.numbers[0]"),
        (lambda e: e.update(timezone="Europe/Londres"), "GB.timezone"),
        (lambda e: e["queues"]["billing"].update(hours="Mon-Fri 9-17"), "GB.queues.billing.hours"),
        (lambda e: e["queues"]["billing"].update(hours=["Mon-Fri 09:00-17:00", "Fri 16:00-18:00"]), "GB.queues.billing.hours"),
        (lambda e: e.update(languages=["en-GB", "is-IS"]), "GB.languages"),
        (lambda e: e.update(colour="red"), "GB.colour"),
    ],
)
def test_a_rejected_write_names_the_field_and_leaves_the_table_untouched(client, change, field):
    """An invalid or foreign number, a number of another entry, a bad zone, bad or overlapping hours,
    a language without prompts, an unknown key: 400 naming the field, version unchanged."""
    entry, etag = read(client)
    change(entry)
    response = put(client, "GB", entry, etag)
    assert response.status_code == 400
    assert any(key.startswith(field) for key in response.json["errors"]), response.json
    assert client.get("/admin/api/countries", headers=ADMIN).headers["ETag"] == '"1"'


def test_nanp_toll_free_numbers_are_accepted_on_canada(client):
    """+1 833 is toll-free in the NANP: phonenumbers says US, the Canada entry may still hold it."""
    entry, etag = read(client, "CA")
    entry["numbers"].append("+18332345678")
    assert put(client, "CA", entry, etag).status_code == 200


def test_a_write_without_if_match_is_refused(client):
    """No If-Match: 428, so nobody overwrites blind."""
    entry, _ = read(client)
    assert client.put("/admin/api/countries/GB", json=entry, headers=ADMIN).status_code == 428


def test_the_second_of_two_concurrent_edits_gets_412(client):
    """Two admins read version 1; the first write wins, the second is told the table moved on."""
    first, etag = read(client)
    second = copy.deepcopy(first)
    first["queues"]["billing"]["hours"] = "Mon-Fri 08:00-16:00"
    second["queues"]["presales"]["hours"] = "Mon-Fri 10:00-16:00"
    assert put(client, "GB", first, etag).status_code == 200
    stale = put(client, "GB", second, etag)
    assert (stale.status_code, stale.json["version"], stale.headers["ETag"]) == (412, 2, '"2"')
    assert read(client)[0]["queues"]["presales"]["hours"] == "Mon-Fri 09:00-17:00"


def test_rolling_back_restores_any_version_as_a_new_one(client):
    """Change twice, roll back to 1: the table equals version 1 and the history grows to 4."""
    original = client.get("/admin/api/countries", headers=ADMIN).json
    for hours in ("Mon-Fri 08:00-16:00", "Mon-Fri 07:00-15:00"):
        entry, etag = read(client)
        entry["queues"]["billing"]["hours"] = hours
        put(client, "GB", entry, etag)
    response = client.post("/admin/api/countries/rollback", json={"version": 1}, headers={**ADMIN, "If-Match": '"3"'})
    assert (response.status_code, response.json) == (200, {"version": 4})
    restored = client.get("/admin/api/countries", headers=ADMIN).json
    assert {**restored, "version": 1} == original
    assert client.get("/admin/api/countries/history", headers=ADMIN).json["versions"][0]["action"] == "rollback to version 1"


def test_an_entry_can_be_added_and_deleted_but_not_the_default_line(client):
    """A new Irish line is created (201) and deleted (204); deleting EEA, the default, is refused."""
    entry, etag = read(client)
    ireland = {**entry, "name": "Ireland", "timezone": "Europe/Dublin", "numbers": ["+3531800123456"]}
    created = put(client, "IE", ireland, etag)
    assert created.status_code == 201, created.json
    assert client.delete("/admin/api/countries/IE", headers={**ADMIN, "If-Match": created.headers["ETag"]}).status_code == 204
    refused = client.delete("/admin/api/countries/EEA", headers={**ADMIN, "If-Match": "*"})
    assert refused.status_code == 400 and "default_line" in refused.json["errors"]
    assert client.delete("/admin/api/countries/XX", headers={**ADMIN, "If-Match": "*"}).status_code == 404


def test_the_history_names_the_admin_whose_token_made_the_change(app, client):
    """A token made with `flask admins add alice` signs alice's changes."""
    token = app.test_cli_runner().invoke(args=["admins", "add", "alice"]).output.strip()
    entry, etag = read(client)
    entry["name"] = "United Kingdom of Great Britain and Northern Ireland"
    assert put(client, "GB", entry, etag, headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert client.get("/admin/api/countries/history", headers=ADMIN).json["versions"][0]["author"] == "alice"
    app.test_cli_runner().invoke(args=["admins", "revoke", "alice"])
    assert client.get("/admin/api/countries", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_admin_tokens_are_stored_only_as_digests(app, redis_client):
    """Redis holds a SHA-256 of the token, never the token."""
    token = app.test_cli_runner().invoke(args=["admins", "add", "bob"]).output.strip()
    assert token not in str(redis_client.hgetall("admin-tokens"))


def test_the_next_call_uses_the_new_table_without_a_restart(client, clock):
    """Saturday noon in London: billing closed; an admin opens it at weekends; the next call is queued."""
    clock.at = SATURDAY_NOON_LONDON

    def billing_call():
        return CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
                          to="+448000326417", from_="+447911123456", answers=["2"]).play()

    assert billing_call().outcome == "hangup"
    entry, etag = read(client)
    entry["queues"]["billing"]["hours"] = "Mon-Sun 09:00-17:00"
    put(client, "GB", entry, etag)
    assert billing_call().queue == "billing.en.B"


def test_a_put_that_changes_nothing_makes_no_version(client):
    """The entry sent back as it was read: 200 with the same ETag, and the history stays at one version."""
    entry, etag = read(client)
    response = put(client, "GB", entry, etag)
    assert (response.status_code, response.headers["ETag"]) == (200, '"1"')
    assert [change["version"] for change in client.get("/admin/api/countries/history", headers=ADMIN).json["versions"]] == [1]


def test_rolling_back_to_the_current_content_makes_no_version(client):
    """Version 2 is version 1's content again after a rollback; rolling back to 1 once more changes nothing."""
    entry, etag = read(client)
    entry["name"] = "Britain"
    put(client, "GB", entry, etag)
    assert client.post("/admin/api/countries/rollback", json={"version": 1}, headers={**ADMIN, "If-Match": '"2"'}).json == {"version": 3}
    again = client.post("/admin/api/countries/rollback", json={"version": 1}, headers={**ADMIN, "If-Match": '"3"'})
    assert again.json == {"version": 3}
