"""Liveness, readiness and metrics for load balancers, orchestrators and Prometheus.

/healthz says the process answers; /readyz checks what a call needs and names
whichever fails: Redis takes a write (so it is a primary, not a demoted
replica this process is still talking to), the country table is loaded, and
Redis still holds the data this deployment wrote (`runtime.data_marker`,
naming what is missing when it does not); /metrics is
Prometheus' text format, for the scraper that presents METRICS_TOKEN (without
one, for the machine itself: its figures tell an attacker how busy and how
guarded the router is).
"""
from __future__ import annotations

import hmac
import time
from ipaddress import ip_address

import redis
from flask import Blueprint, Response, jsonify, request

from call_store.wallboard import Wallboard
from countries.store import TableStore
from operations import wallboard_metrics
from runtime.data_marker import DataMarker
from runtime.metrics import exposition
from runtime.redis_connection import StoreUnavailable, redis_errors
from runtime.settings import Settings
from web.registry import lookup

PROBE = "health:probe"

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    writable = _writable()
    lost = _data_lost() if writable else None
    checks = {"redis": writable, "table": bool(lookup(TableStore).latest_known().lines), "data": writable and not lost}
    failing = [name for name, ok in checks.items() if not ok]
    body = {"status": "ready" if not failing else "not ready", "checks": {name: "ok" if ok else "failing" for name, ok in checks.items()}}
    if lost:
        body["data_lost"] = lost
    return jsonify(body), 200 if not failing else 503


@bp.get("/metrics")
def metrics():
    token = lookup(Settings).metrics_token
    if token:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), token.encode()):
            return Response("a valid metrics bearer token is required\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": "Bearer"})
    elif not _loopback(request.remote_addr):
        return Response("set METRICS_TOKEN to scrape from elsewhere\n", status=403, mimetype="text/plain")
    return Response(exposition() + _wallboard(), mimetype="text/plain; version=0.0.4")


def _wallboard() -> bytes:
    """The wallboard's figures (`router_wallboard_*`), or none while Redis does not answer."""
    try:
        return wallboard_metrics.exposition(lookup(Wallboard).board())
    except StoreUnavailable:
        return b""


def _loopback(address: str | None) -> bool:
    try:
        return ip_address(address or "").is_loopback
    except ValueError:
        return False


def _writable() -> bool:
    """A write, not a PING: a demoted primary answers PING but refuses writes (READONLY)."""
    try:
        with redis_errors():
            return bool(lookup(redis.Redis).set(PROBE, repr(time.time()), px=60_000))
    except StoreUnavailable:
        return False


def _data_lost() -> str | None:
    marker = lookup(DataMarker)
    if marker is None:
        return None
    try:
        return marker.check()
    except StoreUnavailable:
        return None
