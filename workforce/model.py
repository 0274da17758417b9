"""An agent record and the rules it must meet. Secrets arrive in clear over
the admin API and are stored only as hashes (werkzeug's scrypt)."""
from __future__ import annotations

import re
import secrets
from dataclasses import asdict, dataclass

from werkzeug.security import check_password_hash, generate_password_hash

from routing.model import Queue
from routing.numbers import valid_e164
from runtime.validation import FieldErrors

AGENT_ID = re.compile(r"[0-9]{3,12}")  # digits, so an agent can key it in on the agent line
PIN = re.compile(r"[0-9]{4,8}")
LANGUAGE = re.compile(r"[a-z]{2}")
MIN_PASSWORD = 10
FIELDS = ("name", "pin", "password", "queues", "languages", "phones", "supervisor")


# Checked when no agent has the id given, so a missing agent costs the same scrypt as a wrong
# secret and answers in the same time: agent ids cannot be found by timing.
UNKNOWN_AGENT_HASH = generate_password_hash(secrets.token_urlsafe(16))


def password_matches(agent: "Agent | None", password: str) -> bool:
    """The agent's password check, in the same time whether or not the agent exists."""
    return check_password_hash(agent.password_hash if agent else UNKNOWN_AGENT_HASH, password) and agent is not None


def pin_matches(agent: "Agent | None", pin: str) -> bool:
    """The PIN check, in the same time whether or not the agent exists."""
    return check_password_hash(agent.pin_hash if agent else UNKNOWN_AGENT_HASH, pin) and agent is not None


class AgentError(FieldErrors):
    """An agent record that breaks the rules."""


@dataclass(frozen=True)
class Agent:
    agent_id: str
    name: str
    pin_hash: str
    password_hash: str
    queues: tuple[str, ...]  # queue types taken: technical, billing, presales
    languages: tuple[str, ...]  # primary language subtags: en, sv, ...
    phones: tuple[str, ...]  # registered phones, E.164
    supervisor: bool = False  # a team lead; records from before the role was added have none

    def pin_matches(self, pin: str) -> bool:
        return check_password_hash(self.pin_hash, pin)

    def password_matches(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def public(self) -> dict:
        """What the API shows: never the hashes."""
        data = asdict(self)
        del data["pin_hash"], data["password_hash"]
        return {key: list(value) if isinstance(value, tuple) else value for key, value in data.items()}


def parse_agent(agent_id: str, data: object, previous: Agent | None = None) -> Agent:
    """A validated agent; `pin` and `password` may be left out when replacing, to keep the old ones."""
    if not isinstance(data, dict):
        raise AgentError({"body": "must be an object"})
    errors = {str(key)[:64]: "unknown field" for key in set(data) - set(FIELDS)}
    if not AGENT_ID.fullmatch(agent_id):
        errors["agent_id"] = "must be 3 to 12 digits (agents key it in on the phone)"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors["name"] = "must be a non-empty text"
    pin, password = data.get("pin"), data.get("password")
    if pin is None and previous is None or pin is not None and not (isinstance(pin, str) and PIN.fullmatch(pin)):
        errors["pin"] = "must be 4 to 8 digits"
    if password is None and previous is None or password is not None and not (isinstance(password, str) and len(password) >= MIN_PASSWORD):
        errors["password"] = f"must be at least {MIN_PASSWORD} characters"
    queues = _list(data, "queues", lambda value: value in {queue.value for queue in Queue}, errors, "a queue type")
    languages = _list(data, "languages", lambda value: bool(LANGUAGE.fullmatch(value)), errors, "a two-letter language code")
    phones = _phones(data.get("phones", []), errors)
    if not errors.get("queues") and not queues:
        errors["queues"] = "an agent takes at least one queue type"
    if not errors.get("languages") and not languages:
        errors["languages"] = "an agent speaks at least one language"
    supervisor = data.get("supervisor", previous.supervisor if previous else False)
    if not isinstance(supervisor, bool):
        errors["supervisor"] = "must be true or false"
    if errors:
        raise AgentError(errors)
    return Agent(
        agent_id=agent_id, name=name.strip(),
        pin_hash=generate_password_hash(pin) if pin is not None else previous.pin_hash,
        password_hash=generate_password_hash(password) if password is not None else previous.password_hash,
        queues=queues, languages=languages, phones=phones, supervisor=supervisor,
    )


def _list(data: dict, field: str, valid, errors: dict[str, str], what: str) -> tuple[str, ...]:
    values = data.get(field, [])
    if not isinstance(values, list) or not all(isinstance(value, str) and valid(value) for value in values):
        errors[field] = f"must be a list, each entry {what}"
        return ()
    return tuple(dict.fromkeys(values))


def _phones(values: object, errors: dict[str, str]) -> tuple[str, ...]:
    numbers = [valid_e164(value) for value in values] if isinstance(values, list) else [None]
    if None in numbers:
        errors["phones"] = "must be a list of valid phone numbers in international form"
        return ()
    return tuple(dict.fromkeys(numbers))
