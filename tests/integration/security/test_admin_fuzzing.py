"""Every admin endpoint fuzzed as the red team did (issue 16): valid bodies with one field, at any depth,
replaced by nested JSON, whole bodies of nested, deep or huge JSON. Always a 2xx or a 4xx that names
what is wrong, never a 5xx, and a rejection stores nothing."""
from __future__ import annotations

import copy
import json
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app

ADMIN = {"Authorization": "Bearer t", "If-Match": "*"}
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
# Lists in lists and objects in lists, as deep as hypothesis likes: where the red team's 500s were.
nested = st.recursive(scalars, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=30)
deep = st.integers(min_value=20, max_value=3000).flatmap(
    lambda depth: st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth]))
huge = st.sampled_from([json.dumps(["x" * 100] * 20_000), json.dumps({"name": "x" * 3_000_000}),
                        json.dumps({f"k{n}": n for n in range(50_000)})])

ENTRY = {"name": "Testland", "timezone": "Europe/Stockholm", "numbers": ["+46201605899"], "languages": ["sv-SE", "en-GB"],
         "queues": {"technical": {"hours": "24x7"}, "billing": {"hours": "Mon-Fri 09:00-17:00", "languages": ["en-GB"]}},
         "closures": [{"date": "2026-12-24", "reason": {"en": "Christmas Eve"}, "queues": ["billing"], "yearly": True}],
         "emergency": {"queues": ["billing"], "message": {"en": "Down."}}}
VALID = {
    ("PUT", "/admin/api/orgs/100200"): {"name": "Contoso", "registered_phones": ["+46701234567"],
                                         "registered_emails": ["it@contoso.com"], "purchased_via": "direct", "plan": "standard"},
    ("PUT", "/admin/api/agents/1001"): {"name": "Anna", "pin": "4711", "password": "correct horse battery",
                                         "queues": ["technical"], "languages": ["sv"], "phones": ["+46701112233"]},
    ("PUT", "/admin/api/countries/SE"): ENTRY,
    ("PUT", "/admin/api/countries/NEW"): {**ENTRY, "numbers": ["+46200000001"]},
    ("PUT", "/admin/api/countries/GB/emergency"): {"queues": ["billing"], "message": {"en": "Billing is down."}},
    ("PUT", "/admin/api/notices/n1"): {"text": {"en": "Mail is slow."}, "lines": ["SE"], "from": "2026-11-24T08:00:00+01:00",
                                        "to": "2026-11-25T08:00:00+01:00"},
    ("POST", "/admin/api/countries/rollback"): {"version": 1},
}
WITHOUT_BODY = [("GET", "/admin/api/orgs"), ("GET", "/admin/api/orgs/100200"), ("GET", "/admin/api/agents"),
                ("GET", "/admin/api/agents/1001"), ("GET", "/admin/api/countries"), ("GET", "/admin/api/countries/SE"),
                ("GET", "/admin/api/countries/history"), ("GET", "/admin/api/notices"), ("GET", "/admin/api/outbox"),
                ("GET", "/admin/api/verification/audit"), ("GET", "/admin/api/what-if"),
                ("DELETE", "/admin/api/orgs/100200"), ("DELETE", "/admin/api/agents/1001"),
                ("DELETE", "/admin/api/countries/NEW"), ("DELETE", "/admin/api/countries/GB/emergency"),
                ("DELETE", "/admin/api/notices/n1")]


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})


def paths_of(value, prefix=()):
    """Every place in a JSON value where another value could stand."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths_of(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths_of(item, prefix + (index,))


def put_at(document, path, value):
    if not path:
        return value
    document = copy.deepcopy(document)
    target = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return document


@st.composite
def mutated(draw):
    """A valid body with one place in it, top or deep, replaced by nested JSON."""
    endpoint = draw(st.sampled_from(sorted(VALID)))
    body = VALID[endpoint]
    path = draw(st.sampled_from(list(paths_of(body))))
    return endpoint, json.dumps(put_at(body, path, draw(nested)))


@st.composite
def whole(draw):
    """Any endpoint, a body that is nested, deep or huge JSON (or not JSON at all)."""
    endpoint = draw(st.sampled_from(sorted(VALID) + WITHOUT_BODY))
    return endpoint, draw(nested.map(json.dumps) | deep | huge | st.text(max_size=50))


def snapshot(client):
    return [client.get(path, headers=ADMIN).get_data() for path in ("/admin/api/orgs", "/admin/api/agents", "/admin/api/countries")]


def check(client, endpoint, body):
    method, path = endpoint
    before = snapshot(client)
    response = client.open(path, method=method, data=body, headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status_code < 500, (endpoint, body[:300], response.get_data(as_text=True)[:500])
    if response.status_code >= 400 and response.status_code != 404:
        assert response.json.get("errors") or response.json.get("error"), response.get_data(as_text=True)[:300]
        assert snapshot(client) == before


FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                         HealthCheck.data_too_large], deadline=None)


@FUZZ
@given(case=mutated())
def test_a_valid_body_with_nested_json_anywhere_in_it_gets_no_5xx(client, case):
    """One field, at any depth of a valid body, replaced by nested JSON: a 2xx or a 4xx naming the fault."""
    check(client, *case)


@FUZZ
@given(case=whole())
def test_every_admin_endpoint_takes_nested_deep_and_huge_json_without_a_5xx(client, case):
    """Whole bodies nested, thousands deep, megabytes long or not JSON: never a 5xx."""
    check(client, *case)


@pytest.mark.parametrize(("endpoint", "body"), [
    (("PUT", "/admin/api/countries/SE"), {**ENTRY, "closures": [{"date": "2026-12-24", "queues": [["billing"]]}]}),
    (("PUT", "/admin/api/countries/GB/emergency"), {"queues": [["billing"]], "message": {"en": "Down."}}),
    (("PUT", "/admin/api/notices/n1"), {"text": {"en": "x"}, "lines": [["SE"]], "from": "2026-11-24T08:00:00+01:00",
                                         "to": "2026-11-25T08:00:00+01:00"}),
    (("PUT", "/admin/api/orgs/100200"), "[" * 5000 + "]" * 5000),
])
def test_the_red_teams_500s_are_field_errors_now(client, endpoint, body):
    """Nested lists in a closure's or the emergency's queues and a notice's lines, and deep nesting: 400 by field."""
    response = client.open(endpoint[1], method=endpoint[0], data=body if isinstance(body, str) else json.dumps(body),
                           headers={**ADMIN, "Content-Type": "application/json"})
    assert response.status_code == 400, response.get_data(as_text=True)[:500]
