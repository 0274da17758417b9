"""Bearer-token authentication for the admin API.

Without ADMIN_TOKEN the router makes a random development token in the
instance folder (like the Twilio development token), so the API is never open.
"""
from __future__ import annotations

import hmac

from flask import request

BEARER = "Bearer "


def bearer_token_matches(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    if not header.startswith(BEARER):
        return False
    return hmac.compare_digest(header[len(BEARER):].strip().encode(), expected.encode())
