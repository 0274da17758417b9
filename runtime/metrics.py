"""Prometheus metrics: what operators watch (calls, queues, verification,
webhook latency, queue waits, callbacks).

Under gunicorn, set PROMETHEUS_MULTIPROC_DIR to an empty folder so every
worker's figures are added up at /metrics.
"""
from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

CALLS = Counter("router_calls_total", "Calls answered, by line", ["line"])
ENQUEUED = Counter("router_enqueued_total", "Callers put in a queue, by line and queue type", ["line", "queue"])
CLOSED = Counter("router_closed_queue_total", "Callers who found their queue closed, by line and queue type", ["line", "queue"])
VERIFICATION = Counter("router_verification_total", "Code sends and checks, by action and result", ["action", "result"])
CODES_REFUSED = Counter("router_codes_refused_total", "Code sends refused by a send limit, by the limit's scope; "
                        "any refusal for 'all organisations' is an alert: someone is walking the directory", ["scope"])
CALLBACKS = Counter("router_callbacks_total", "Callback requests, claims and closes", ["event"])
WEBHOOK_SECONDS = Histogram("router_webhook_seconds", "Time to answer a Twilio webhook", ["endpoint"],
                            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5))
QUEUE_WAIT_SECONDS = Histogram("router_queue_wait_seconds", "How long callers waited before an agent took them",
                               ["queue"], buckets=(15, 30, 60, 120, 300, 600, 1200, 1800, 3600))


def exposition() -> bytes:
    """The text format Prometheus scrapes, summed over worker processes when configured so."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest()
