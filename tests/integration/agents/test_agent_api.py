"""Agents: their records through the admin API, and the manual PIN step through
the agent API, with the same limits and audit as the IVR."""
from __future__ import annotations

import base64
import re

import pytest

from tests.conftest import CONTOSO

ADMIN = {"Authorization": "Bearer test-admin-token"}
ANNA = {"name": "Anna Agent", "pin": "4711", "password": "correct horse battery", "queues": ["technical", "billing"],
        "languages": ["sv", "en"], "phones": ["+46701112233"]}


def basic(agent_id: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{agent_id}:{password}".encode()).decode()}


ANNA_AUTH = basic("1001", ANNA["password"])


@pytest.fixture
def anna(client):
    assert client.put("/admin/api/agents/1001", json=ANNA, headers=ADMIN).status_code == 201


def test_an_agents_pin_and_password_are_stored_hashed_and_never_shown(client, anna, redis_client):
    """The API shows skills and phones; Redis holds scrypt hashes, not the secrets."""
    shown = client.get("/admin/api/agents/1001", headers=ADMIN).json
    assert shown == {"agent_id": "1001", "name": "Anna Agent", "queues": ["technical", "billing"], "languages": ["sv", "en"],
                     "phones": ["+46701112233"], "supervisor": False}
    raw = redis_client.get("agent:1001")
    assert ANNA["password"] not in raw and '"4711"' not in raw and "scrypt:" in raw


@pytest.mark.parametrize(
    ("change", "field"),
    [({"pin": "12"}, "pin"), ({"password": "short"}, "password"), ({"queues": ["sales"]}, "queues"),
     ({"languages": ["swedish"]}, "languages"), ({"phones": ["0701112233"]}, "phones"), ({"name": " "}, "name"),
     ({"queues": []}, "queues"), ({"shoe_size": 42}, "shoe_size"), ({"supervisor": "yes"}, "supervisor")],
)
def test_an_invalid_agent_field_is_named_and_nothing_is_stored(client, change, field):
    """400 with the field's error; the agent does not exist afterwards."""
    response = client.put("/admin/api/agents/1001", json={**ANNA, **change}, headers=ADMIN)
    assert response.status_code == 400 and field in response.json["errors"]
    assert client.get("/admin/api/agents/1001", headers=ADMIN).status_code == 404


def test_replacing_an_agent_without_secrets_keeps_the_old_ones(client, anna):
    """A skills update need not resend the PIN and password."""
    update = {key: value for key, value in ANNA.items() if key not in ("pin", "password")}
    assert client.put("/admin/api/agents/1001", json={**update, "queues": ["presales"]}, headers=ADMIN).status_code == 200
    assert client.get("/agent/api/orgs/1/contacts", headers=ANNA_AUTH).status_code == 404  # signed in, no such org


def test_an_agent_made_supervisor_stays_one_when_the_role_is_left_out_of_a_later_update(client, anna, redis_client):
    """supervisor: true is stored; an update without the field keeps it; a record from before the role reads as none."""
    client.put("/admin/api/agents/1001", json={**ANNA, "supervisor": True}, headers=ADMIN)
    client.put("/admin/api/agents/1001", json={**ANNA, "queues": ["presales"]}, headers=ADMIN)
    assert client.get("/admin/api/agents/1001", headers=ADMIN).json["supervisor"] is True
    old = redis_client.get("agent:1001").replace(', "supervisor": true', "")
    redis_client.set("agent:1001", old)
    assert client.get("/admin/api/agents/1001", headers=ADMIN).json["supervisor"] is False


def test_the_agent_api_needs_the_agents_password(client, anna):
    """No credentials or a wrong password: 401."""
    assert client.get("/agent/api/orgs/100200/contacts").status_code == 401
    assert client.get("/agent/api/orgs/100200/contacts", headers=basic("1001", "wrong")).status_code == 401


def test_five_wrong_passwords_from_one_address_refuse_that_address_only(client, anna):
    """After five failures from one address it gets 429 with Retry-After, even with the right password."""
    for _ in range(5):
        client.get("/agent/api/orgs/100200/contacts", headers=basic("1001", "wrong"))
    refused = client.get("/agent/api/orgs/100200/contacts", headers=ANNA_AUTH)
    assert refused.status_code == 429 and 0 < int(refused.headers["Retry-After"]) <= 15 * 60


def test_an_agent_sends_a_code_and_checks_the_one_the_caller_reads_out(client, anna, register, smtp_inbox, redis_client):
    """Contacts are masked; the e-mail goes over SMTP; the right code verifies and marks the call."""
    register("100200", **CONTOSO)
    redis_client.hset("call:CA" + "7" * 32, mapping={"sid": "CA" + "7" * 32, "line": "GB", "caller": "+447912999888"})
    contacts = client.get("/agent/api/orgs/100200/contacts", headers=ANNA_AUTH).json["contacts"]
    assert contacts[2] == {"index": 2, "channel": "email", "destination": "j•••@contoso.com"}
    sent = client.post("/agent/api/verification/send", json={"account_number": "100200", "contact": 2, "call_sid": "CA" + "7" * 32},
                       headers=ANNA_AUTH)
    assert (sent.status_code, sent.json) == (200, {"result": "sent", "channel": "email", "destination": "j•••@contoso.com"})
    code = re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)
    checked = client.post("/agent/api/verification/check", json={"account_number": "100200", "code": code, "call_sid": "CA" + "7" * 32},
                          headers=ANNA_AUTH)
    assert checked.json == {"result": "verified"}
    assert redis_client.hget("call:CA" + "7" * 32, "verified_by") == "agent 1001"
    audit = client.get("/admin/api/verification/audit?account=100200", headers=ADMIN).json["entries"]
    assert [(entry["actor"], entry["action"], entry["result"]) for entry in reversed(audit)] == [
        ("agent 1001", "send", "sent"), ("agent 1001", "check", "verified")]


