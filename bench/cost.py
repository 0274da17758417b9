"""CPU cost per webhook, router against the floor, in a way that load on the machine
does not distort: both WSGI apps are called directly (no HTTP, no test client, no
gunicorn) with the webhooks bench/load.py sends, against a real redis-server.

    python -m bench.cost                   # CPU time per webhook, then instructions under callgrind
    python -m bench.cost --calls 400 --callgrind-calls 40
    python -m bench.cost --no-callgrind

Each app runs in a process of its own, with the same mix as the load run's: per call
/ivr/voice, the menu, the severity, every tenth call verified by a code sent by e-mail
(real SMTP, to bench/mail_sink.py) and keyed back, one hold cycle and the status
callback; the floor (bench/bare.py `/floor`) gets the same parameters, one request per
webhook. Warm-up calls come first and are not counted; the two
processes run at the same time, so that both meet the same load.

Two measures, both per webhook:

* CPU time (`time.process_time()`, every thread of the process) around each WSGI call:
  the mean, and the least over batches of ten calls (each batch the whole mix), as timeit
  takes the best of its repeats; other processes' load still inflates it (shared caches,
  and the router's larger working set suffers more), so compare figures from one run;
* instructions executed inside the WSGI calls, counted by valgrind's callgrind
  (deterministic; a tiny C helper, built with `cc` against valgrind's callgrind.h,
  turns counting on and off around each call; code delivery's own thread is not counted).

It prints each and the router's cost as a multiple of the floor's. Nothing is sent
anywhere but 127.0.0.1.
"""
from __future__ import annotations

import argparse
import ctypes
import io
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

from bench.load import (
    ADMIN,
    ORGS,
    PUBLIC,
    REGISTERED,
    TOKEN,
    call_parameters,
    free_port,
    latest_code,
)
from runtime.settle import settle
from tests.processes import clean_environment
from tests.redis_process import RedisProcess

ROOT = Path(__file__).resolve().parent.parent
VERIFY_EVERY = 10  # every tenth call is verified by a code, as load.py's default 10% share

TOGGLE_C = "#include <valgrind/callgrind.h>\nvoid toggle(void) { CALLGRIND_TOGGLE_COLLECT; }\n"


