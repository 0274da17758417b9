"""The console's pushed updates: sent only when they change, bounded in time and in number, ended with the session."""
from __future__ import annotations

import re

from agents.live_stream import LiveStreams, event


class Ticks:
    """A monotonic clock that moves a second each time the stream sleeps."""

    def __init__(self):
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def streams(limit=1, lifetime=5.0):
    ticks = Ticks()
    return LiveStreams(limit=limit, lifetime=lifetime, sleep=ticks.sleep, monotonic=ticks), ticks


def test_an_event_puts_each_line_of_its_data_on_a_data_field():
    """A multi-line HTML fragment stays one event (the SSE format ends an event at an empty line)."""
    assert event("live", "<p>a</p>\n<p>b</p>") == "event: live\ndata: <p>a</p>\ndata: <p>b</p>\n\n"


def test_the_fragment_is_sent_only_when_it_changed_and_the_stream_ends_at_its_lifetime():
    """Five ticks, two different fragments: two live events, comments between, then the stream ends."""
    live, _ = streams(lifetime=5.0)
    pages = iter(["A", "A", "B", "B", "B", "B", "B"])
    sent = list(live.stream(lambda: next(pages), lambda: True, "/console/sign-in"))
    assert sent[0].startswith("retry: ")
    assert [chunk for chunk in sent if chunk.startswith("event: live")] == [event("live", "A"), event("live", "B")]
    assert len(sent) == 1 + 6  # the retry, then one write per tick: 0..5 seconds


def test_a_session_that_ends_ends_the_stream_with_where_to_sign_in():
    """The third look finds the session gone: a signed-out event naming the sign-in page, and nothing after."""
    live, _ = streams(lifetime=60.0)
    looks = iter([True, True, False])
    sent = list(live.stream(lambda: "A", lambda: next(looks), "/console/sign-in"))
    assert sent[-1] == event("signed-out", "/console/sign-in")
    assert sum(chunk.startswith("event: signed-out") for chunk in sent) == 1


def test_beyond_the_limit_a_console_gets_the_state_once_and_comes_back_later():
    """With the one stream taken, a second console gets one snapshot and a longer retry, holding no thread."""
    live, _ = streams(limit=1, lifetime=60.0)
    first = live.stream(lambda: "A", lambda: True, "/x")
    next(first), next(first)  # holding the slot
    second = list(live.stream(lambda: "B", lambda: True, "/x"))
    assert len(second) == 1 and re.match(r"retry: 5000\n\nevent: live\ndata: B\n\n", second[0])
    first.close()  # the browser went away: the slot is free again
    third = live.stream(lambda: "C", lambda: True, "/x")
    assert next(third).startswith("retry: 2000")
    third.close()
