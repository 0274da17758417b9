"""The wallboard's figures in Prometheus' format, read from Redis at each scrape (so every worker, and
every machine, reports the same figures: gauges, not per-process counters)."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from call_store.wallboard import Board

PREFIX = "router_wallboard_"


class BoardCollector:
    """One scrape's figures from one board."""

    def __init__(self, board: Board):
        self._board = board

    def collect(self):
        board = self._board
        labels = ["line", "queue"]
        families = {
            "waiting": GaugeMetricFamily(PREFIX + "waiting", "Callers waiting now, per queue", labels=labels),
            "longest": GaugeMetricFamily(PREFIX + "longest_wait_seconds", "How long the longest-waiting caller "
                                         "has waited (0 when nobody waits)", labels=labels),
            "offered": GaugeMetricFamily(PREFIX + "offered_today", "Callers who joined the queue today", labels=labels),
            "answered": GaugeMetricFamily(PREFIX + "answered_today", "Callers answered today", labels=labels),
            "within": GaugeMetricFamily(PREFIX + "answered_within_threshold_today",
                                        "Callers answered within SERVICE_LEVEL_SECONDS today", labels=labels),
            "abandoned": GaugeMetricFamily(PREFIX + "abandoned_today", "Callers who hung up while waiting today",
                                           labels=labels),
            "late": GaugeMetricFamily(PREFIX + "abandoned_after_threshold_today", "Callers who hung up after "
                                      "waiting longer than SERVICE_LEVEL_SECONDS today", labels=labels),
            "level": GaugeMetricFamily(PREFIX + "service_level_ratio", "Service level today (0..1; absent "
                                       "before any call counts)", labels=labels),
            "wait": GaugeMetricFamily(PREFIX + "average_wait_seconds", "Average wait of answered callers today",
                                      labels=labels),
            "handle": GaugeMetricFamily(PREFIX + "average_handle_seconds", "Average handle time today",
                                        labels=labels),
        }
        for figures in board.queues:
            names = [figures.line, str(figures.queue or figures.key.partition("/")[2])]
            day = figures.day
            families["waiting"].add_metric(names, figures.waiting)
            families["longest"].add_metric(names, figures.longest_wait or 0)
            families["offered"].add_metric(names, day.offered)
            families["answered"].add_metric(names, day.answered)
            families["within"].add_metric(names, day.answered_within)
            families["abandoned"].add_metric(names, day.abandoned)
            families["late"].add_metric(names, day.abandoned_after)
            for key, value in (("level", day.service_level), ("wait", day.average_wait), ("handle", day.average_handle)):
                if value is not None:
                    families[key].add_metric(names, value)
        yield from families.values()
        agents = GaugeMetricFamily(PREFIX + "agents", "Agents in each state now", labels=["state"])
        for state, count in board.by_state:
            agents.add_metric([state.value], count)
        yield agents


def exposition(board: Board) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BoardCollector(board))
    return generate_latest(registry)
