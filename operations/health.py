"""Liveness, readiness and metrics for load balancers, orchestrators and Prometheus.

/healthz says the process answers; /readyz checks what a call needs (Redis
reachable, the country table loaded) and names whichever fails; /metrics is
Prometheus' text format.
"""
from __future__ import annotations

import redis
from flask import Blueprint, Response, jsonify

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
    return Response(exposition(), mimetype="text/plain; version=0.0.4")


def _redis_ok() -> bool:
    try:
        return bool(services().redis.ping())
    except redis.RedisError:
        return False
