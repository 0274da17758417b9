"""Slow clients against the production recipe README gives: gunicorn as gunicorn.conf.py runs it, behind
nginx with deploy/nginx-site.conf as it stands. Fifty clients trickle their headers or bodies; signed
webhooks still answer in milliseconds, and bodies over the limit are refused unread."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from urllib.parse import urlencode

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import TWILIO_TOKEN
from tests.processes import ROOT, free_port

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
PUBLIC = "http://router.test"
pytestmark = [pytest.mark.subprocess,
              pytest.mark.skipif(NGINX is None, reason="nginx is not installed (.ci/run installs Debian's nginx-light)")]


def wait_for(port: int, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in 30 s")


@pytest.fixture
def recipe(tmp_path, redis_url):
    """gunicorn from the repository's folder (so it reads gunicorn.conf.py) and nginx with the shipped site file."""
    app_port, proxy_port = free_port(), free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "CODE_SECRET": "test-code-secret",
           "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(tmp_path / "instance"), "LOG_LEVEL": "WARNING"}
    gunicorn = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{app_port}", "app:create_app()"],
                                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    site = (ROOT / "deploy" / "nginx-site.conf").read_text()
    assert "server 127.0.0.1:8000;" in site and "listen 80;" in site
    folder = tmp_path / "nginx"
    folder.mkdir()
    os.chmod(tmp_path, 0o755)
    os.chmod(folder, 0o777)  # nginx's workers may run as another user: they write their buffers here
    (folder / "site.conf").write_text(site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
                                      .replace("listen 80;", f"listen 127.0.0.1:{proxy_port};"))
    (folder / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {folder}/nginx.pid;\nerror_log {folder}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;\n"
        f"  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;\n"
        f"  include {folder}/site.conf; }}\n")
    nginx = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(app_port, gunicorn, "gunicorn")
        wait_for(proxy_port, nginx, "nginx")
        deadline = time.monotonic() + 60
        while signed_webhook(proxy_port, 0, 5)[0] != 200:  # every worker has loaded the app
            if time.monotonic() > deadline:
                raise RuntimeError(f"no answer through nginx: {(folder / 'error.log').read_text()}")
            time.sleep(0.2)
        yield app_port, proxy_port
    finally:
        for process in (nginx, gunicorn):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def slow_clients(port: int, count: int) -> list[socket.socket]:
    """Half the clients stop in the middle of their headers, half in the middle of their bodies."""
    sockets = []
    for n in range(count):
        client = socket.create_connection(("127.0.0.1", port))
        head = "POST /ivr/voice HTTP/1.1\r\nHost: router.test\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        if n % 2:
            client.sendall((head + "Content-Length: 1000\r\n\r\nCallSid=CA").encode())
        else:
            client.sendall((head + "X-Slow: ").encode())
        sockets.append(client)
    return sockets


def signed_webhook(port: int, n: int, timeout: float) -> tuple[int, float]:
    params = {"CallSid": f"CA{n:032x}", "To": "+448000326417", "From": "+447911999888", "AccountSid": "AC" + "0" * 32}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC}/ivr/voice", params)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/ivr/voice", data=urlencode(params).encode(),
                                     headers={"X-Twilio-Signature": signature, "Host": "router.test"})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            assert b"<Response>" in body
            return response.status, time.monotonic() - started
    except (TimeoutError, socket.timeout, urllib.error.URLError):
        return 0, time.monotonic() - started


def test_fifty_slow_clients_do_not_hold_up_signed_webhooks_behind_the_recipe(recipe):
    """50 clients stalled mid-request (half in their headers, half in their bodies) at nginx: 20 signed webhooks
    through it each answer within 250 ms, valid TwiML."""
    _, proxy_port = recipe
    stalled = slow_clients(proxy_port, 50)
    try:
        time.sleep(0.5)
        answers = [signed_webhook(proxy_port, n, 5) for n in range(1, 21)]
        for client in stalled:  # keep them trickling
            client.send(b"x")
        assert all(status == 200 for status, _ in answers)
        assert max(took for _, took in answers) < 0.25, answers
    finally:
        for client in stalled:
            client.close()


def test_a_body_over_the_limit_is_refused_before_it_is_read(recipe):
    """A 2 MB POST: 413 from nginx (client_max_body_size) and from the router itself (MAX_REQUEST_BYTES)."""
    app_port, proxy_port = recipe
    for port in (proxy_port, app_port):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/ivr/voice", data=b"x" * (2 * 1024 * 1024),
                                         headers={"Host": "router.test", "Content-Type": "application/x-www-form-urlencoded"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        refused.value.close()
        assert refused.value.code == 413
