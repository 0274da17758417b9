"""The agent line: an agent calls in and proves who they are. With push routing (Twilio's
REST API configured) that makes them available: the call ends and the router rings them
back on that phone with the caller it picks (call_store/offers.py, ivr/meeting_flow.py).
Without it (a developer's machine), the line connects them itself to the caller the router
picks (severity A first, then the longest wait, among the queues their skills cover).

An agent calling from a registered phone keys only their PIN; from any other
number, their agent number and PIN. PIN tries are throttled like the agent
API's (workforce/lockout.py), the calling number standing for the source. A signed-in agent's CallSid is kept in Redis, so
every later step checks it rather than trusting the URL alone.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from twilio.twiml.voice_response import Dial, VoiceResponse

from call_store.call_state import CallStatus, CallStore
from call_store.offers import Dispatch
from call_store.waiting import WaitingRoom
from ivr.briefing import who_is_coming
from ivr.twiml import ask, hang_up, say
from prompts.catalogue import Catalogues, Prompts
from routing.menu import MAX_ATTEMPTS
from routing.numbers import PhoneNumber
from routing.serving import Waiting, serving_order
from runtime.metrics import QUEUE_WAIT_SECONDS
from runtime.unit_of_work import read_together, staged
from workforce.directory import AgentDirectory
from workforce.lockout import SignInThrottle
from workforce.model import Agent, pin_matches
from workforce.presence import AgentPresence

MAX_PIN_ATTEMPTS = 3
SESSION = "agent-call:"
SESSION_TTL = 12 * 60 * 60
POLL_SECONDS = 5
LINE_LOCALE = "en-GB"  # before we know who is calling
WITHHELD = "withheld"  # the source of every PIN try from a withheld number


class AgentFlow:
    def __init__(self, *, agents: AgentDirectory, throttle: SignInThrottle, waiting: WaitingRoom, calls: CallStore,
                 catalogues: Catalogues, clock: Callable[[], datetime], line_name: Callable[[str], str], redis_client,
                 presence: AgentPresence, dispatch: Dispatch):
        self._agents = agents
        self._throttle = throttle
        self._waiting = waiting
        self._calls = calls
        self._catalogues = catalogues
        self._clock = clock
        self._line_name = line_name
        self._redis = redis_client
        self._presence = presence
        self._dispatch = dispatch

    def answer(self, caller: PhoneNumber | None, attempt: int = 1) -> VoiceResponse:
        """A registered phone is asked for the PIN alone; any other for the agent number first.
        Silence asks again, at most `MAX_ATTEMPTS` times, then says goodbye."""
        prompts = self._catalogues(LINE_LOCALE)
        known = self._agents.by_phone(caller.e164) if caller else []
        if len(known) == 1:
            return self._pin_question(prompts, known[0].agent_id, 1, prompts.text("agent_welcome"))
        if attempt > MAX_ATTEMPTS:
            return hang_up(prompts, prompts.text("goodbye"))
        return ask("agent-id", prompts, [prompts.text("agent_welcome"), prompts.text("agent_ask_id")], digits=None,
                   silence=f"agent?attempt={attempt + 1}")

    def agent_id(self, digits: str) -> VoiceResponse:
        """Whatever was keyed, ask for the PIN: whether the number exists is not given away."""
        prompts = self._catalogues(LINE_LOCALE)
        return self._pin_question(prompts, digits.strip("#")[:12], 1)

    def pin(self, sid: str, agent_id: str, attempt: int, digits: str, caller: PhoneNumber | None) -> VoiceResponse:
        """A PIN try from `caller`, counted (atomically) before it is checked; the same scrypt for an unknown agent."""
        prompts = self._catalogues(LINE_LOCALE)
        keyed = digits.strip("#")
        if not keyed:  # silence is not a wrong PIN
            if attempt >= MAX_PIN_ATTEMPTS:
                return self._goodbye(prompts, "goodbye")
            return self._pin_question(prompts, agent_id, attempt + 1, prompts.text("no_input"))
        source = caller.e164 if caller else WITHHELD
        known = agent_id.isdigit()
        verdict, agent, waiting = read_together(  # one round trip: the try counted, the agent, who waits
            self._redis, self._throttle.reserving(agent_id, source), self._agents.reading(agent_id if known else "-"),
            self._waiting.reading_everyone())
        if not verdict.allowed:
            return self._goodbye(prompts, "agent_locked")
        if pin_matches(agent if known else None, keyed):
            self._throttle.succeeded(agent_id, source)
            if self._dispatch.enabled:
                return self._available(agent, caller)
            with staged(self._redis) as pipe:
                pipe.set(SESSION + sid, agent_id, ex=SESSION_TTL)
            return self._connect(agent, waiting, announce=True)
        if attempt >= MAX_PIN_ATTEMPTS:
            return self._goodbye(prompts, "agent_locked")
        return self._pin_question(prompts, agent_id, attempt + 1, prompts.text("agent_pin_wrong"))

    def _available(self, agent: Agent, caller: PhoneNumber | None) -> VoiceResponse:
        """Signed in with push routing: available now, rung back on the phone they called from if it is
        registered on their record (else their first registered one, else the calling number)."""
        calling = caller.e164 if caller else ""
        ring = calling if calling in agent.phones else (agent.phones[0] if agent.phones else calling)
        self._presence.staging_available(agent.agent_id, ring)
        self._dispatch.kick()
        prompts = self._prompts(agent)
        return hang_up(prompts, prompts.text("agent_available"))

    def next_caller(self, sid: str, agent_id: str, announce: bool = False) -> VoiceResponse:
        signed_in, agent, waiting = read_together(
            self._redis, self._session(sid), self._agents.reading(agent_id), self._waiting.reading_everyone())
        if agent is None or signed_in != agent_id:
            return self.answer(None)
        return self._connect(agent, waiting, announce)

    def _connect(self, agent: Agent, waiting: list[Waiting], announce: bool) -> VoiceResponse:
        """Connect the agent to the caller the router picks; if nobody waits, offer to wait."""
        agent_id = agent.agent_id
        prompts = self._prompts(agent)
        ordered = serving_order(entry for entry in waiting if _skilled(agent, entry))
        if ordered:
            response = VoiceResponse()
            say(response, prompts, prompts.text("agent_connecting"))
            dial = Dial(action=f"agent-done?agent={agent_id}", method="POST")
            dial.queue(str(ordered[0].queue), url=f"agent-whisper?agent={agent_id}", method="POST")
            response.append(dial)
            return response
        if not announce:
            response = VoiceResponse()
            response.pause(length=POLL_SECONDS)
            response.redirect(f"agent-next?agent={agent_id}", method="POST")
            return response
        response = ask(f"agent-wait?agent={agent_id}", prompts, [prompts.text("agent_none_waiting")])
        response.hangup()
        return response

    def wait(self, sid: str, agent_id: str, digits: str) -> VoiceResponse:
        agent = self._signed_in(sid, agent_id)
        if agent is None or digits[:1] != "1":
            return hang_up(self._catalogues(LINE_LOCALE))
        prompts = self._prompts(agent)
        response = VoiceResponse()
        say(response, prompts, prompts.text("agent_waiting"))
        response.redirect(f"agent-next?agent={agent_id}", method="POST")
        return response

    def whisper(self, caller_sid: str, agent_id: str, waited_seconds: int) -> VoiceResponse:
        """Played to the agent before the two are joined: who is coming. The caller is now connected."""
        agent, state = read_together(self._redis, self._agents.reading(agent_id), self._calls.reading(caller_sid))
        prompts = self._prompts(agent) if agent else self._catalogues(LINE_LOCALE)
        response = VoiceResponse()
        if state is None or state.queue_name is None:
            return response
        queue = state.queue_name
        self._waiting.left(caller_sid, queue, served=True)
        QUEUE_WAIT_SECONDS.labels(queue.kind.value).observe(waited_seconds)
        self._calls.update(caller_sid, status=CallStatus.CONNECTED, agent=agent_id)
        sentences = who_is_coming(prompts, state, self._line_name)
        minutes = waited_seconds // 60
        sentences.append(prompts.text("whisper_waited", minutes=minutes) if minutes else prompts.text("whisper_waited_short"))
        for sentence in sentences:
            say(response, prompts, sentence)
        return response

    def done(self, sid: str, agent_id: str) -> VoiceResponse:
        agent = self._signed_in(sid, agent_id)
        prompts = self._prompts(agent) if agent else self._catalogues(LINE_LOCALE)
        response = ask(f"agent-next?agent={agent_id}&announce=1", prompts, [prompts.text("agent_next")])
        response.hangup()
        return response

    # -- helpers --------------------------------------------------------------

    def _pin_question(self, prompts: Prompts, agent_id: str, attempt: int, lead: str | None = None) -> VoiceResponse:
        action = f"agent-pin?agent={agent_id}&attempt={attempt}"
        return ask(action, prompts, [lead, prompts.text("agent_ask_pin")], digits=None, silence=action)

    def _signed_in(self, sid: str, agent_id: str) -> Agent | None:
        signed_in, agent = read_together(self._redis, self._session(sid), self._agents.reading(agent_id))
        return agent if signed_in == agent_id else None

    @staticmethod
    def _session(sid: str):
        """Which agent signed in on this call, as a `Read`."""
        def stage(pipe):
            pipe.get(SESSION + sid)
            return lambda agent_id: agent_id
        return stage

    def _prompts(self, agent: Agent) -> Prompts:
        language = next((lang for lang in agent.languages if self._catalogues.has(lang)), "en")
        return self._catalogues(language)

    @staticmethod
    def _goodbye(prompts: Prompts, key: str) -> VoiceResponse:
        return hang_up(prompts, prompts.text(key))


def _skilled(agent: Agent, entry: Waiting) -> bool:
    return entry.queue.kind.value in agent.queues and entry.queue.language in agent.languages
