"""Getting a code to the organisation's registered contact: e-mail over SMTP,
SMS through Twilio's Messages API, or, on a developer's machine with neither
configured, a local outbox read through the admin API.

Each sender raises `DeliveryFailed` and nothing else, so the call flow can
offer the other channel whatever went wrong underneath.
"""
from __future__ import annotations

import json
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

import redis
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
OUTBOX = "outbox"
OUTBOX_SIZE = 100


class DeliveryFailed(Exception):
    """The message did not leave; the reason is for the log, never for the caller."""


@dataclass(frozen=True)
class Message:
    channel: str  # "sms" or "email"
    to: str
    subject: str
    body: str


class Sender(Protocol):
    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int
    sender: str
    user: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 5.0

    def send(self, message: Message) -> None:
        email = EmailMessage()
        email["From"], email["To"], email["Subject"] = self.sender, message.to, message.subject
        email.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(email)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryFailed(f"SMTP {self.host}:{self.port}: {exc.__class__.__name__}") from exc


class _ApiBase(TwilioHttpClient):
    """Twilio's HTTP client sending to `base` instead of api.twilio.com (a proxy, or a local stand-in)."""

    def __init__(self, base: str, timeout: float):
        super().__init__(timeout=timeout)
        self._base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        return super().request(method, url.replace(TWILIO_API, self._base, 1), *args, **kwargs)


class TwilioSmsSender:
    def __init__(self, account_sid: str, auth_token: str, from_number: str, api_base: str = TWILIO_API, timeout: float = 5.0):
        self._from = from_number
        http_client = _ApiBase(api_base, timeout) if api_base != TWILIO_API else TwilioHttpClient(timeout=timeout)
        self._client = Client(account_sid, auth_token, http_client=http_client)

    def send(self, message: Message) -> None:
        try:
            self._client.messages.create(to=message.to, from_=self._from, body=message.body)
        except (TwilioException, OSError) as exc:
            raise DeliveryFailed(f"Twilio Messages: {exc.__class__.__name__}") from exc


class Outbox:
    """Where messages go on a machine that cannot send them: the newest 100, kept in Redis."""

    def __init__(self, client: redis.Redis):
        self._redis = client

    def send(self, message: Message) -> None:
        try:
            self._redis.pipeline().lpush(OUTBOX, json.dumps(message.__dict__)).ltrim(OUTBOX, 0, OUTBOX_SIZE - 1).execute()
        except redis.RedisError as exc:
            raise DeliveryFailed("outbox unavailable") from exc

    def messages(self) -> list[dict]:
        return [json.loads(raw) for raw in self._redis.lrange(OUTBOX, 0, OUTBOX_SIZE - 1)]
