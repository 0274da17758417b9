"""`python app.py`: start the router and tell the developer what it is running on."""
from __future__ import annotations

import signal
import sys
from collections.abc import Callable

from flask import Flask

from prompts.catalogue import CatalogueError
from routing.table import TableError
from bootstrap import EXTENSION
from runtime.settings import SettingError
from runtime.settle import settle


def main(create_app: Callable[[], Flask]) -> None:
    try:
        app = create_app()
    except (TableError, CatalogueError, SettingError, OSError) as exc:
        print(f"support router cannot start:\n{exc}", file=sys.stderr)
        sys.exit(2)
    services = app.extensions[EXTENSION]
    settings = services.settings
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    table = services.tables.latest_known()
    print(f"support router: {len(table.lines)} lines (table seeded from {settings.countries_file}; live in Redis)")
    for line in table.lines:
        print(f"  {line.id:4} {line.name}: {', '.join(line.numbers)} ({', '.join(line.languages)})")
    if services.redis_embedded:
        print(f"redis: embedded, data in {settings.embedded_redis_file.parent} (set REDIS_URL to use a server)")
    elif settings.redis_sentinels:
        print(f"redis: the primary of {settings.redis_sentinel_master!r} as {len(settings.redis_sentinels)} Sentinel(s) name it")
    else:
        print("redis: REDIS_URL")
    if services.marker and services.marker.lost:
        print(f"DATA LOSS: {services.marker.lost}", file=sys.stderr)
    if services.token_is_development:
        print(f"twilio: no TWILIO_AUTH_TOKEN; webhooks must be signed with the development token in {settings.dev_token_file}")
        print("        try a call: python -m twilio_simulator --to +46201605899 --from +46701234567")
    for channel, sender in services.senders.items():
        if sender is services.outbox:
            print(f"codes by {channel}: not configured; they go to the development outbox: GET {base}/admin/api/outbox")
    if not settings.admin_token:
        print(f"admin API: no ADMIN_TOKEN; use the bearer token in {settings.dev_admin_token_file}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop like Ctrl-C: the embedded Redis saves and stops
    print(f"voice webhook: {base}/ivr/voice   status callback: {base}/ivr/status")
    settle()
    app.run(host=settings.host, port=settings.port, threaded=True)
