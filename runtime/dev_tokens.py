"""Tokens for a developer's machine, where TWILIO_AUTH_TOKEN or ADMIN_TOKEN is unset.

Signature checks and admin authentication are never switched off. Instead the
router keeps a random token in the instance folder: it checks against it, and
`python -m twilio_simulator` (or the developer's curl) uses it, so nothing
unauthenticated is ever accepted, and the token is useless to anyone who
cannot read that file.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def development_token(path: Path) -> str:
    """Read the development token, creating it (owner-only) on first use.

    The file appears whole or not at all (written aside, then linked), so
    several worker processes starting together agree on one token.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(16) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()