def test_agents_share_the_organisations_send_limit_with_the_ivr(client, anna, register, smtp_inbox):
    """Three sends for one organisation in fifteen minutes; the fourth is refused with 429."""
    register("100200", **CONTOSO)
    statuses = [client.post("/agent/api/verification/send", json={"account_number": "100200", "contact": 2},
                            headers=ANNA_AUTH).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_a_wrong_code_from_the_agent_counts_as_an_attempt(client, anna, register, smtp_inbox):
    """The agent's check obeys the three-attempt limit too."""
    register("100200", **CONTOSO)
    client.post("/agent/api/verification/send", json={"account_number": "100200", "contact": 2}, headers=ANNA_AUTH)
    code = re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)
    wrong = "000000" if code != "000000" else "111111"
    results = [client.post("/agent/api/verification/check", json={"account_number": "100200", "code": wrong},
                           headers=ANNA_AUTH).json["result"] for _ in range(3)]
    assert results == ["wrong", "wrong", "locked"]


def test_the_agent_api_refuses_bad_requests_by_field(client, anna, register):
    """An unknown organisation, a contact out of range, a code that is not digits."""
    register("100200", **CONTOSO)
    assert client.post("/agent/api/verification/send", json={"account_number": "9"}, headers=ANNA_AUTH).json == {
        "errors": {"account_number": "no such organisation"}}
    assert "contact" in client.post("/agent/api/verification/send", json={"account_number": "100200", "contact": 9},
                                    headers=ANNA_AUTH).json["errors"]
    assert client.post("/agent/api/verification/check", json={"account_number": "100200", "code": "abc"},
                       headers=ANNA_AUTH).status_code == 400


def test_a_manual_check_on_a_call_replaces_the_whole_organisation_context(client, anna, register, smtp_inbox, redis_client):
    """The call came in as Contoso; the agent verifies Fabrikam's account on it: name and plan are Fabrikam's too."""
    register("100200", **CONTOSO)
    register("555000", **{**CONTOSO, "name": "Fabrikam", "registered_emails": ["it@fabrikam.example"], "plan": "elevated",
                          "registered_phones": []})
    sid = "CA" + "8" * 32
    redis_client.hset("call:" + sid, mapping={"sid": sid, "line": "GB", "caller": "+447911999888", "org": "100200",
                                              "org_name": "Contoso", "plan": "standard"})
    client.post("/agent/api/verification/send", json={"account_number": "555000", "contact": 0, "call_sid": sid},
                headers=ANNA_AUTH)
    code = re.search(r"\b(\d{6})\b", smtp_inbox.messages[-1].get_content()).group(1)
    client.post("/agent/api/verification/check", json={"account_number": "555000", "code": code, "call_sid": sid},
                headers=ANNA_AUTH)
    state = redis_client.hgetall("call:" + sid)
    assert (state["org"], state["org_name"], state["plan"], state["verified_by"]) == ("555000", "Fabrikam", "elevated", "agent 1001")
