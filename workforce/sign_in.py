"""An agent proving who they are with their console password (the API and the console),
under the sign-in throttle (`workforce.lockout`): the try is counted before the
password is checked, and an unknown agent costs the same scrypt as a known one."""
from __future__ import annotations

from dataclasses import dataclass

from workforce.directory import AgentDirectory
from workforce.lockout import SignInThrottle
from workforce.model import Agent, password_matches


@dataclass(frozen=True)
class SignIn:
    agent: Agent | None
    retry_after: int = 0  # seconds to wait, when the throttle refused the try before any check

    @property
    def throttled(self) -> bool:
        return self.retry_after > 0


class AgentSignIn:
    def __init__(self, *, agents: AgentDirectory, throttle: SignInThrottle):
        self._agents = agents
        self._throttle = throttle

    def with_password(self, agent_id: str, password: str, source: str) -> SignIn:
        """The agent when `password` is theirs; `source` (the client's address) is what the throttle counts."""
        verdict = self._throttle.reserve(agent_id, source)
        if not verdict.allowed:
            return SignIn(None, retry_after=verdict.retry_after)
        agent = self._agents.get(agent_id) if agent_id.isdigit() else None
        if not password_matches(agent, password):  # the same scrypt whether or not the agent exists
            return SignIn(None)
        self._throttle.succeeded(agent_id, source)
        return SignIn(agent)

    def agent(self, agent_id: str) -> Agent | None:
        """A signed-in session's agent (None once the record is gone)."""
        return self._agents.get(agent_id) if agent_id else None
