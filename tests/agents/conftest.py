"""Agents' tests reuse the verification set-up: real SMTP and the Twilio stand-in."""
from tests.verification.conftest import app, settings, smtp_inbox, twilio_api  # noqa: F401
