"""Configuration from environment variables, read once at start-up.

Every setting has a default that is safe on a developer's machine; README.md
lists them all.
"""
from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, fields
from ipaddress import ip_address
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_COUNTRIES_FILE = str(PROJECT_ROOT / "config" / "countries.yaml")
DEFAULT_INSTANCE_DIR = str(PROJECT_ROOT / "instance")
DEFAULT_CALL_TTL_SECONDS = 4 * 60 * 60
DEFAULT_REDIS_TIMEOUT_SECONDS = 0.25
DEFAULT_REDIS_BREAKER_SECONDS = 1.0  # how long webhooks stop waiting on Redis after it failed
DEFAULT_REDIS_REPLICA_WAIT_SECONDS = 0.5  # how long a durable write waits for its replicas
DEFAULT_SENTINEL_MASTER = "mymaster"
DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024  # Twilio's webhooks are a few kilobytes; the admin API's entries a few more
DEFAULT_SMTP_PORT = 25
DEFAULT_SMTP_FROM = "support@localhost"
DEFAULT_TWILIO_API_URL = "https://api.twilio.com"
DEFAULT_DELIVERY_TIMEOUT_SECONDS = 5.0
DEFAULT_DELIVERY_WAIT_SECONDS = 0.8  # a webhook waits no longer on a send
DEFAULT_CALLBACK_AFTER_SECONDS = 5 * 60
DEFAULT_CALLBACK_LIMIT_PER_NUMBER = 2  # open callbacks to one number, and booked from one caller ID
DEFAULT_CALLBACK_LIMIT_WITHHELD = 20  # open callbacks booked by all withheld callers together
DEFAULT_CALLBACK_ATTEMPTS = 3  # the router's tries at reaching a customer who asked for a callback
DEFAULT_CALLBACK_RETRY_MINUTES = 10
DEFAULT_RING_TIMEOUT_SECONDS = 20  # how long an offered agent's phone rings
DEFAULT_DISPATCH_TICK_SECONDS = 5.0  # the dispatcher looks again by itself this often (0: only when kicked)
DEFAULT_WRAP_UP_SECONDS = 30  # after each call, before the agent is offered the next
DEFAULT_TWILIO_REST_TIMEOUT_SECONDS = 5.0
DEFAULT_CONSOLE_STREAMS = 2  # live consoles one process serves at once (each holds a thread)
DEFAULT_VOICE_TOKEN_TTL_SECONDS = 10 * 60  # a browser phone's token; the page renews it a minute before
DEFAULT_CONSOLE_STREAM_SECONDS = 60  # a console's stream lasts this long; the browser then reconnects
DEFAULT_SERVICE_LEVEL_SECONDS = 60  # the wallboard's service level: answered within this many seconds
DEFAULT_SERVICE_LEVEL_TARGET = 80  # per cent: the wallboard shows a service level below it in amber, below 2/3 of it in red
DEFAULT_WALLBOARD_TIMEZONE = "UTC"  # whose "today" and hours the wallboard counts in
# Where the public numbers page sends callers to check for known incidents first (the policy's
# "service health dashboard": Microsoft 365's, in the admin center).
DEFAULT_SERVICE_HEALTH_URL = "https://admin.microsoft.com/Adminportal/Home#/servicehealth"
# Twilio's own hold music, served from its public bucket.
DEFAULT_HOLD_MUSIC_URL = "http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3"


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    redis_url: str | None = None
    redis_timeout: float = DEFAULT_REDIS_TIMEOUT_SECONDS
    redis_sentinels: tuple[tuple[str, int], ...] = ()
    redis_sentinel_master: str = DEFAULT_SENTINEL_MASTER
    redis_sentinel_password: str | None = None
    redis_password: str | None = None
    redis_min_replicas: int = 0
    redis_replica_wait: float = DEFAULT_REDIS_REPLICA_WAIT_SECONDS
    redis_breaker_seconds: float = DEFAULT_REDIS_BREAKER_SECONDS
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    instance_dir: str = DEFAULT_INSTANCE_DIR
    countries_file: str = DEFAULT_COUNTRIES_FILE
    twilio_auth_token: str | None = None
    public_base_url: str | None = None
    call_ttl: int = DEFAULT_CALL_TTL_SECONDS
    hold_music_url: str = DEFAULT_HOLD_MUSIC_URL
    log_level: str = "INFO"
    log_format: str = "text"
    admin_token: str | None = None
    secret_key: str | None = None
    smtp_host: str | None = None
    smtp_port: int = DEFAULT_SMTP_PORT
    smtp_from: str = DEFAULT_SMTP_FROM
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    twilio_account_sid: str | None = None
    twilio_sms_from: str | None = None
    twilio_api_url: str = DEFAULT_TWILIO_API_URL
    twilio_workflow_sid: str | None = None
    twilio_workspace_sid: str | None = None
    callback_after: int = DEFAULT_CALLBACK_AFTER_SECONDS
    callback_limit_per_number: int = DEFAULT_CALLBACK_LIMIT_PER_NUMBER
    callback_limit_withheld: int = DEFAULT_CALLBACK_LIMIT_WITHHELD
    callback_attempts: int = DEFAULT_CALLBACK_ATTEMPTS
    callback_retry_minutes: int = DEFAULT_CALLBACK_RETRY_MINUTES
    ring_timeout: int = DEFAULT_RING_TIMEOUT_SECONDS
    dispatch_tick_seconds: float = DEFAULT_DISPATCH_TICK_SECONDS
    wrap_up_seconds: int = DEFAULT_WRAP_UP_SECONDS
    twilio_rest_timeout: float = DEFAULT_TWILIO_REST_TIMEOUT_SECONDS
    delivery_timeout: float = DEFAULT_DELIVERY_TIMEOUT_SECONDS
    delivery_wait: float = DEFAULT_DELIVERY_WAIT_SECONDS
    code_secret: str | None = None
    code_lifetime: int = 600
    code_max_attempts: int = 3
    code_limit_per_org_caller: int = 3
    code_limit_per_org: int = 10
    code_org_window: int = 15 * 60
    code_limit_per_caller: int = 3
    code_limit_withheld: int = 10
    code_caller_window: int = 60 * 60
    code_limit_global: int = 1000
    code_global_window: int = 60 * 60
    trusted_proxy_hops: int = 0
    metrics_token: str | None = None
    allow_embedded_redis: bool = False
    require_stir_attestation: bool = False
    console_streams: int = DEFAULT_CONSOLE_STREAMS
    console_stream_seconds: int = DEFAULT_CONSOLE_STREAM_SECONDS
    twilio_api_key: str | None = None
    twilio_api_secret: str | None = None
    twilio_twiml_app_sid: str | None = None
    voice_token_ttl: int = DEFAULT_VOICE_TOKEN_TTL_SECONDS
    service_level_seconds: int = DEFAULT_SERVICE_LEVEL_SECONDS
    service_level_target: int = DEFAULT_SERVICE_LEVEL_TARGET
    wallboard_timezone: str = DEFAULT_WALLBOARD_TIMEZONE
    service_health_url: str = DEFAULT_SERVICE_HEALTH_URL

    @classmethod
    def variables(cls) -> tuple[str, ...]:
        """Every environment variable a setting is read from: its field's name in capitals."""
        return tuple(field.name.upper() for field in fields(cls))

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name: str, default):
            value = env.get(name, "")
            return value.strip() if value.strip() else default

        sentinels = parse_sentinels(get("REDIS_SENTINELS", ""))
        return cls(
            host=get("HOST", DEFAULT_HOST),
            port=int(get("PORT", DEFAULT_PORT)),
            redis_url=get("REDIS_URL", None),
            redis_timeout=float(get("REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT_SECONDS)),
            redis_sentinels=sentinels,
            redis_sentinel_master=get("REDIS_SENTINEL_MASTER", DEFAULT_SENTINEL_MASTER),
            redis_sentinel_password=get("REDIS_SENTINEL_PASSWORD", None),
            redis_password=get("REDIS_PASSWORD", None),
            redis_min_replicas=int(get("REDIS_MIN_REPLICAS", 1 if sentinels else 0)),
            redis_replica_wait=float(get("REDIS_REPLICA_WAIT", DEFAULT_REDIS_REPLICA_WAIT_SECONDS)),
            redis_breaker_seconds=float(get("REDIS_BREAKER_SECONDS", DEFAULT_REDIS_BREAKER_SECONDS)),
            max_request_bytes=int(get("MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES)),
            instance_dir=get("INSTANCE_DIR", DEFAULT_INSTANCE_DIR),
            countries_file=get("COUNTRIES_FILE", DEFAULT_COUNTRIES_FILE),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN", None),
            public_base_url=(get("PUBLIC_BASE_URL", "") or "").rstrip("/") or None,
            call_ttl=int(get("CALL_TTL", DEFAULT_CALL_TTL_SECONDS)),
            hold_music_url=get("HOLD_MUSIC_URL", DEFAULT_HOLD_MUSIC_URL),
            log_level=get("LOG_LEVEL", "INFO").upper(),
            log_format=get("LOG_FORMAT", "text").lower(),
            admin_token=get("ADMIN_TOKEN", None),
            secret_key=get("SECRET_KEY", None),
            smtp_host=get("SMTP_HOST", None),
            smtp_port=int(get("SMTP_PORT", DEFAULT_SMTP_PORT)),
            smtp_from=get("SMTP_FROM", DEFAULT_SMTP_FROM),
            smtp_user=get("SMTP_USER", None),
            smtp_password=get("SMTP_PASSWORD", None),
            smtp_starttls=get("SMTP_STARTTLS", "false").lower() in ("1", "true", "yes"),
            twilio_account_sid=get("TWILIO_ACCOUNT_SID", None),
            twilio_sms_from=get("TWILIO_SMS_FROM", None),
            twilio_api_url=get("TWILIO_API_URL", DEFAULT_TWILIO_API_URL),
            twilio_workflow_sid=get("TWILIO_WORKFLOW_SID", None),
            twilio_workspace_sid=get("TWILIO_WORKSPACE_SID", None),
            callback_after=int(get("CALLBACK_AFTER", DEFAULT_CALLBACK_AFTER_SECONDS)),
            callback_limit_per_number=int(get("CALLBACK_LIMIT_PER_NUMBER", DEFAULT_CALLBACK_LIMIT_PER_NUMBER)),
            callback_limit_withheld=int(get("CALLBACK_LIMIT_WITHHELD", DEFAULT_CALLBACK_LIMIT_WITHHELD)),
            callback_attempts=int(get("CALLBACK_ATTEMPTS", DEFAULT_CALLBACK_ATTEMPTS)),
            callback_retry_minutes=int(get("CALLBACK_RETRY_MINUTES", DEFAULT_CALLBACK_RETRY_MINUTES)),
            ring_timeout=int(get("RING_TIMEOUT", DEFAULT_RING_TIMEOUT_SECONDS)),
            dispatch_tick_seconds=float(get("DISPATCH_TICK_SECONDS", DEFAULT_DISPATCH_TICK_SECONDS)),
            wrap_up_seconds=int(get("WRAP_UP_SECONDS", DEFAULT_WRAP_UP_SECONDS)),
            twilio_rest_timeout=float(get("TWILIO_REST_TIMEOUT", DEFAULT_TWILIO_REST_TIMEOUT_SECONDS)),
            delivery_timeout=float(get("DELIVERY_TIMEOUT", DEFAULT_DELIVERY_TIMEOUT_SECONDS)),
            delivery_wait=float(get("DELIVERY_WAIT", DEFAULT_DELIVERY_WAIT_SECONDS)),
            code_secret=get("CODE_SECRET", None),
            code_lifetime=int(get("CODE_LIFETIME", 600)),
            code_max_attempts=int(get("CODE_MAX_ATTEMPTS", 3)),
            code_limit_per_org_caller=int(get("CODE_LIMIT_PER_ORG_CALLER", 3)),
            code_limit_per_org=int(get("CODE_LIMIT_PER_ORG", 10)),
            code_org_window=int(get("CODE_ORG_WINDOW", 15 * 60)),
            code_limit_per_caller=int(get("CODE_LIMIT_PER_CALLER", 3)),
            code_limit_withheld=int(get("CODE_LIMIT_WITHHELD", 10)),
            code_caller_window=int(get("CODE_CALLER_WINDOW", 60 * 60)),
            code_limit_global=int(get("CODE_LIMIT_GLOBAL", 1000)),
            code_global_window=int(get("CODE_GLOBAL_WINDOW", 60 * 60)),
            trusted_proxy_hops=int(get("TRUSTED_PROXY_HOPS", 0)),
            metrics_token=get("METRICS_TOKEN", None),
            allow_embedded_redis=get("ALLOW_EMBEDDED_REDIS", "").lower() in ("1", "true", "yes"),
            require_stir_attestation=get("REQUIRE_STIR_ATTESTATION", "").lower() in ("1", "true", "yes"),
            console_streams=int(get("CONSOLE_STREAMS", DEFAULT_CONSOLE_STREAMS)),
            console_stream_seconds=int(get("CONSOLE_STREAM_SECONDS", DEFAULT_CONSOLE_STREAM_SECONDS)),
            twilio_api_key=get("TWILIO_API_KEY", None),
            twilio_api_secret=get("TWILIO_API_SECRET", None),
            twilio_twiml_app_sid=get("TWILIO_TWIML_APP_SID", None),
            voice_token_ttl=int(get("VOICE_TOKEN_TTL", DEFAULT_VOICE_TOKEN_TTL_SECONDS)),
            service_level_seconds=int(get("SERVICE_LEVEL_SECONDS", DEFAULT_SERVICE_LEVEL_SECONDS)),
            service_level_target=int(get("SERVICE_LEVEL_TARGET", DEFAULT_SERVICE_LEVEL_TARGET)),
            wallboard_timezone=get("WALLBOARD_TIMEZONE", DEFAULT_WALLBOARD_TIMEZONE),
            service_health_url=get("SERVICE_HEALTH_URL", DEFAULT_SERVICE_HEALTH_URL),
        )

    @property
    def production(self) -> bool:
        """A real Twilio account signs the webhooks: real callers, so no development fallbacks."""
        return bool(self.twilio_auth_token)

    @property
    def redis_server_given(self) -> bool:
        return bool(self.redis_sentinels or self.redis_url)

    @property
    def dev_token_file(self) -> Path:
        return Path(self.instance_dir) / "twilio-dev-token"

    @property
    def dev_secret_key_file(self) -> Path:
        return Path(self.instance_dir) / "secret-key"

    @property
    def dev_admin_token_file(self) -> Path:
        return Path(self.instance_dir) / "admin-dev-token"

    @property
    def dev_code_secret_file(self) -> Path:
        return Path(self.instance_dir) / "code-secret"

    @property
    def data_marker_file(self) -> Path:
        """Where this machine remembers that its Redis once held the router's data."""
        return Path(self.instance_dir) / "redis-data-marker"

    @property
    def embedded_redis_file(self) -> Path:
        return Path(self.instance_dir) / "redis" / "router.rdb"


class SettingError(ValueError):
    """A setting that cannot be used, named with what is wrong."""


def parse_sentinels(text: str) -> tuple[tuple[str, int], ...]:
    """`host:port,host:port` (IPv6 as `[::1]:26379`) into pairs; an empty text is no Sentinel."""
    sentinels = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, _, port = item.rpartition(":")
        host = host.strip("[]")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise SettingError(f"REDIS_SENTINELS: {item!r} is not host:port")
        sentinels.append((host, int(port)))
    return tuple(sentinels)


def is_loopback(host: str | None) -> bool:
    """127.0.0.0/8, ::1 or localhost: an address only this machine reaches."""
    if host == "localhost":
        return True
    try:
        return ip_address((host or "").strip("[]")).is_loopback
    except ValueError:
        return False


def on_loopback(host: str, public_base_url: str | None) -> bool:
    """A developer's machine: listening on a loopback address, and no public address (or a loopback one) in front."""
    return is_loopback(urlsplit(public_base_url).hostname if public_base_url else host)


def start_up_faults(settings: Settings, listening_on: Iterable[str]) -> list[str]:
    """Why the router must not start on these addresses (hosts, or unix sockets), or nothing.

    Off loopback, Twilio's signature must be checked against the address Twilio calls, never one
    the Host header names, and one Redis must hold every machine's state: an embedded Redis per
    machine would split calls, limits and sessions between them."""
    public = [address for address in listening_on if not is_loopback(address)]
    if not public:
        return []
    faults = []
    if not settings.public_base_url:
        faults.append(f"listening on {', '.join(public)} without PUBLIC_BASE_URL: set it to the address Twilio calls "
                      "(e.g. https://support.example.com), so signatures are never checked against a Host header")
    if not settings.redis_server_given and not settings.allow_embedded_redis:
        faults.append(f"listening on {', '.join(public)} without REDIS_URL: set it (or REDIS_SENTINELS) to the Redis every machine shares "
                      "(or ALLOW_EMBEDDED_REDIS=1 to run this machine on an embedded one)")
    return faults
