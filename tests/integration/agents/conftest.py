"""Agents' tests reuse the verification set-up: real SMTP and the Twilio stand-in."""
from tests.integration.verification.conftest import app, settings, twilio_api  # noqa: F401
