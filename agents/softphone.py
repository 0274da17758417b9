"""Access tokens for the console's browser phone (Twilio's Voice JavaScript SDK `Device`).

A token lets the browser register as `client:<agent id>` and receive the calls
the router offers there; it is signed with an API key (never the auth token),
lives a short while, and the page fetches a fresh one before it expires (the
SDK's `tokenWillExpire`). Without an API key, secret and TwiML app the router
offers no browser phone and says why.
See https://www.twilio.com/docs/iam/access-tokens and
https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

MISSING = "set TWILIO_ACCOUNT_SID, TWILIO_API_KEY, TWILIO_API_SECRET and TWILIO_TWIML_APP_SID to take calls in the browser"


@dataclass(frozen=True)
class VoiceToken:
    jwt: str
    identity: str
    expires_at: float  # epoch seconds


class VoiceTokens:
    def __init__(self, *, account_sid: str | None, api_key: str | None, api_secret: str | None,
                 twiml_app_sid: str | None, ttl: int, clock: Callable[[], datetime]):
        self._account_sid, self._api_key, self._api_secret = account_sid, api_key, api_secret
        self._app_sid = twiml_app_sid
        self._ttl = ttl
        self._clock = clock

    @property
    def configured(self) -> bool:
        return bool(self._account_sid and self._api_key and self._api_secret and self._app_sid)

    def issue(self, agent_id: str) -> VoiceToken | None:
        """A token for `agent_id`'s browser phone: incoming calls to client:<agent id>, outgoing through the app."""
        if not self.configured:
            return None
        now = int(self._clock().timestamp())
        token = AccessToken(self._account_sid, self._api_key, self._api_secret, identity=agent_id, nbf=now,
                            valid_until=now + self._ttl)  # both by the router's clock, not the library's
        token.add_grant(VoiceGrant(incoming_allow=True, outgoing_application_sid=self._app_sid))
        return VoiceToken(token.to_jwt(), agent_id, now + self._ttl)
