"""The one place that knows every part of the router: it builds each from the
settings, gives each what it needs by constructor, registers them by type for
the views that call them, and mounts the blueprints. `python app.py` starts
here too (`serve`).

Tests swap what varies (the clock, the Redis client) through `create_app(config)`.
"""
from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfoNotFoundError

import redis
from flask import Flask, abort, jsonify, request
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wsgi import get_content_length

from admin.api import bp as admin_api_bp
from admin.cli import admins as admins_cli_bp
from admin.cli import bp as orgs_cli_bp
from admin.cli import countries as countries_cli_bp
from admin.cli import data as data_cli_bp
from admin.countries_api import bp as countries_api_bp
from admin.countries_api import notices_bp, what_if_bp
from admin.pages import bp as admin_pages_bp
from admin.tokens import AdminTokens
from agents.api import bp as agent_api_bp
from agents.api import console_bp as desk_api_bp
from agents.board import QueueBoard
from agents.console import bp as console_bp
from agents.desk import AgentDesk
from agents.live_stream import LiveStreams
from agents.wallboard import bp as wallboard_bp
from agents.manual_check import ManualCheck
from agents.softphone import VoiceTokens
from call_store.call_state import CallStore
from call_store.callbacks import CallbackBook, CallbackLimits
from call_store.controls import CallControls
from call_store.events import CallEvents
from call_store.offers import Dispatch
from call_store.taskrouter import WorkerActivities
from call_store.waiting import WaitingRoom
from call_store.wallboard import Wallboard
from countries.store import TableStore
from countries.validation import validator
from ivr.agent_flow import AgentFlow
from ivr.agent_views import bp as agent_line_bp
from ivr.answer_flow import AnswerFlow
from ivr.call_context import CallContext
from ivr.callback_calls import CallbackCalls
from ivr.callback_flow import CallbackFlow
from ivr.enqueue import QueueEntry
from ivr.meeting_flow import MeetingFlow
from ivr.queue_flow import QueueFlow
from ivr.taskrouter_flow import TaskRouterFlow
from ivr.taskrouter_views import bp as taskrouter_bp
from ivr.verification_flow import VerificationFlow
from ivr.views import bp as ivr_bp
from ivr.webhooks import TwilioWebhooks
from operations.health import bp as health_bp
from prompts.catalogue import CatalogueError, load_catalogues
from public_pages.numbers import bp as numbers_bp
from routing.hours import is_open
from routing.queues import QueueName
from routing.table import TableError, read_document
from runtime.clock import Clock, system_clock
from runtime.data_marker import DataMarker
from runtime.dev_tokens import development_token
from runtime.logs import configure as configure_logging
from runtime.redis_connection import StoreUnavailable, open_redis
from runtime.settings import SettingError, Settings, on_loopback, start_up_faults
from runtime.settle import settle
from runtime.twilio_rest import TaskRouterRest, VoiceRest
from verification.audit import AuditLog
from verification.codes import CodeBook, CodePolicy
from verification.delivery import Outbox, Sender, SmtpSender, TwilioSmsSender
from verification.directory import Directory
from verification.service import Verifier
from web.bounded_json import BoundedRequest, too_large
from web.registry import Parts, install, parts_of
from web.sessions import PageSessions, security_headers
from workforce.directory import AgentDirectory
from workforce.lockout import SignInThrottle
from workforce.presence import AgentPresence
from workforce.sign_in import AgentSignIn

BLUEPRINTS = (ivr_bp, agent_line_bp, taskrouter_bp, health_bp, numbers_bp, admin_api_bp, countries_api_bp, notices_bp,
              what_if_bp, admin_pages_bp, orgs_cli_bp, admins_cli_bp, countries_cli_bp, data_cli_bp, agent_api_bp,
              console_bp, wallboard_bp, desk_api_bp)


@dataclass(frozen=True)
class Running:
    """What `python app.py` tells the developer it runs on."""

    redis_embedded: bool
    token_is_development: bool
    unconfigured_channels: tuple[str, ...]  # code channels going to the development outbox


