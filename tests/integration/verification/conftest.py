"""An app whose codes go out for real: over SMTP to a local server, and by SMS
to a local stand-in for Twilio's Messages API."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app import create_app
from tests.conftest import TWILIO_TOKEN
from tests.stand_ins import TwilioMessagesApi

ACCOUNT_SID = "AC" + "a" * 32
SMS_FROM = "+15005550006"


@pytest.fixture
def twilio_api():
    api = TwilioMessagesApi(ACCOUNT_SID, TWILIO_TOKEN).start()
    yield api
    api.stop()


@pytest.fixture
def settings(settings, smtp_inbox, twilio_api):
    return replace(
        settings, smtp_host="127.0.0.1", smtp_port=smtp_inbox.port, smtp_from="support@router.test",
        twilio_account_sid=ACCOUNT_SID, twilio_sms_from=SMS_FROM, twilio_api_url=twilio_api.url,
        admin_token="test-admin-token", delivery_timeout=2.0,
    )


@pytest.fixture
def app(settings, redis_client, clock):
    return create_app({"settings": settings, "redis": redis_client, "clock": clock})
