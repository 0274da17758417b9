"""Liveness, readiness and metrics for load balancers, orchestrators and Prometheus.

/healthz says the process answers; /readyz checks what a call needs (Redis
reachable, the country table loaded) and names whichever fails; /metrics is
Prometheus' text format, for the scraper that presents METRICS_TOKEN (without
one, for the machine itself: its figures tell an attacker how busy and how
guarded the router is).
"""
from __future__ import annotations

import hmac
from ipaddress import ip_address

import redis
from flask import Blueprint, Response, jsonify, request

from runtime.metrics import exposition
from bootstrap import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    checks = {"redis": _redis_ok(), "table": bool(services().tables.latest_known().lines)}
    failing = [name for name, ok in checks.items() if not ok]
    body = {"status": "ready" if not failing else "not ready", "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()}}
    return jsonify(body), 200 if not failing else 503


@bp.get("/metrics")
def metrics():
    token = services().settings.metrics_token
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return Response("a valid metrics bearer token is required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": "Bearer"})
    elif not _loopback(request.remote_addr):
        return Response("set METRICS_TOKEN to scrape from elsewhere\n", status=403, mimetype="text/plain")
    return Response(exposition(), mimetype="text/plain; version=0.0.4")


def _loopback(address: str | None) -> bool:
    try:
        return ip_address(address or "").is_loopback
    except ValueError:
        return False


def _redis_ok() -> bool:
    try:
        return bool(services().redis.ping())
    except redis.RedisError:
        return False
