"""Everything a request handler may need, built once per process in `create_app`.

Tests swap any part (the clock, the Redis client) through `create_app(config)`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import redis
from flask import current_app

from ivr.call_state import CallStore
from ivr.catalogue import Catalogues, load_catalogues
from ivr.flow import CallFlow
from routing.model import Table
from routing.table import TableError, load_table
from runtime.redis_connection import open_redis
from runtime.settings import Settings
from runtime.twilio_token import development_token

EXTENSION = "support_router"


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


@dataclass
class Services:
    settings: Settings
    redis: redis.Redis
    table: Table
    catalogues: Catalogues
    flow: CallFlow
    clock: Callable[[], datetime]
    auth_token: str
    token_is_development: bool
    redis_embedded: bool = False


def build_services(settings: Settings, overrides: dict) -> Services:
    """Wire the parts; a bad table or catalogue stops start-up here, naming the fault."""
    table = overrides.get("table") or load_table(settings.countries_file)
    catalogues = load_catalogues()
    missing = [
        (line.id, "languages", f"no prompt catalogue for {locale}")
        for line in table.lines for locale in line.languages if not catalogues.has(locale)
    ]
    if missing:
        raise TableError(missing)
    clock = overrides.get("clock") or system_clock
    client = overrides.get("redis") or open_redis(settings)
    calls = CallStore(client, settings.call_ttl)
    token = settings.twilio_auth_token or development_token(settings.dev_token_file)
    return Services(
        settings=settings,
        redis=client,
        table=table,
        catalogues=catalogues,
        flow=CallFlow(
            table=lambda: table, catalogues=catalogues, calls=calls, clock=clock,
            hold_music_url=settings.hold_music_url,
        ),
        clock=clock,
        auth_token=token,
        token_is_development=not settings.twilio_auth_token,
        redis_embedded="redis" not in overrides and not settings.redis_url,
    )


def services() -> Services:
    return current_app.extensions[EXTENSION]