class RouterApp(Flask):
    """Flask, asking once per view or hook (not on every request) whether it is a coroutine function:
    Flask asks `inspect` for each one it runs, five times a webhook. The answer never changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync: dict[Callable, Callable] = {}

    def ensure_sync(self, func: Callable) -> Callable:
        sync = self._sync.get(func)
        if sync is None:
            sync = self._sync[func] = super().ensure_sync(func)
        return sync


def build_app(config: dict | None = None) -> Flask:
    """The router: Flask app, parts, blueprints. A bad table, catalogue or production setting stops
    start-up here, naming the fault."""
    config = dict(config or {})
    settings = config.pop("settings", None) or Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    root = os.path.dirname(os.path.abspath(__file__))
    app = RouterApp("app", root_path=root, instance_path=os.path.abspath(settings.instance_dir),
                    template_folder="templates", static_folder="static")
    app.request_class = BoundedRequest  # a size limit, and JSON no deeper than a real document
    app.register_error_handler(413, too_large)
    app.config.update(SECRET_KEY=settings.secret_key or development_token(settings.dev_secret_key_file))
    app.before_request(refuse_oversized(settings.max_request_bytes))  # MAX_REQUEST_BYTES, on the declared length
    if settings.trusted_proxy_hops:  # the client's address as the load balancer saw it, for sign-in throttling
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_hops)
    parts = build_parts(settings, config)
    install(app, parts)
    app.session_interface = parts.get(PageSessions)
    app.after_request(security_headers(secure_cookies(settings)))
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(StoreUnavailable, store_unavailable)
    return app


def refuse_oversized(limit: int):
    """413 on the declared length alone, before any blueprint reads a byte of the body (a chunked body
    without a length is cut off at `limit` by MAX_CONTENT_LENGTH as it is read); the 413 handler words it."""
    def check():
        # request.content_length's rule, without building its headers; the request itself, not through the proxy
        length = get_content_length(request._get_current_object().environ)
        if length is not None and length > limit:
            abort(413)
        return None

    return check


def store_unavailable(error):
    """Redis did not answer (or no replica confirmed a write): try again, nothing was promised."""
    if request.path.startswith(("/admin/api", "/agent/api", "/api")):
        return jsonify(error="storage unavailable, try again"), 503
    return "Storage is unavailable; please try again in a moment.\n", 503, {"Content-Type": "text/plain; charset=utf-8"}


def build_parts(settings: Settings, overrides: dict) -> Parts:
    catalogues = load_catalogues()
    validate = validator(catalogues)
    document = read_document(settings.countries_file)
    validate(document)
    code_secret = required_code_secret(settings)
    clock: Clock = overrides.get("clock") or system_clock
    client = overrides.get("redis") or open_redis(settings)
    marker = DataMarker(client, settings.data_marker_file, clock)
    tables = TableStore(client, clock, validate, marker)
    tables.start(document)
    outbox = Outbox(client)
    senders = build_senders(settings, outbox)
    directory = Directory(client)
    codes = CodeBook(client, clock, code_secret, code_policy(settings))
    calls = CallStore(client, settings.call_ttl, directory, codes)
    waiting = WaitingRoom(client, clock)
    events = call_events(settings, client, clock)
    callbacks = CallbackBook(client, clock, CallbackLimits(per_number=settings.callback_limit_per_number,
                                                           withheld=settings.callback_limit_withheld), events)
    audit = AuditLog(client, clock)
    verifier = Verifier(codes, senders, audit, wait=settings.delivery_wait)
    agents = AgentDirectory(client)
    throttle = SignInThrottle(client, clock)
    presence = AgentPresence(client, clock, settings.wrap_up_seconds)
    rest = voice_rest(settings)
    taskrouter = taskrouter_rest(settings)
    workers = WorkerActivities(client=client, presence=presence, agents=agents, rest=taskrouter) if taskrouter else None

    def line_name(line_id: str) -> str:
        line = tables.latest_known().line(line_id)
        return line.name if line else line_id

    def line_number(line_id: str) -> str:
        """The line's own number (its first): what the router's calls to its customers show."""
        line = tables.latest_known().line(line_id)
        return line.numbers[0] if line and line.numbers else ""

    def queue_open(line_id: str, queue: QueueName, at) -> bool:
        line = tables.latest_known().line(line_id)
        return line is not None and is_open(line, queue.kind, at, queue.severity)

    dispatch = Dispatch(client=client, presence=presence, waiting=waiting, agents=agents, calls=calls, rest=rest,
                        base_url=settings.public_base_url, clock=clock, ring_seconds=settings.ring_timeout,
                        callbacks=callbacks, queue_open=queue_open, line_number=line_number,
                        tick_seconds=settings.dispatch_tick_seconds, push=not settings.twilio_workflow_sid,
                        housekeeping=workers.reconcile if workers else None, wake_on_wrap_up=clock is system_clock)
    callback_calls = CallbackCalls(client=client, book=callbacks, calls=calls, presence=presence, dispatch=dispatch,
                                   rest=rest, catalogues=catalogues, clock=clock, line_number=line_number,
                                   call_ttl=settings.call_ttl, attempts=settings.callback_attempts,
                                   retry_seconds=settings.callback_retry_minutes * 60)

    context = CallContext(tables=tables, catalogues=catalogues, calls=calls, clock=clock)
    queue_entry = QueueEntry(context=context, tables=tables, calls=calls, waiting=waiting, events=events,
                             workflow_sid=settings.twilio_workflow_sid)
    meeting = MeetingFlow(client=client, calls=calls, waiting=waiting, agents=agents, presence=presence,
                          dispatch=dispatch, rest=rest, catalogues=catalogues, clock=clock, line_name=line_name,
                          call_ttl=settings.call_ttl, queue_entry=queue_entry, hold_music_url=settings.hold_music_url,
                          events=events, callbacks=callbacks, callback_calls=callback_calls)
    verification = VerificationFlow(context=context, directory=directory, verifier=verifier, calls=calls,
                                    queue_entry=queue_entry, require_attestation=settings.require_stir_attestation)
    callback_flow = CallbackFlow(context=context, book=callbacks, calls=calls)
    queue_flow = QueueFlow(context=context, calls=calls, waiting=waiting, queue_entry=queue_entry,
                           verification=verification, callbacks=callback_flow,
                           hold_music_url=settings.hold_music_url, callback_after=settings.callback_after,
                           presence=presence, meeting=meeting, dispatch=dispatch, events=events)

    parts = Parts()
    for part in (
        settings, tables, catalogues, directory, verifier, audit, outbox, calls, waiting, callbacks, agents,
        queue_entry, verification, callback_flow, queue_flow, presence, dispatch, meeting, callback_calls, events,
        Wallboard(client=client, events=events, agents=agents, presence=presence, clock=clock,
                  target_percent=settings.service_level_target),
        CallControls(client=client, calls=calls, presence=presence, rest=rest, dispatch=dispatch, agents=agents),
        TaskRouterFlow(client=client, calls=calls, agents=agents, presence=presence, dispatch=dispatch,
                       queue_entry=queue_entry, rest=rest, workers=workers, ring_seconds=settings.ring_timeout),
        AnswerFlow(context=context, tables=tables, calls=calls, queue_flow=queue_flow),
        AgentFlow(agents=agents, throttle=throttle, waiting=waiting, calls=calls, catalogues=catalogues, clock=clock,
                  line_name=line_name, redis_client=client, presence=presence, dispatch=dispatch),
        TwilioWebhooks(validator=RequestValidator(settings.twilio_auth_token or development_token(settings.dev_token_file)),
                       public_base_url=settings.public_base_url, redis_client=client),
        AdminTokens(client, settings.admin_token or development_token(settings.dev_admin_token_file)),
        AgentSignIn(agents=agents, throttle=throttle),
        PageSessions(client, clock, secure=secure_cookies(settings)),
        ManualCheck(directory=directory, verifier=verifier, calls=calls, catalogues=catalogues),
        QueueBoard(waiting=waiting, calls=calls, callbacks=callbacks, tables=tables, clock=clock),
        AgentDesk(client=client, presence=presence, calls=calls, agents=agents, tables=tables, catalogues=catalogues, clock=clock),
        LiveStreams(limit=settings.console_streams, lifetime=settings.console_stream_seconds),
        VoiceTokens(account_sid=settings.twilio_account_sid, api_key=settings.twilio_api_key,
                    api_secret=settings.twilio_api_secret, twiml_app_sid=settings.twilio_twiml_app_sid,
                    ttl=settings.voice_token_ttl, clock=clock),
        marker,
        Running(redis_embedded="redis" not in overrides and not settings.redis_server_given,
                token_is_development=not settings.twilio_auth_token,
                unconfigured_channels=tuple(channel for channel, sender in senders.items() if sender is outbox)),
    ):
        parts.add(part)
    parts.add(clock, as_type=Clock)
    parts.add(client, as_type=redis.Redis)
    return parts


def call_events(settings: Settings, client: redis.Redis, clock: Clock) -> CallEvents:
    """The call events and the wallboard's counters, in WALLBOARD_TIMEZONE's days, SERVICE_LEVEL_SECONDS' threshold."""
    try:
        return CallEvents(client, clock, threshold_seconds=settings.service_level_seconds, zone=settings.wallboard_timezone,
                          stale_after_seconds=settings.call_ttl)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise SettingError(f"WALLBOARD_TIMEZONE {settings.wallboard_timezone!r} is not a time zone "
                           "(an IANA name such as Europe/Stockholm, or UTC)") from exc


