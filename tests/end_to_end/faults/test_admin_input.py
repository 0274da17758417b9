"""Any JSON to the admin API: a 2xx, or a 4xx naming fields, and nothing stored by a rejection."""
from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app

ADMIN = {"Authorization": "Bearer t", "If-Match": "*"}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)
bodies = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={"name": json_values, "timezone": json_values, "numbers": json_values,
                                        "languages": json_values, "queues": json_values, "registered_phones": json_values,
                                        "purchased_via": json_values, "pin": json_values, "password": json_values}),
)
PATHS = ["/admin/api/orgs/100200", "/admin/api/agents/1001", "/admin/api/countries/GB", "/admin/api/countries/NEW",
         "/admin/api/notices/n1", "/admin/api/countries/GB/emergency"]


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})


def snapshot(client):
    return [client.get(path, headers=ADMIN).get_data() for path in ("/admin/api/orgs", "/admin/api/agents", "/admin/api/countries")]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(path=st.sampled_from(PATHS), body=bodies)
def test_any_json_gets_a_2xx_or_a_4xx_naming_fields_and_a_rejection_changes_nothing(client, path, body):
    """Never a 5xx; a 400 carries field errors; after a 4xx the stored data is as before."""
    before = snapshot(client)
    response = client.put(path, json=body, headers=ADMIN)
    assert response.status_code < 500, response.get_data(as_text=True)
    if response.status_code >= 400:
        assert response.json.get("errors") or response.json.get("error")
        assert snapshot(client) == before
