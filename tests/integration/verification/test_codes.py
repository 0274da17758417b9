"""One-time codes against a real Redis: lifetime, single use, attempts, send
limits and races, including between separate processes."""
from __future__ import annotations

import multiprocessing
from datetime import datetime, timedelta, timezone

import pytest
import redis

from runtime.redis_connection import client_options
from tests.conftest import FixedClock
from verification.codes import CHALLENGE, CodeBook, CodePolicy, Outcome, RateLimited

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
ORG = "100200"
CALLER = "+447912999888"


@pytest.fixture
def clock():
    return FixedClock(NOW)


@pytest.fixture
def book(redis_client, clock):
    return CodeBook(redis_client, clock, "test-secret")


def test_a_code_has_six_digits_and_is_stored_only_as_an_hmac(book, redis_client):
    """Redis holds a digest, the attempts left, the expiry, the request that asked and the send's id; never the code."""
    issued = book.issue(ORG, CALLER, "CA1:0")
    assert len(issued.code) == 6 and issued.code.isdigit()
    stored = redis_client.hgetall(CHALLENGE + ORG)
    assert set(stored) == {"digest", "attempts_left", "expires_at", "request", "send"}
    assert issued.code not in "".join(stored.values())


def test_a_repeated_request_gets_no_second_code_and_counts_once(book, redis_client):
    """The same request twice (a replayed webhook): one code, one send counted; a new request gets a new code."""
    first = book.issue(ORG, CALLER, "CA1:0")
    assert book.issue(ORG, CALLER, "CA1:0") is None
    assert redis_client.zcard("otp-sent:org:" + ORG) == 1
    assert book.check(ORG, first.code) is Outcome.VERIFIED
    assert book.issue(ORG, CALLER, "CA1:1") is not None


def test_a_right_code_verifies_once_only(book):
    """The second use of a right code finds nothing."""
    code = book.issue(ORG, CALLER).code
    assert book.check(ORG, code) is Outcome.VERIFIED
    assert book.check(ORG, code) is Outcome.UNKNOWN


def test_three_wrong_entries_kill_the_code(book):
    """Wrong, wrong, wrong (locked): then even the right code fails."""
    code = book.issue(ORG, CALLER).code
    wrong = "000000" if code != "000000" else "111111"
    assert [book.check(ORG, wrong) for _ in range(3)] == [Outcome.WRONG, Outcome.WRONG, Outcome.LOCKED]
    assert book.check(ORG, code) is Outcome.UNKNOWN


def test_a_code_expires_after_ten_minutes(book, clock):
    """At 9:59 it works; at 10:00 it is expired and gone."""
    code = book.issue(ORG, CALLER).code
    clock.at = NOW + timedelta(minutes=10)
    assert book.check(ORG, code) is Outcome.EXPIRED
    assert book.check(ORG, code) is Outcome.UNKNOWN


def test_a_code_just_inside_its_lifetime_still_works(book, clock):
    """9 minutes 59 seconds after issue: verified."""
    code = book.issue(ORG, CALLER).code
    clock.at = NOW + timedelta(minutes=9, seconds=59)
    assert book.check(ORG, code) is Outcome.VERIFIED


def test_a_new_code_replaces_the_previous_one(book):
    """Only the newest code of an organisation works."""
    first = book.issue(ORG, CALLER).code
    second = book.issue(ORG, CALLER).code
    if first != second:
        assert book.check(ORG, first) is Outcome.WRONG
    assert book.check(ORG, second) is Outcome.VERIFIED


def test_codes_from_another_secret_do_not_verify(redis_client, clock):
    """The HMAC key matters: a process with another CODE_SECRET cannot accept this code."""
    code = CodeBook(redis_client, clock, "one-secret").issue(ORG, CALLER).code
    assert CodeBook(redis_client, clock, "another-secret").check(ORG, code) is Outcome.WRONG


def test_a_code_book_without_a_secret_is_refused(redis_client, clock):
    """No key, no digests: the secret is required, never improvised per process."""
    with pytest.raises(ValueError):
        CodeBook(redis_client, clock, "")


def test_an_organisation_gets_at_most_ten_codes_in_fifteen_minutes(book, clock):
    """The eleventh within the window (from eleven callers) is refused; once the first leaves the window, one more is allowed."""
    for minute in range(10):
        clock.at = NOW + timedelta(minutes=minute)
        book.issue(ORG, f"+4479111111{minute:02d}")
    with pytest.raises(RateLimited) as refused:
        book.issue(ORG, "+447911111199")
    assert refused.value.scope == "organisation"
    clock.at = NOW + timedelta(minutes=15, seconds=1)
    book.issue(ORG, "+447911111199")


def test_one_caller_gets_at_most_three_codes_for_one_organisation(book, clock):
    """The caller's fourth for the same organisation is refused for that pair; another caller still gets one."""
    for _ in range(3):
        book.issue(ORG, CALLER)
    with pytest.raises(RateLimited) as refused:
        book.issue(ORG, CALLER)
    assert refused.value.scope == "organisation and caller"
    book.issue(ORG, "+447911111199")


def test_a_caller_gets_at_most_three_codes_an_hour_whatever_the_organisation(book, clock):
    """Three organisations, one caller: the fourth send in the hour is refused for the caller."""
    for index in range(3):
        book.issue(f"10020{index}", CALLER)
    with pytest.raises(RateLimited) as refused:
        book.issue("100209", CALLER)
    assert refused.value.scope == "caller"


def test_limits_are_configurable(redis_client, clock):
    """One code per organisation per window, if the admin says so."""
    book = CodeBook(redis_client, clock, "s", CodePolicy(per_org=1))
    book.issue(ORG, CALLER)
    with pytest.raises(RateLimited):
        book.issue(ORG, CALLER)


def _issue_in_process(redis_url: str, count: int, results) -> None:
    book = CodeBook(redis.Redis.from_url(redis_url, **client_options(1.0)), lambda: NOW, "s", CodePolicy(per_org=3))
    for index in range(count):
        try:
            book.issue(ORG, f"+4479112222{index:02d}")
            results.put("sent")
        except RateLimited:
            results.put("refused")


def test_send_limits_hold_across_two_processes(redis_url, redis_client):
    """Two processes asking three codes each for one organisation: three are sent, three refused."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [context.Process(target=_issue_in_process, args=(redis_url, 3, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    outcomes = sorted(results.get(timeout=5) for _ in range(6))
    assert outcomes == ["refused"] * 3 + ["sent"] * 3


def _check_in_process(redis_url: str, code: str, barrier, results) -> None:
    book = CodeBook(redis.Redis.from_url(redis_url, **client_options(1.0)), lambda: NOW, "s")
    barrier.wait(timeout=20)
    results.put(book.check(ORG, code).value)


@pytest.mark.parametrize("round_", range(5))
def test_two_calls_entering_the_same_code_at_the_same_instant_verify_exactly_once(redis_url, redis_client, round_):
    """Two processes released together with the right code: one verified, the other finds it spent."""
    code = CodeBook(redis_client, lambda: NOW, "s").issue(ORG, CALLER).code
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_check_in_process, args=(redis_url, code, barrier, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    assert sorted(results.get(timeout=5) for _ in range(2)) == ["unknown", "verified"]
