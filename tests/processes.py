"""Running `python app.py` for real in tests, and a round-robin load balancer in front of several."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from runtime.settings import Settings
from twilio_simulator.twilio_player import http_transport

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "http://router.test"  # the address a load balancer would publish


def clean_environment() -> dict[str, str]:
    """The test run's environment without any router setting a developer's shell may carry."""
    settings = set(Settings.variables())
    return {name: value for name, value in os.environ.items() if name not in settings}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def router(port: int, command: tuple[str, ...] = ("app.py",), **env: str):
    """`python app.py` (or `python -m <command>`) on `port`, until the block ends (Ctrl-C, as a developer stops it)."""
    environment = {**clean_environment(), "PORT": str(port), "LOG_LEVEL": "WARNING", **env}
    process = subprocess.Popen(
        [sys.executable, *command], cwd=ROOT, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break  # it answers: up
            except urllib.error.HTTPError as error:
                error.close()
                break  # it answers, if not with 200: up
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"router did not start:\n{process.stdout.read()}")
                time.sleep(0.05)
        yield process
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.output = process.stdout.read()  # everything it printed, for the test to read after the block
        process.stdout.close()


def round_robin(ports: list[int], served: list[int]):
    """A load balancer: each request goes to the next process in turn."""
    inner = http_transport()

    def post(url, params, headers, method="POST"):
        port = ports[len(served) % len(ports)]
        served.append(port)
        return inner(url.replace(PUBLIC, f"http://127.0.0.1:{port}"), params, headers, method=method)

    return post
