"""Agents in Redis, indexed by their registered phones (for the agent line)."""
from __future__ import annotations

import dataclasses

import redis

from runtime.record_store import PhoneIndexedStore
from workforce.model import Agent


def agent_from_dict(data: dict) -> Agent:
    return Agent(**{key: tuple(value) if isinstance(value, list) else value for key, value in data.items()})


class AgentDirectory(PhoneIndexedStore[Agent]):
    def __init__(self, client: redis.Redis):
        super().__init__(
            client, kind="agent", key_of=lambda agent: agent.agent_id, phones_of=lambda agent: agent.phones,
            to_dict=dataclasses.asdict, from_dict=agent_from_dict,
        )
