"""bench/agents.py, push routing with simulated agents through the REST stand-in, as a developer runs it (small N)."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.processes import ROOT, clean_environment


@pytest.mark.subprocess
def test_agents_bench_connects_every_caller_once_and_prints_its_figures():
    """Four agents (one phone agent never answers), eight callers: all connected, no double offer, nobody lost,
    and each figure printed; the exit status says the run met its conditions."""
    done = subprocess.run([sys.executable, "-m", "bench.agents", "--agents", "4", "--callers", "8", "--arrival-seconds",
                           "1", "--wrap-up", "1", "--talk", "2", "3", "--timeout", "120"],
                          cwd=ROOT, env=clean_environment(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "agents 4, callers 8: 8 connected" in out and "(0 not 200)" in out
    assert re.search(r"p50 \d+ ms +p95 \d+ ms +p99 \d+ ms +max \d+ ms", out)
    offers = float(re.search(r"offers per connection ([\d.]+)", out).group(1))
    assert offers > 1.0  # agent 5000 (a phone agent) never answers: their offer is made again to another
    assert "double offers 0   lost callers 0   simulation errors 0" in out
    assert re.search(r"Redis round trips per webhook [\d.]+", out)