def voice_rest(settings: Settings) -> VoiceRest | None:
    """Twilio's Voice REST API for push routing, when the account is configured."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        return None
    return VoiceRest(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_api_url,
                     timeout=settings.twilio_rest_timeout)


def taskrouter_rest(settings: Settings) -> TaskRouterRest | None:
    """TaskRouter mode (TWILIO_WORKFLOW_SID and TWILIO_WORKSPACE_SID with the account): TaskRouter picks the agent."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_workspace_sid
            and settings.twilio_workflow_sid):
        return None
    return TaskRouterRest(settings.twilio_account_sid, settings.twilio_auth_token, settings.twilio_workspace_sid,
                          settings.twilio_api_url, timeout=settings.twilio_rest_timeout)


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


def secure_cookies(settings: Settings) -> bool:
    """Cookies only over HTTPS, except for a developer on loopback."""
    return not on_loopback(settings.host, settings.public_base_url)


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
        per_org_caller=settings.code_limit_per_org_caller, per_org=settings.code_limit_per_org,
        org_window_seconds=settings.code_org_window, per_caller=settings.code_limit_per_caller,
        per_withheld=settings.code_limit_withheld, caller_window_seconds=settings.code_caller_window,
        everywhere=settings.code_limit_global, everywhere_window_seconds=settings.code_global_window,
    )


