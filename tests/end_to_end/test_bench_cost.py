"""bench/cost.py, the CPU cost per webhook of the router against the floor, as a developer runs it."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.processes import ROOT, clean_environment


@pytest.mark.subprocess
def test_cost_script_plays_the_load_mix_through_both_apps_and_prints_the_ratio():
    """A short run answers every webhook with TwiML (it stops on anything else) and prints each cost and the ratio."""
    done = subprocess.run([sys.executable, "-m", "bench.cost", "--no-callgrind", "--calls", "3", "--warmup", "1"],
                          cwd=ROOT, env=clean_environment(), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(3 calls, 18 webhooks each)" in done.stdout  # five webhooks a call, three more for the verified first call
    router, floor, ratio = _figures(done.stdout)
    assert router > 0 and floor > 0 and ratio == pytest.approx(router / floor, abs=0.01)


def _figures(text: str) -> tuple[float, float, float]:
    router = float(re.search(r"^  router +([\d.]+) µs", text, re.MULTILINE).group(1))
    floor = float(re.search(r"^  floor +([\d.]+) µs", text, re.MULTILINE).group(1))
    ratio = float(re.search(r"^  router / floor +([\d.]+)", text, re.MULTILINE).group(1))
    return router, floor, ratio
