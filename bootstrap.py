"""Everything a request handler may need, built once per process in `create_app`.

Tests swap any part (the clock, the Redis client) through `create_app(config)`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import redis
from flask import current_app
from twilio.request_validator import RequestValidator

from admin.tokens import AdminTokens
from web.sessions import PageSessions
from workforce.directory import AgentDirectory
from workforce.lockout import SignInThrottle
from countries.store import TableStore
from countries.validation import validator
from ivr.agent_flow import AgentFlow
from call_store.call_state import CallStore
from call_store.callbacks import CallbackBook
from prompts.catalogue import Catalogues, load_catalogues
from ivr.flow import CallFlow
from call_store.waiting import WaitingRoom
from routing.table import read_document
from runtime.dev_tokens import development_token
from runtime.data_marker import DataMarker
from runtime.redis_connection import open_redis
from runtime.settings import Settings, SettingError
from verification.audit import AuditLog
from verification.codes import CodeBook, CodePolicy
from verification.delivery import Outbox, Sender, SmtpSender, TwilioSmsSender
from verification.directory import Directory
from verification.service import Verifier

EXTENSION = "support_router"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    tables: TableStore
    catalogues: Catalogues
    flow: CallFlow
    clock: Callable[[], datetime]
    signatures: RequestValidator  # checks Twilio's signature on every webhook with the auth token
    token_is_development: bool
    admin_tokens: AdminTokens
    directory: Directory
    verifier: Verifier
    audit: AuditLog
    outbox: Outbox
    senders: dict[str, Sender]
    calls: CallStore
    waiting: WaitingRoom
    callbacks: CallbackBook
    agent_flow: AgentFlow
    agents: AgentDirectory
    sign_in_throttle: SignInThrottle
    redis_embedded: bool = False
    page_sessions: "PageSessions | None" = None  # the admin pages' and console's sessions, set where the app is made
    marker: DataMarker | None = None


def build_services(settings: Settings, overrides: dict) -> Services:
    """Wire the parts; a bad table, catalogue or production setting stops start-up here, naming the fault."""
    code_secret = required_code_secret(settings)
    catalogues = load_catalogues()
    validate = validator(catalogues)
    document = read_document(settings.countries_file)
    validate(document)
    clock = overrides.get("clock") or system_clock
    client = overrides.get("redis") or open_redis(settings)
    marker = DataMarker(client, settings.data_marker_file, clock)
    tables = TableStore(client, clock, validate, marker)
    tables.start(document)
    token = settings.twilio_auth_token or development_token(settings.dev_token_file)
    outbox = Outbox(client)
    senders = build_senders(settings, outbox)
    directory = Directory(client)
    codes = CodeBook(client, clock, code_secret, code_policy(settings))
    calls = CallStore(client, settings.call_ttl, directory, codes)
    waiting = WaitingRoom(client, clock)
    callbacks = CallbackBook(client, clock)
    audit = AuditLog(client, clock)
    verifier = Verifier(codes, senders, audit, wait=settings.delivery_wait)
    agents = AgentDirectory(client)
    throttle = SignInThrottle(client, clock)

    def line_name(line_id: str) -> str:
        table = tables.latest_known()
        line = table.line(line_id)
        return line.name if line else line_id

    return Services(
        settings=settings,
        redis=client,
        tables=tables,
        catalogues=catalogues,
        flow=CallFlow(
            tables=tables, catalogues=catalogues, calls=calls, clock=clock,
            hold_music_url=settings.hold_music_url, directory=directory, verifier=verifier, waiting=waiting,
            workflow_sid=settings.twilio_workflow_sid, callbacks=callbacks, callback_after=settings.callback_after,
        ),
        clock=clock,
        signatures=RequestValidator(token),
        token_is_development=not settings.twilio_auth_token,
        admin_tokens=AdminTokens(client, settings.admin_token or development_token(settings.dev_admin_token_file)),
        directory=directory,
        verifier=verifier,
        audit=audit,
        outbox=outbox,
        senders=senders,
        calls=calls,
        waiting=waiting,
        callbacks=callbacks,
        agents=agents,
        sign_in_throttle=throttle,
        agent_flow=AgentFlow(agents=agents, throttle=throttle, waiting=waiting, calls=calls, catalogues=catalogues,
                             clock=clock, line_name=line_name, redis_client=client),
        redis_embedded="redis" not in overrides and not settings.redis_server_given,
        marker=marker,
    )


def required_code_secret(settings: Settings) -> str:
    """CODE_SECRET; required in production, where every machine must key codes alike.

    On a developer's machine a random secret in the instance folder stands in: every process
    there shares it, and unlike a secret kept in Redis it survives Redis losing its data.
    """
    if settings.code_secret:
        return settings.code_secret
    if settings.production and settings.redis_server_given:
        raise SettingError("CODE_SECRET is required in production (TWILIO_AUTH_TOKEN and a Redis server set): "
                           "set the same random value on every machine, e.g. `openssl rand -hex 32`")
    return development_token(settings.dev_code_secret_file)


def build_senders(settings: Settings, outbox: Outbox) -> dict[str, Sender]:
    """SMTP and Twilio SMS where configured; the local outbox for whichever is not."""
    email: Sender = outbox
    if settings.smtp_host:
        email = SmtpSender(
            host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from, user=settings.smtp_user,
            password=settings.smtp_password, starttls=settings.smtp_starttls, timeout=settings.delivery_timeout,
        )
    sms: Sender = outbox
    if settings.twilio_account_sid and settings.twilio_sms_from and settings.twilio_auth_token:
        sms = TwilioSmsSender(
            settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_sms_from,
            api_base=settings.twilio_api_url, timeout=settings.delivery_timeout,
        )
    return {"email": email, "sms": sms}


def code_policy(settings: Settings) -> CodePolicy:
    return CodePolicy(
        lifetime_seconds=settings.code_lifetime, max_attempts=settings.code_max_attempts,
        per_org=settings.code_limit_per_org, org_window_seconds=settings.code_org_window,
        per_caller=settings.code_limit_per_caller, caller_window_seconds=settings.code_caller_window,
    )


def services() -> Services:
    return current_app.extensions[EXTENSION]
