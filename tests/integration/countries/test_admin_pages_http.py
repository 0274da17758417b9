"""The admin pages' protections, checked over plain HTTP."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": replace(settings, admin_token="t"), "redis": redis_client, "clock": clock})


def signed_in(client):
    client.get("/admin/sign-in")
    with client.session_transaction("/admin") as session:
        token = session["csrf_token"]
    client.post("/admin/sign-in", data={"token": "t", "csrf_token": token})
    with client.session_transaction("/admin") as session:
        return session["csrf_token"]


def test_admin_pages_need_a_sign_in(client):
    """Every admin page redirects to the sign-in page."""
    for path in ("/admin", "/admin/lines/SE", "/admin/history", "/admin/notices", "/admin/what-if"):
        response = client.get(path)
        assert response.status_code == 302 and "/admin/sign-in" in response.headers["Location"]


def test_a_form_posted_without_the_csrf_token_is_refused(client):
    """Signed in, but a cross-site POST (no token) changes nothing: 400."""
    signed_in(client)
    response = client.post("/admin/rollback", data={"target": "1", "version": "1"})
    assert response.status_code == 400


def test_the_session_cookie_is_http_only_and_same_site(client):
    """The cookie cannot be read by scripts nor sent by other sites' forms."""
    client.get("/admin/sign-in")
    cookie = client.get_cookie("admin_session", path="/admin")
    assert cookie.http_only and cookie.same_site == "Lax"


def test_an_edit_from_a_stale_form_is_refused_with_an_explanation(client):
    """Two admins open the SE form at version 1; the second save is told the table moved on."""
    token = signed_in(client)
    page = client.get("/admin/lines/SE").get_data(as_text=True)
    assert 'name="version" value="1"' in page
    form = {"csrf_token": token, "version": "1", "name": "Sweden", "timezone": "Europe/Stockholm", "numbers": "+46201605899",
            "languages": "sv-SE\nen-GB", "technical_enabled": "on",
            **{f"hours-technical-all-{day}": "00:00-24:00" for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}}
    assert client.post("/admin/lines/SE", data=form).status_code == 302
    stale = client.post("/admin/lines/SE", data={**form, "name": "Sverige"})
    assert stale.status_code == 400 and "Someone else changed the table" in stale.get_data(as_text=True)


def test_adding_a_line_from_the_overview_needs_no_script(client):
    """The overview's form (no inline script: the CSP forbids it) leads to the new entry's form."""
    signed_in(client)
    response = client.get("/admin/lines/new?id=no")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/lines/NO?new=1")


@pytest.mark.parametrize("path", ["/admin/lines/SE", "/admin/lines/NEWLINE", "/admin/lines/SE/delete", "/admin/lines/SE/closures",
                                  "/admin/lines/SE/closures/remove", "/admin/lines/SE/emergency", "/admin/bulk-hours",
                                  "/admin/notices/new", "/admin/rollback", "/admin/zone", "/admin/lines/XX/emergency",
                                  "/admin/organisations/new", "/admin/organisations/12", "/admin/organisations/12/delete",
                                  "/admin/agents/new", "/admin/agents/x/delete"])
@pytest.mark.parametrize("junk", [{}, {"version": "x", "kind": "part", "date_from": "2026-02-30", "start": "25:00", "end": "ab",
                                       "queue": "sales", "action": "on", "confirmed": "yes", "index": "-1", "target": "999",
                                       "technical_enabled": "on", "technical_weeks": "A,Z", "hours-technical-A-Mon": "24:00-01:00",
                                       "zone": "Mars/Olympus", "id": "a b", "from_date": "x", "line-SE": "on",
                                       "account_number": "12ab", "registered_phones": "+4670", "plan": "gold", "agent_id": "1",
                                       "pin": "1", "supervisor": "maybe"}])
def test_any_form_posted_to_an_admin_page_gets_a_page_not_a_server_error(client, path, junk):
    """Missing, malformed or impossible fields: a 2xx, 3xx or 4xx, never a 5xx, and the table is never left invalid."""
    token = signed_in(client)
    response = client.post(path, data={**junk, "csrf_token": token})
    assert response.status_code < 500
    assert client.get("/admin").status_code == 200


def test_a_notice_posted_by_a_signed_in_admin_is_saved_with_its_zones_offset(client, app):
    """The add form's fields (as tests/security posts them, refused there) do save for a valid session: 08:00 Stockholm is +01:00."""
    token = signed_in(client)
    response = client.post("/admin/notices/new", data={
        "id": "n1", "text-en": "Mail is slow.", "zone": "Europe/Stockholm", "from_date": "2026-11-24", "from_time": "08:00",
        "to_date": "2026-11-25", "to_time": "08:00", "csrf_token": token, "version": "1"})
    assert response.status_code == 302
    assert client.get("/admin/api/notices", headers={"Authorization": "Bearer t"}).json["notices"] == [
        {"id": "n1", "text": {"en": "Mail is slow."}, "from": "2026-11-24T08:00:00+01:00", "to": "2026-11-25T08:00:00+01:00"}]
