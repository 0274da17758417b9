"""The circuit breaker's rules, on a clock the test moves."""
from __future__ import annotations

import threading

from hypothesis import given
from hypothesis import strategies as st

from runtime.breaker import CLOSED, OPEN, PROBING, Breaker


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_a_failure_opens_it_and_nobody_waits_until_the_cool_down_ends():
    """Closed admits everyone; one failure and nobody is admitted for `cool_down` seconds."""
    clock = Clock()
    breaker = Breaker(1.0, clock=clock)
    assert breaker.admit()
    breaker.failed()
    assert (breaker.state, breaker.admit()) == (OPEN, False)
    clock.now += 0.99
    assert not breaker.admit()


def test_after_the_cool_down_one_probe_goes_through_and_its_success_closes_it():
    """The first thread after the cool-down probes; others still fail fast; success closes."""
    clock = Clock()
    breaker = Breaker(1.0, clock=clock)
    breaker.failed()
    clock.now += 1.0
    assert breaker.admit() and breaker.state == PROBING
    other: list[bool] = []
    thread = threading.Thread(target=lambda: other.append(breaker.admit()))
    thread.start()
    thread.join()
    assert other == [False]
    assert breaker.admit()  # the prober's own retry
    breaker.succeeded()
    assert breaker.state == CLOSED
    thread = threading.Thread(target=lambda: other.append(breaker.admit()))
    thread.start()
    thread.join()
    assert other == [False, True]


def test_a_failed_probe_opens_it_again_and_a_lost_probe_is_given_up_on():
    """A probe's failure restarts the cool-down; a probe that never reports frees the way after probe_limit."""
    clock = Clock()
    breaker = Breaker(1.0, probe_limit=2.0, clock=clock)
    breaker.failed()
    clock.now += 1.0
    assert breaker.admit()
    breaker.failed()
    assert (breaker.state, breaker.admit()) == (OPEN, False)
    clock.now += 1.0
    assert breaker.admit()  # a probe that then vanishes
    stranger: list[bool] = []
    clock.now += 2.0
    thread = threading.Thread(target=lambda: stranger.append(breaker.admit()))
    thread.start()
    thread.join()
    assert stranger == [True]


@given(st.lists(st.tuples(st.sampled_from(["admit", "ok", "fail"]), st.floats(0, 3)), max_size=40))
def test_while_open_and_inside_the_cool_down_nothing_is_admitted(events):
    """Whatever happened before: within cool_down of the last failure, no thread but a prober is admitted."""
    clock = Clock()
    breaker = Breaker(1.0, clock=clock)
    last_failure = None
    for event, pause in events:
        clock.now += pause
        if event == "fail":
            breaker.failed()
            last_failure = clock.now
        elif event == "ok":
            breaker.succeeded()
            last_failure = None
        else:
            admitted = breaker.admit()
            if last_failure is not None and clock.now - last_failure < 1.0:
                assert not admitted
            if admitted and breaker.state == PROBING:
                last_failure = None  # the next verdict is this probe's