def environ(path: str, params: dict[str, str], *, method: str = "POST", body: bytes | None = None,
            headers: dict[str, str] | None = None) -> dict:
    """A WSGI environ as gunicorn builds one for a signed Twilio webhook (or for `body` as given)."""
    path_info, _, query = path.partition("?")
    if body is None:
        body = urlencode(params).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded",
                   "X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC + path, params),
                   **(headers or {})}
    env = {"REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path_info, "QUERY_STRING": query,
           "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
           "HTTP_HOST": "127.0.0.1", "CONTENT_LENGTH": str(len(body)), "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
           "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.multithread": True,
           "wsgi.multiprocess": True, "wsgi.run_once": False}
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        env[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    return env


class Meter:
    """Calls a WSGI app and adds up what each call costs (CPU time; instructions under callgrind)."""

    def __init__(self, app, toggle=None):
        self.app, self.toggle = app, toggle
        self.counting = False
        self.webhooks = 0
        self.cpu = 0.0

    def __call__(self, env: dict) -> tuple[int, bytes]:
        status: list[str] = []

        def start_response(line, headers, exc_info=None):
            status.append(line)

        if self.counting and self.toggle:
            self.toggle()
        started = time.process_time()
        chunks = self.app(env, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        took = time.process_time() - started
        if self.counting and self.toggle:
            self.toggle()
        if self.counting:
            self.webhooks += 1
            self.cpu += took
        code = int(status[0].split()[0])
        if code != 200 or b"<Response" not in body:
            raise SystemExit(f"not TwiML: {env['PATH_INFO']} answered {status[0]}: {body[:200]!r}")
        return code, body


def router_call(meter: Meter, rng: random.Random, inbox: Path, verify: bool) -> None:
    """voice -> menu -> severity -> (verification) -> one hold cycle -> status, as load.py plays it."""
    sid = "CA" + rng.randbytes(16).hex()
    org = rng.randrange(ORGS)
    caller = "+447911555" + f"{rng.randrange(1000):03d}" if verify else REGISTERED[:-2] + f"{org:02d}"
    base = call_parameters(sid, caller)
    steps = [("/ivr/voice", {}), ("/ivr/menu?attempt=1", {"Digits": "1"}), ("/ivr/severity?attempt=1", {"Digits": "2"})]
    if verify:
        steps += [("/ivr/verify-account?attempt=1", {"Digits": f"9{org:05d}"}), ("/ivr/verify-channel?attempt=1", {"Digits": "2"}),
                  ("CODE", {})]
    for path, extra in steps:
        if path == "CODE":
            path, extra = f"/ivr/verify-code?attempt=1&account=9{org:05d}", {"Digits": latest_code(inbox, f"it{org}@bench.example")}
        meter(environ(path, {**base, **extra}))
    hold = f"/ivr/hold?{urlencode({'lang': 'en-GB', 'queue': 'technical.en.B'})}"
    meter(environ(hold, {**base, "QueuePosition": "3", "QueueTime": "40", "AvgQueueTime": "90"}))
    meter(environ("/ivr/status", {**base, "CallStatus": "completed", "CallDuration": "60"}))


def floor_call(meter: Meter, rng: random.Random, webhooks: int) -> None:
    """As many floor requests as the router's call had webhooks, with a menu step's parameters."""
    for _ in range(webhooks):
        meter(environ("/floor", {**call_parameters("CA" + rng.randbytes(16).hex(), REGISTERED), "Digits": "1"}))


def seed(app) -> None:
    """The benchmark's organisations, through the admin API (not counted)."""
    for index in range(ORGS):
        body = json.dumps({"name": f"Bench {index}", "registered_phones": [REGISTERED[:-2] + f"{index:02d}"],
                           "registered_emails": [f"it{index}@bench.example"], "purchased_via": "direct", "plan": "standard"})
        env = environ(f"/admin/api/orgs/9{index:05d}", {}, method="PUT", body=body.encode(),
                      headers={"Authorization": f"Bearer {ADMIN}", "Content-Type": "application/json"})
        chunks = app(env, lambda line, headers, exc_info=None: None)
        b"".join(chunks)
        chunks.close()


def webhooks_per_call(calls: int) -> int:
    """The router's webhooks for `calls` calls, so that the floor gets as many."""
    verified = len(range(0, calls, VERIFY_EVERY))
    return calls * 5 + verified * 3


def worker(which: str, calls: int, warmup: int, toggle_library: str | None) -> dict:
    """In the measured process: build the app, warm it up, count `calls` calls."""
    toggle = ctypes.CDLL(toggle_library).toggle if toggle_library else None
    errors = ErrorCount()
    logging.getLogger().addHandler(errors)
    inbox = Path(os.environ["BENCH_INBOX"])
    if which == "router":
        from app import create_app

        app = create_app()
        seed(app)
    else:
        from bench.bare import app
    settle()  # as gunicorn.conf.py settles each worker (both apps run under it in bench/load.py)
    meter = Meter(app, toggle)
    rng = random.Random(which)
    batches = []  # CPU time per batch of VERIFY_EVERY calls: each batch is the whole mix, one verified call in it
    for phase, count in (("warm-up", warmup), ("counted", calls)):
        meter.counting = phase == "counted"
        for index in range(count):
            if index % VERIFY_EVERY == 0 and meter.counting:
                batches.append((meter.cpu, meter.webhooks))
            if which == "router":
                router_call(meter, rng, inbox, verify=index % VERIFY_EVERY == 0)
            else:
                floor_call(meter, rng, 8 if index % VERIFY_EVERY == 0 else 5)
    batches.append((meter.cpu, meter.webhooks))
    complete = [(cpu - before, webhooks - counted) for (before, counted), (cpu, webhooks) in zip(batches, batches[1:])
                if webhooks - counted == webhooks_per_call(VERIFY_EVERY)]
    if errors.count:  # the apology is valid TwiML too: a run that fell back on it measured nothing
        raise SystemExit(f"{errors.count} errors logged: {errors.first}")
    best = min((cpu / webhooks for cpu, webhooks in complete), default=meter.cpu / max(meter.webhooks, 1))
    return {"webhooks": meter.webhooks, "cpu": meter.cpu, "best": best}


class ErrorCount(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.count, self.first = 0, ""

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1
        self.first = self.first or record.getMessage()


def toggle_library(folder: Path) -> str | None:
    """The helper that turns callgrind's counting on and off, or None where it cannot be built."""
    header = Path("/usr/include/valgrind/callgrind.h")
    if not shutil.which("cc") or not header.exists():
        return None
    source, library = folder / "toggle.c", folder / "toggle.so"
    source.write_text(TOGGLE_C)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", str(library), str(source)], check=True)
    return str(library)


def run(calls: int, warmup: int, env: dict, folder: Path, callgrind: str | None, server: RedisProcess) -> dict:
    """Both measured processes at once, so that both meet the same load on the machine (under
    callgrind when given the toggle helper), on an empty Redis; their figures."""
    server.client().flushall()
    running = {}
    for which in ("router", "floor"):
        command = [sys.executable, "-m", "bench.cost", "--worker", which, "--calls", str(calls), "--warmup", str(warmup)]
        if callgrind:
            command = ["valgrind", "--tool=callgrind", "--collect-atstart=no", f"--callgrind-out-file={folder}/callgrind.{which}.out",
                       *command, "--toggle", callgrind]
        running[which] = subprocess.Popen(command, cwd=ROOT, env={**clean_environment(), **env, "PYTHONHASHSEED": "0"},
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    figures = {}
    for which, process in running.items():
        out, err = process.communicate(timeout=3600)
        if process.returncode != 0:
            raise SystemExit(f"{which} failed:\n{err[-3000:]}")
        figures[which] = json.loads(out.strip().splitlines()[-1])
        if callgrind:
            totals = re.search(r"^(?:summary|totals):\s*(\d+)", (folder / f"callgrind.{which}.out").read_text(), re.MULTILINE)
            figures[which]["instructions"] = int(totals.group(1))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="counted calls for CPU time")
    parser.add_argument("--callgrind-calls", type=int, default=30, help="counted calls under callgrind")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--no-callgrind", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep callgrind's files (for callgrind_annotate) and print where")
    parser.add_argument("--worker", choices=("router", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--toggle", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.calls, args.warmup, args.toggle)))
        return 0

    folder = Path(tempfile.mkdtemp(prefix="router-cost-"))
    server = RedisProcess(folder / "redis").start()
    inbox, mail_port = folder / "mail", free_port()
    mail = subprocess.Popen([sys.executable, "-m", "bench.mail_sink", str(mail_port), str(inbox)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    mail.stdout.readline()  # "ready"
    env = {"REDIS_URL": server.url, "TWILIO_AUTH_TOKEN": TOKEN, "CODE_SECRET": "bench-code-secret", "ADMIN_TOKEN": ADMIN,
           "PUBLIC_BASE_URL": PUBLIC, "INSTANCE_DIR": str(folder / "instance"), "LOG_LEVEL": "WARNING", "DELIVERY_WAIT": "0.5",
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mail_port), "SMTP_FROM": "support@router.bench",
           "CODE_LIMIT_PER_ORG": "1000000", "CODE_LIMIT_PER_CALLER": "1000000",
           "REDIS_TIMEOUT": "10", "BENCH_INBOX": str(inbox)}
    try:
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; WSGI apps called directly, "
              f"redis-server on a unix socket; {args.warmup} warm-up calls each, not counted")
        figures = run(args.calls, args.warmup, env, folder, None, server)
        per = {which: 1e6 * f["cpu"] / f["webhooks"] for which, f in figures.items()}
        print(f"\nCPU time per webhook ({args.calls} calls, {figures['router']['webhooks']} webhooks each)")
        print(f"  router   {per['router']:.0f} µs")
        print(f"  floor    {per['floor']:.0f} µs")
        print(f"  router / floor   {per['router'] / per['floor']:.2f}")
        best = {which: 1e6 * f["best"] for which, f in figures.items()}
        print(f"  least per batch of {VERIFY_EVERY} calls (what load on the machine disturbed least):")
        print(f"  router   {best['router']:.0f} µs   floor   {best['floor']:.0f} µs   router / floor   "
              f"{best['router'] / best['floor']:.2f}")
        library = None if args.no_callgrind or not shutil.which("valgrind") else toggle_library(folder)
        if library:
            counted = run(args.callgrind_calls, min(args.warmup, 10), env, folder, library, server)
            per = {which: c["instructions"] / c["webhooks"] for which, c in counted.items()}
            print(f"\ninstructions per webhook, callgrind ({args.callgrind_calls} calls after {min(args.warmup, 10)} warm-up calls, "
                  f"{counted['router']['webhooks']} webhooks each)")
            print(f"  router   {per['router'] / 1e6:.2f} M")
            print(f"  floor    {per['floor'] / 1e6:.2f} M")
            print(f"  router / floor   {per['router'] / per['floor']:.2f}")
        elif not args.no_callgrind:
            print("\n(callgrind skipped: needs valgrind, cc and valgrind's callgrind.h)")
    finally:
        server.stop()
        mail.terminate()
        mail.wait(timeout=15)
        if args.keep:
            print(f"\ncallgrind's files: {folder}/callgrind.router.out, {folder}/callgrind.floor.out")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