def serve(create_app: Callable[[], Flask]) -> None:
    """`python app.py`: start the router and tell the developer what it is running on."""
    try:
        settings = Settings.from_env()
        faults = start_up_faults(settings, [settings.host])
        if faults:
            raise SettingError("\n".join(faults))
        app = create_app()
    except (TableError, CatalogueError, SettingError, OSError) as exc:
        print(f"support router cannot start:\n{exc}", file=sys.stderr)
        sys.exit(2)
    parts = parts_of(app)
    settings, running = parts.get(Settings), parts.get(Running)
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    table = parts.get(TableStore).latest_known()
    print(f"support router: {len(table.lines)} lines (table seeded from {settings.countries_file}; live in Redis)")
    for line in table.lines:
        print(f"  {line.id:4} {line.name}: {', '.join(line.numbers)} ({', '.join(line.languages)})")
    if running.redis_embedded:
        print(f"redis: embedded, data in {settings.embedded_redis_file.parent} (set REDIS_URL to use a server)")
    elif settings.redis_sentinels:
        print(f"redis: the primary of {settings.redis_sentinel_master!r} as {len(settings.redis_sentinels)} Sentinel(s) name it")
    else:
        print("redis: REDIS_URL")
    lost = parts.get(DataMarker).lost
    if lost:
        print(f"DATA LOSS: {lost}", file=sys.stderr)
    if running.token_is_development:
        print(f"twilio: no TWILIO_AUTH_TOKEN; webhooks must be signed with the development token in {settings.dev_token_file}")
        print("        try a call: python -m twilio_simulator --to +46201605899 --from +46701234567")
    for channel in running.unconfigured_channels:
        print(f"codes by {channel}: not configured; they go to the development outbox: GET {base}/admin/api/outbox")
    if not settings.admin_token:
        print(f"admin API: no ADMIN_TOKEN; use the bearer token in {settings.dev_admin_token_file}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop like Ctrl-C: the embedded Redis saves and stops
    print(f"voice webhook: {base}/ivr/voice   status callback: {base}/ivr/status")
    settle()
    app.run(host=settings.host, port=settings.port, threaded=True)
