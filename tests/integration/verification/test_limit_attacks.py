"""Code-sending limits as an attacker meets them on real calls (issue 16): withheld numbers have a
limit too, strangers cannot use up an organisation's codes, and one cap holds across organisations,
with a metric to alert on."""
from __future__ import annotations

import re
from dataclasses import replace

from app import create_app
from tests.conftest import CONTOSO
from tests.integration.verification.test_verification_calls import STRANGER, call, code_in
from tests.twiml import script
from verification.directory import Directory
from verification.organisations import parse_organisation
from web.registry import parts_of

LIMITED = "Too many codes have been requested recently, so we cannot send another one now."
WITHHELD = "anonymous"  # Twilio's From for a withheld caller ID


def ask_for_a_code(client, caller, account="100200", key="3"):
    """Billing, the account number, a code by e-mail (`key`); then the caller hangs up without keying it."""
    return call(client, caller, script("2", f"{account}#", key))


def test_a_withheld_number_has_a_code_limit_too(client, register, smtp_inbox):
    """Eleven codes for eleven organisations from withheld numbers in an hour: the eleventh is refused."""
    for n in range(11):
        register(f"1002{n:02d}", **{**CONTOSO, "registered_phones": [], "registered_emails": [f"it{n}@contoso.com"]})
    results = [LIMITED in ask_for_a_code(client, WITHHELD, f"1002{n:02d}", key="1").said() for n in range(11)]
    assert results == [False] * 10 + [True]
    assert len(smtp_inbox.messages) == 10


def test_a_stranger_cannot_use_up_an_organisations_codes(client, register, smtp_inbox):
    """A stranger asks Contoso's codes again and again: the stranger is refused, Contoso's own caller still gets one."""
    register("100200", **CONTOSO)
    refused = [LIMITED in ask_for_a_code(client, STRANGER).said() for _ in range(4)]
    assert refused == [False, False, False, True]
    colleague = call(client, "+447700900123", script("2", "100200#", "3", lambda: code_in(smtp_inbox.messages[-1].get_content())))
    assert "Thank you, you are verified." in colleague.said()


def register_in(app, account_number, **fields):
    parts_of(app).get(Directory).put(parse_organisation(account_number, fields))


def test_one_cap_holds_across_all_organisations_and_is_counted_for_an_alert(settings, redis_client, clock, smtp_inbox):
    """CODE_LIMIT_GLOBAL=5: the sixth code anywhere in the window is refused, and the refusal shows in /metrics."""
    app = create_app({"settings": replace(settings, code_limit_global=5), "redis": redis_client, "clock": clock})
    client = app.test_client()
    for n in range(6):
        register_in(app, f"3004{n:02d}", **{**CONTOSO, "registered_phones": [], "registered_emails": [f"it{n}@x.example"]})
    before = _refused_everywhere(client)
    results = [LIMITED in ask_for_a_code(client, f"+4477009001{n:02d}", f"3004{n:02d}", key="1").said() for n in range(6)]
    assert results == [False] * 5 + [True]
    assert _refused_everywhere(client) == before + 1


def _refused_everywhere(client) -> float:
    text = client.get("/metrics").get_data(as_text=True)
    found = re.search(r'router_codes_refused_total\{scope="all organisations"\} ([0-9.e+]+)', text)
    return float(found.group(1)) if found else 0.0
