"""Push routing: offer waiting callers to available agents by ringing the agent's leg.

Kicked when a caller is queued or held (each pass of the hold), when an agent
becomes available, and when an offer ends; it runs in a thread of its own, so
no caller's webhook waits on it (nor counts its Redis round trips). One pass
reads who waits, who is ready and the live offers (one round trip), the
ready agents' skills (one more), lets `routing.offers` choose, and makes each
offer with the atomic script of `workforce.presence`: of two processes passing
at once, one claims each caller and each agent. The claimed agent's leg is
placed with Calls create (`url`: the briefing; `Timeout`: the ring time); if
Twilio cannot be reached the claim is given back (the agent keeps their place,
the caller never left the queue and keeps hearing the hold).
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from urllib.parse import urlencode

import redis

from call_store.call_state import CallStore
from call_store.callbacks import Callback, CallbackBook, callback_of, offer_key
from call_store.waiting import WaitingRoom
from routing.offers import Idle, Skills, pairings
from routing.queues import QueueName
from routing.serving import Waiting
from runtime.redis_connection import StoreUnavailable
from runtime.twilio_rest import RestFailed, VoiceRest
from runtime.unit_of_work import after_writes, read_together
from workforce.directory import AgentDirectory
from workforce.presence import CONSULTS, AgentPresence

log = logging.getLogger(__name__)
DEFAULT_RING_SECONDS = 20
MAX_PASSES = 50  # a pass that keeps finding work stops here and waits for the next kick
RING_THREADS = 8  # Calls create requests in flight at once within one pass


class Dispatch:
    def __init__(self, *, client: redis.Redis, presence: AgentPresence, waiting: WaitingRoom, agents: AgentDirectory,
                 calls: CallStore, rest: VoiceRest | None, base_url: str | None, clock: Callable[[], datetime],
                 ring_seconds: int = DEFAULT_RING_SECONDS, callbacks: CallbackBook | None = None,
                 queue_open: Callable[[str, QueueName, datetime], bool] = lambda line, queue, at: True,
                 line_number: Callable[[str], str] = lambda line: "", tick_seconds: float = 0, push: bool = True,
                 housekeeping: Callable[[], object] | None = None, wake_on_wrap_up: bool = False):
        self._redis = client
        self._presence = presence
        self._waiting = waiting
        self._agents = agents
        self._calls = calls
        self._rest = rest
        self._base = (base_url or "").rstrip("/")
        self._clock = clock
        self.ring_seconds = ring_seconds
        self._callbacks = callbacks
        self._queue_open = queue_open
        self._line_number = line_number
        self._tick_seconds = tick_seconds
        self._ticking: threading.Thread | None = None
        self._stopped = threading.Event()
        self._push = push  # False in TaskRouter mode: TaskRouter picks the agent (its assignment callback)
        self._housekeeping = housekeeping  # after each pass, in this thread (TaskRouter mode: the workers' activities)
        self._lock = threading.Lock()
        self._again = False
        self._running: threading.Thread | None = None
        self._jobs: list[Callable[[], None]] = []
        self._idle = threading.Event()
        self._idle.set()
        # A pass when the next wrap-up ends (nothing else would kick one): a timer counts wall-clock seconds, so
        # only when the router's clock is the wall clock (a test's fixed clock moves only when the test says).
        self._wake_on_wrap_up = wake_on_wrap_up
        self._wake: threading.Timer | None = None
        self._wake_at: float | None = None

    @property
    def enabled(self) -> bool:
        """Push routing needs Twilio's REST API and an address Twilio can call back."""
        return self._rest is not None and bool(self._base)

    def url(self, path: str, **query: str) -> str:
        return f"{self._base}/ivr/{path}?{urlencode(query)}"

    # -- the thread ---------------------------------------------------------------

    def kick(self, job: Callable[[], None] | None = None) -> None:
        """Look for offers to make (and run `job`, a REST call that must not hold up a webhook) soon,
        in this process's dispatch thread; started on demand, so a forked worker starts its own."""
        if self.enabled:
            after_writes(lambda: self._kick(job))

    def _kick(self, job: Callable[[], None] | None) -> None:
        self._start_ticking()
        with self._lock:
            if job is not None:
                self._jobs.append(job)
            self._again = True
            if self._running is not None and self._running.is_alive():
                return
            self._idle.clear()
            thread = threading.Thread(target=self._run, name="dispatch", daemon=True)
            self._running = thread
            thread.start()

    def _start_ticking(self) -> None:
        """The dispatcher's own timer (every `tick_seconds`): an offer that ran out (its router died, Twilio's
        callback was lost) is made again, and a callback whose retry time or queue's opening has come is
        offered, with no caller's hold or agent's change to set it off. Started with the first kick, so
        each forked worker runs its own."""
        if self._tick_seconds <= 0 or (self._ticking is not None and self._ticking.is_alive()):
            return
        with self._lock:
            if self._ticking is not None and self._ticking.is_alive():
                return
            self._ticking = threading.Thread(target=self._tick, name="dispatch-timer", daemon=True)
            self._ticking.start()

    def _tick(self) -> None:
        while not self._stopped.wait(self._tick_seconds):
            self._kick(None)

    def stop(self) -> None:
        """End the timer (tests; a process that is going away)."""
        self._stopped.set()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Until this process's dispatching has nothing left to do (for tests and the bench)."""
        return self._idle.wait(timeout)

    def _run(self) -> None:
        passes = 0
        while True:
            with self._lock:
                jobs, self._jobs = self._jobs, []
                again, self._again = self._again, False
                if not jobs and (not again or passes >= MAX_PASSES):
                    self._running = None
                    self._idle.set()
                    return
            for job in jobs:
                try:
                    job()
                except RestFailed as exc:
                    log.warning("REST request failed: %s", exc)
                except Exception:
                    log.exception("dispatch job failed")
            if again:
                passes += 1
                try:
                    if self.dispatch_once():
                        with self._lock:
                            self._again = True
                except StoreUnavailable as exc:
                    log.warning("dispatch: Redis unavailable: %s", exc)
                except Exception:
                    log.exception("dispatch pass failed")
                try:
                    self._wake_for_next_wrap_up()
                except StoreUnavailable:
                    pass
                if self._housekeeping is not None:
                    try:
                        self._housekeeping()
                    except StoreUnavailable as exc:
                        log.warning("dispatch housekeeping: Redis unavailable: %s", exc)
                    except Exception:
                        log.exception("dispatch housekeeping failed")

    def _wake_for_next_wrap_up(self) -> None:
        """A pass of its own when the next agent's wrap-up ends: a waiting caller is offered to them then, not
        at the next hold pass (up to a hold's length later)."""
        if not self._wake_on_wrap_up:
            return
        when = self._presence.next_ready()
        if when is None:
            return
        with self._lock:
            if self._wake_at is not None and self._wake_at <= when:
                return
            if self._wake is not None:
                self._wake.cancel()
            delay = max(0.0, when - self._clock().timestamp()) + 0.05
            self._wake_at = when
            self._wake = threading.Timer(delay, self._woken)
            self._wake.daemon = True
            self._wake.start()

    def _woken(self) -> None:
        with self._lock:
            self._wake = self._wake_at = None
        self._kick(None)

    # -- one pass -------------------------------------------------------------------

    def dispatch_once(self) -> int:
        """Make the offers the choice gives now; how many were made (none in TaskRouter mode, where TaskRouter
        picks the agent; a warm transfer's lapsed consult is still given up here)."""
        waiting, ready, offers, reserved, consults, callbacks = self._read()
        lapsed = self._presence.expired(consults)
        if lapsed and self._presence.expire(lapsed, CONSULTS):
            log.warning("consults about %d caller(s) ran out without an answer from Twilio; given up", len(lapsed))
            for caller_sid in lapsed:
                self._end_lapsed_consult(caller_sid)
        if not self._push:
            return 0
        expired = self._presence.expired(offers)
        if expired and self._presence.expire(expired):
            log.warning("offers of %d caller(s) ran out without an answer from Twilio; made again", len(expired))
        if expired or lapsed:  # agents were freed: read who is ready again
            waiting, ready, offers, reserved, consults, callbacks = self._read()
        if not ready:
            return 0
        waiting = [*waiting, *self.due(callbacks)]
        if not waiting:
            return 0
        records = read_together(self._redis, *(self._agents.reading(entry.agent_id) for entry in ready))
        idle = [Idle(entry.agent_id, entry.since, Skills(frozenset(agent.queues), frozenset(agent.languages)))
                for entry, agent in zip(ready, records) if agent is not None]
        reserved = self._presence.standing(reserved)
        rings = []
        for pairing in pairings(waiting, idle, frozenset(offers), reserved):
            claimed = self._presence.offer(pairing.caller.sid, list(pairing.agents), self.ring_seconds)
            if claimed is None:
                continue
            agent_id, ring = claimed
            rings.append((pairing.caller.sid, agent_id, ring))

        def place(claim: tuple[str, str, str]) -> bool:
            made = self._ring(*claim)
            if made and claim[0] in reserved:  # the named agent rings: if they miss, anyone may take the caller
                self._presence.release(claim[0])
            return made

        if len(rings) <= 1:
            return sum(place(claim) for claim in rings)
        # Each claim is already made (atomic in Redis); their Calls create go out side by side, so a burst of
        # free agents is not rung one REST round trip after another.
        with ThreadPoolExecutor(max_workers=min(RING_THREADS, len(rings)), thread_name_prefix="ring") as pool:
            return sum(pool.map(place, rings))

    def _read(self):
        """Who waits, who is ready, the offers, the reservations, the consults and the callback requests:
        one round trip."""
        reads = [self._waiting.reading_everyone(), self._presence.reading_ready(), self._presence.reading_offers(),
                 self._presence.reading_reserved(), self._presence.reading_offers(CONSULTS)]
        if self._callbacks is not None:
            reads.append(self._callbacks.reading_open())
        found = read_together(self._redis, *reads)
        return (*found[:5], found[5] if len(found) > 5 else [])

    def due(self, callbacks: list[Callback]) -> list[Waiting]:
        """The callback requests to offer now, in their callers' original places: open (not claimed by hand,
        not being called), their next try's time reached, and their queue open."""
        now = self._clock()
        opened: dict[tuple[str, QueueName], bool] = {}  # each line's queue looked up once a pass

        def is_open(callback: Callback) -> bool:
            key = (callback.line, callback.queue)
            if key not in opened:
                opened[key] = self._queue_open(callback.line, callback.queue, now)
            return opened[key]

        return [Waiting(offer_key(callback.id), callback.queue, callback.place) for callback in callbacks
                if callback.status == "open" and callback.next_attempt_at <= now.timestamp() and is_open(callback)]

    def _end_lapsed_consult(self, caller_sid: str) -> None:
        """A warm transfer's target was claimed and nothing more was heard (the router that rang them died, or
        Twilio's status callback was lost): the claim is dropped, and the caller comes off hold."""
        state = self._calls.get(caller_sid)
        if state is None or not state.consult_agent or not state.conference_sid:
            return
        self._calls.update(caller_sid, consult_agent="", consult_leg="")
        try:
            self._rest.participant(state.conference_sid, caller_sid, hold=False)
        except RestFailed as exc:
            log.warning("a lapsed consult of %s: could not take the caller off hold: %s", caller_sid, exc)

    def _ring(self, caller_sid: str, agent_id: str, ring: str) -> bool:
        """Place the agent's leg; on any failure give the claim back, the agent keeping their place."""
        from_ = self._calling_from(caller_sid)
        if from_ is None or not ring:
            self._presence.end(agent_id, caller_sid, "back")
            return False
        query = {"call": caller_sid, "agent": agent_id}
        press = {} if ring.startswith("client:") else {"press": "1"}  # a phone agent takes the call with a key
        try:
            leg = self._rest.place_call(to=ring, from_=from_ or ring, url=self.url("briefing", **query, **press),
                                        status_callback=self.url("offer-status", **query), timeout=self.ring_seconds)
        except RestFailed as exc:
            log.warning("offer of %s to agent %s failed, given back: %s", caller_sid, agent_id, exc)
            self._presence.end(agent_id, caller_sid, "back")
            return False
        self._presence.advance(agent_id, caller_sid, "ringing", self.ring_seconds + 15, leg=leg)
        log.info("offered %s to agent %s (leg %s)", caller_sid, agent_id, leg)
        return True

    def _calling_from(self, caller_sid: str) -> str | None:
        """The number an offer's leg shows the agent: the line the caller dialled (a callback's line). None:
        the caller or callback is gone."""
        callback_id = callback_of(caller_sid)
        if callback_id is not None:
            callback = self._callbacks.get(callback_id) if self._callbacks else None
            if callback is None or callback.status != "open":
                return None
            return callback.line_number or self._line_number(callback.line)
        state = self._calls.get(caller_sid)
        return None if state is None else state.dialed

    # -- REST work for webhooks, off their thread --------------------------------------

    def hang_up_later(self, call_sid: str) -> None:
        if call_sid and self._rest is not None:
            self.kick(lambda: self._rest.hang_up(call_sid))
