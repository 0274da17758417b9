"""A production start-up that cannot silently go wrong (issue 16): off loopback, no start without
PUBLIC_BASE_URL or without a shared Redis (unless asked for), and the Host header never names the
URL a signature is checked against."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from runtime.settings import Settings, start_up_faults
from tests.conftest import TWILIO_TOKEN
from tests.processes import ROOT, free_port
from tests.twiml import signed_post

CALL = {"CallSid": "CA" + "1" * 32, "To": "+448000326417", "From": "+447911123456"}


def start(command, **env):
    """Run a start-up command until it exits by itself (a refusal) or 20 s pass."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PUBLIC_BASE_URL", "REDIS_URL", "HOST")}
    return subprocess.run(command, cwd=ROOT, env={**environment, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, **env},
                          capture_output=True, text=True, timeout=20)


@pytest.mark.parametrize("missing", ["PUBLIC_BASE_URL", "REDIS_URL"])
@pytest.mark.subprocess
def test_python_app_py_refuses_a_public_address_without_a_base_url_or_a_redis(missing, tmp_path):
    """HOST=0.0.0.0 with one of them unset: exit 2 naming it, before any embedded Redis starts."""
    env = {"HOST": "0.0.0.0", "PORT": str(free_port()), "INSTANCE_DIR": str(tmp_path),
           "PUBLIC_BASE_URL": "https://support.example.com", "REDIS_URL": "redis://127.0.0.1:1/0"}
    del env[missing]
    result = start([sys.executable, "app.py"], **env)
    assert result.returncode == 2 and missing in result.stderr
    assert not (tmp_path / "redis").exists()


@pytest.mark.subprocess
def test_gunicorn_refuses_a_public_bind_without_a_base_url(tmp_path):
    """`gunicorn --bind 0.0.0.0:...` without PUBLIC_BASE_URL or REDIS_URL: it says why and exits."""
    result = start([sys.executable, "-m", "gunicorn", "--bind", f"0.0.0.0:{free_port()}", "app:create_app()"],
                   INSTANCE_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL" in result.stderr and "REDIS_URL" in result.stderr


def test_the_rules_for_each_kind_of_address():
    """Loopback needs nothing; a public address needs both, or ALLOW_EMBEDDED_REDIS for the Redis."""
    bare = Settings()
    assert start_up_faults(bare, ["127.0.0.1"]) == [] and start_up_faults(bare, ["::1", "localhost"]) == []
    assert len(start_up_faults(bare, ["0.0.0.0"])) == 2
    assert len(start_up_faults(bare, ["unix:/run/router.sock"])) == 2
    assert start_up_faults(replace(bare, public_base_url="https://s.example", allow_embedded_redis=True), ["10.0.0.5"]) == []


def test_a_signature_made_for_another_host_does_not_check_without_a_base_url(client):
    """Without PUBLIC_BASE_URL, a request for another host is refused, however well it is signed for that host."""
    response = signed_post(client, "/ivr/voice", CALL, TWILIO_TOKEN, base="http://other-app.example")
    assert response.status_code == 403
    assert signed_post(client, "/ivr/voice", CALL, TWILIO_TOKEN, base="http://localhost").status_code == 200
