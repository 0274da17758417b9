"""The organisation directory through the admin JSON API, as an admin's script would use it."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app
from tests.conftest import CONTOSO, TWILIO_TOKEN
from twilio_simulator.twilio_player import CallPlayer, flask_transport
from verification.directory import Directory
from web.registry import parts_of

AUTH = {"Authorization": "Bearer test-admin-token"}


def put(client, account, body, headers=AUTH):
    return client.put(f"/admin/api/orgs/{account}", json=body, headers=headers)


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdDp0ZXN0"}])
def test_the_admin_api_refuses_requests_without_the_admin_token(client, headers):
    """No token, a wrong one, or the wrong scheme: 401 and nothing written."""
    assert put(client, "100200", CONTOSO, headers).status_code == 401
    assert client.get("/admin/api/orgs", headers=headers).status_code == 401
    assert client.get("/admin/api/orgs", headers=AUTH).json == {"organisations": []}


def test_an_organisation_can_be_created_read_replaced_listed_and_deleted(client):
    """PUT creates (201), GET reads, PUT again replaces (200), the list shows it, DELETE removes it (204)."""
    created = put(client, "100200", {**CONTOSO, "registered_phones": ["+46 70 123 45 67"]})
    assert created.status_code == 201
    assert created.json["registered_phones"] == ["+46701234567"]
    assert client.get("/admin/api/orgs/100200", headers=AUTH).json["name"] == "Contoso"
    assert put(client, "100200", {**CONTOSO, "name": "Contoso Ltd"}).status_code == 200
    assert [org["name"] for org in client.get("/admin/api/orgs", headers=AUTH).json["organisations"]] == ["Contoso Ltd"]
    assert client.delete("/admin/api/orgs/100200", headers=AUTH).status_code == 204
    assert client.get("/admin/api/orgs/100200", headers=AUTH).status_code == 404
    assert client.delete("/admin/api/orgs/100200", headers=AUTH).status_code == 404


@pytest.mark.parametrize(
    ("account", "change", "field"),
    [
        ("12ab", {}, "account_number"),
        ("100200", {"account_number": "999999"}, "account_number"),
        ("100200", {"name": ""}, "name"),
        ("100200", {"registered_phones": ["0701234567"]}, "registered_phones"),
        ("100200", {"registered_phones": ["+4612"]}, "registered_phones"),
        ("100200", {"registered_phones": "+46701234567"}, "registered_phones"),
        ("100200", {"registered_emails": ["jane.doe@"]}, "registered_emails"),
        ("100200", {"registered_phones": [], "registered_emails": []}, "registered_phones"),
        ("100200", {"purchased_via": "reseller"}, "purchased_via"),
        ("100200", {"plan": "gold"}, "plan"),
        ("100200", {"colour": "blue"}, "colour"),
    ],
)
def test_each_invalid_field_is_named_in_the_error(client, account, change, field):
    """400 with a JSON error under the field's name, and nothing stored."""
    response = put(client, account, {**CONTOSO, **change})
    assert response.status_code == 400
    assert field in response.json["errors"]
    assert client.get("/admin/api/orgs", headers=AUTH).json == {"organisations": []}


def test_a_body_that_is_not_a_json_object_is_refused(client):
    """A list, a string or no JSON at all: 400 naming the body."""
    for body in ([1, 2], "text"):
        assert put(client, "100200", body).json == {"errors": {"body": "must be an object"}}
    assert client.put("/admin/api/orgs/100200", data="{", headers={**AUTH, "Content-Type": "application/json"}).status_code == 400


def test_a_rejected_replacement_leaves_the_stored_record_and_its_phone_index_untouched(client, app):
    """A bad update of an existing organisation changes nothing, and callers still match its phones."""
    put(client, "100200", CONTOSO)
    assert put(client, "100200", {**CONTOSO, "registered_phones": ["+15005550009"], "plan": "gold"}).status_code == 400
    directory = parts_of(app).get(Directory)
    assert [org.account_number for org in directory.by_phone("+46701234567")] == ["100200"]
    assert directory.by_phone("+15005550009") == []


def test_replacing_phones_moves_the_index(client, app):
    """A phone removed from the record no longer identifies the organisation."""
    put(client, "100200", CONTOSO)
    put(client, "100200", {**CONTOSO, "registered_phones": ["+46709876543"]})
    directory = parts_of(app).get(Directory)
    assert directory.by_phone("+46701234567") == []
    assert [org.name for org in directory.by_phone("+46709876543")] == ["Contoso"]


def test_without_smtp_or_twilio_codes_land_in_the_outbox(settings, redis_client, clock):
    """A developer's machine: the caller's code is readable through the admin API, not sent anywhere."""
    unconfigured = replace(settings, smtp_host=None, twilio_account_sid=None, admin_token="a")
    app = create_app({"settings": unconfigured, "redis": redis_client, "clock": clock})
    client = app.test_client()
    client.put("/admin/api/orgs/100200", json=CONTOSO, headers={"Authorization": "Bearer a"})
    CallPlayer(transport=flask_transport(client), auth_token=TWILIO_TOKEN, base_url="http://localhost",
               to="+448000326417", from_="+447912999888", answers=["2", "100200#", "3"]).play()
    messages = client.get("/admin/api/outbox", headers={"Authorization": "Bearer a"}).json["messages"]
    assert [(m["channel"], m["to"], m["subject"]) for m in messages] == [("email", "jane.doe@contoso.com", "Your support verification code")]
