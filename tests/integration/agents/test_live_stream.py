"""The console's pushed updates over HTTP: a stream without a session says where to sign in."""
from __future__ import annotations

from agents.live_stream import event


def test_the_stream_without_a_session_says_signed_out_at_once(client):
    """Opened with no console session (it ended, or never was): one event naming the sign-in page, no redirect."""
    response = client.get("/console/live")
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    assert response.get_data(as_text=True) == event("signed-out", "/console/sign-in")
