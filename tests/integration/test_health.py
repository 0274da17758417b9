"""Health endpoints, as a load balancer polls them."""
from __future__ import annotations

import redis

from app import create_app
from runtime.redis_connection import client_options


def test_healthz_answers_while_the_process_runs(client):
    """200 {"status": "ok"}."""
    assert client.get("/healthz").json == {"status": "ok"}


def test_readyz_is_ready_with_redis_and_a_table(client):
    """Every check passes (a write to the primary, the table, the data marker): 200."""
    response = client.get("/readyz")
    assert (response.status_code, response.json["checks"]) == (200, {"redis": "ok", "table": "ok", "data": "ok"})


def test_readyz_names_redis_when_it_is_down(settings, clock):
    """Nothing at REDIS_URL: 503 and the failing check named."""
    dead = redis.Redis.from_url("redis://127.0.0.1:1/0", **client_options(0.2))
    response = create_app({"settings": settings, "redis": dead, "clock": clock}).test_client().get("/readyz")
    assert (response.status_code, response.json["checks"]["redis"]) == (503, "failing")
