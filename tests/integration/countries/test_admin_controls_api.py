"""Notices, the emergency switch and what-if through the admin API."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app

ADMIN = {"Authorization": "Bearer test-admin-token"}
WRITE = {**ADMIN, "If-Match": "*"}
NOTICE = {"text": {"en": "Teams calls are failing in Europe."}, "from": "2026-11-24T08:00:00+00:00",
          "to": "2026-11-24T20:00:00+00:00"}


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="test-admin-token"), "redis": redis_client, "clock": clock})


def test_a_notice_is_added_listed_replaced_and_removed(client):
    """PUT adds (version 2), PUT again replaces, the list shows one, DELETE removes it."""
    assert client.put("/admin/api/notices/teams", json=NOTICE, headers=WRITE).headers["ETag"] == '"2"'
    client.put("/admin/api/notices/teams", json={**NOTICE, "lines": ["SE"]}, headers=WRITE)
    assert [notice["lines"] for notice in client.get("/admin/api/notices", headers=ADMIN).json["notices"]] == [["SE"]]
    assert client.delete("/admin/api/notices/teams", headers=WRITE).status_code == 204
    assert client.get("/admin/api/notices", headers=ADMIN).json["notices"] == []
    assert client.delete("/admin/api/notices/teams", headers=WRITE).status_code == 404


def test_a_bad_notice_is_refused_by_field(client):
    """An end before the start: 400 naming notices[0].to."""
    response = client.put("/admin/api/notices/teams", json={**NOTICE, "to": "2026-11-24T07:00:00+00:00"}, headers=WRITE)
    assert response.status_code == 400 and "notices[0].to" in response.json["errors"]


def test_the_emergency_switch_goes_on_and_off_through_the_api(client):
    """On: what-if shows billing closed by the switch; off: open again. Both are in the history."""
    on = client.put("/admin/api/countries/GB/emergency", json={"queues": ["billing"], "message": {"en": "Systems down."}},
                    headers=WRITE)
    assert on.status_code == 200
    queues = {q["queue"]: q for q in client.get("/admin/api/what-if?to=%2B448000326417", headers=ADMIN).json["queues"]}
    assert (queues["billing"]["open"], queues["billing"]["closed_by"], queues["billing"]["reason"]) == (
        False, "emergency switch", {"en": "Systems down."})
    assert client.delete("/admin/api/countries/GB/emergency", headers=WRITE).status_code == 200
    queues = {q["queue"]: q for q in client.get("/admin/api/what-if?to=%2B448000326417", headers=ADMIN).json["queues"]}
    assert queues["billing"]["open"] is True
    actions = [v["action"] for v in client.get("/admin/api/countries/history", headers=ADMIN).json["versions"]]
    assert actions[:2] == ["emergency off GB", "emergency on GB"]
    assert client.put("/admin/api/countries/XX/emergency", json={"message": "x"}, headers=WRITE).status_code == 404


def test_what_if_answers_for_any_number_caller_and_instant(client):
    """The EEA number from Norway on Christmas Day 2026: the EEA line, English first, billing closed for the holiday."""
    answer = client.get("/admin/api/what-if", query_string={"to": "+4969380789305", "from": "+4791234567",
                                                             "at": "2026-12-25T10:00:00+01:00"}, headers=ADMIN).json
    assert (answer["line"], answer["caller_country"], answer["language_offer"]) == ("EEA", "NO", ["en-GB", "de-DE"])
    billing = next(q for q in answer["queues"] if q["queue"] == "billing")
    assert (billing["open"], billing["closed_by"], billing["next_opening"]) == (False, "public holiday", "2026-12-28T09:00:00+01:00")
    assert client.get("/admin/api/what-if?at=tomorrow", headers=ADMIN).status_code == 400


def test_what_if_lists_21vianet_technical_per_severity(client):
    """03:00 Beijing: technical A open, B and C closed until 09:00."""
    answer = client.get("/admin/api/what-if", query_string={"to": "+864000890365", "at": "2026-11-24T03:00:00+08:00"},
                        headers=ADMIN).json
    technical = {q["severity"]: q["open"] for q in answer["queues"] if q["queue"] == "technical"}
    assert technical == {"A": True, "B": False, "C": False}


def test_a_notice_put_again_unchanged_makes_no_version_and_the_history_shows_notice_changes(client):
    """The same notice twice: one version; the history entry names the notice with its before and after."""
    client.put("/admin/api/notices/teams", json=NOTICE, headers=WRITE)
    assert client.put("/admin/api/notices/teams", json=NOTICE, headers=WRITE).headers["ETag"] == '"2"'
    latest = client.get("/admin/api/countries/history", headers=ADMIN).json["versions"][0]
    assert latest["changed"] == {"notice:teams": {"before": None, "after": {**NOTICE, "id": "teams"}}}
