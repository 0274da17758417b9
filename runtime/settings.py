"""Configuration from environment variables, read once at start-up.

Every setting has a default that is safe on a developer's machine; README.md
lists them all.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
DEFAULT_COUNTRIES_FILE = str(PROJECT_ROOT / "config" / "countries.yaml")
DEFAULT_INSTANCE_DIR = str(PROJECT_ROOT / "instance")
DEFAULT_CALL_TTL_SECONDS = 4 * 60 * 60
DEFAULT_REDIS_TIMEOUT_SECONDS = 0.25
# Twilio's own hold music, served from its public bucket.
DEFAULT_HOLD_MUSIC_URL = "http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3"


@dataclass(frozen=True)
class Settings:
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    redis_url: str | None = None
    redis_timeout: float = DEFAULT_REDIS_TIMEOUT_SECONDS
    instance_dir: str = DEFAULT_INSTANCE_DIR
    countries_file: str = DEFAULT_COUNTRIES_FILE
    twilio_auth_token: str | None = None
    public_base_url: str | None = None
    call_ttl: int = DEFAULT_CALL_TTL_SECONDS
    hold_music_url: str = DEFAULT_HOLD_MUSIC_URL
    log_level: str = "INFO"

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> "Settings":
        env = os.environ if environ is None else environ

        def get(name: str, default):
            value = env.get(name, "")
            return value.strip() if value.strip() else default

        return cls(
            host=get("HOST", DEFAULT_HOST),
            port=int(get("PORT", DEFAULT_PORT)),
            redis_url=get("REDIS_URL", None),
            redis_timeout=float(get("REDIS_TIMEOUT", DEFAULT_REDIS_TIMEOUT_SECONDS)),
            instance_dir=get("INSTANCE_DIR", DEFAULT_INSTANCE_DIR),
            countries_file=get("COUNTRIES_FILE", DEFAULT_COUNTRIES_FILE),
            twilio_auth_token=get("TWILIO_AUTH_TOKEN", None),
            public_base_url=(get("PUBLIC_BASE_URL", "") or "").rstrip("/") or None,
            call_ttl=int(get("CALL_TTL", DEFAULT_CALL_TTL_SECONDS)),
            hold_music_url=get("HOLD_MUSIC_URL", DEFAULT_HOLD_MUSIC_URL),
            log_level=get("LOG_LEVEL", "INFO").upper(),
        )

    @property
    def dev_token_file(self) -> Path:
        return Path(self.instance_dir) / "twilio-dev-token"

    @property
    def embedded_redis_file(self) -> Path:
        return Path(self.instance_dir) / "redis" / "router.rdb"
