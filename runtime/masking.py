"""What may appear in a log about a person: masked phone numbers, never whole ones."""
from __future__ import annotations

import re

VISIBLE_HEAD = 5  # "+4670": country code and the start of the area code
VISIBLE_TAIL = 2


def mask_number(number: str | None) -> str:
    """`+46701234567` -> `+4670*****67`; anything short or odd is masked whole."""
    if not number:
        return "-"
    if len(number) <= VISIBLE_HEAD + VISIBLE_TAIL + 2:
        return "*" * len(number)
    hidden = len(number) - VISIBLE_HEAD - VISIBLE_TAIL
    return number[:VISIBLE_HEAD] + "*" * hidden + number[-VISIBLE_TAIL:]


PHONE_IN_TEXT = re.compile(r"\+[1-9][0-9 ()-]{6,20}[0-9]")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")


def mask_email(address: str) -> str:
    """`jane.doe@contoso.com` -> `j•••@contoso.com`."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}"


def mask_contacts(text: str) -> str:
    """Every phone number and e-mail address in a text masked: for messages that quote what they were handed."""
    text = EMAIL_IN_TEXT.sub(lambda found: mask_email(found.group(0)), text)
    return PHONE_IN_TEXT.sub(lambda found: mask_number(re.sub(r"[ ()-]", "", found.group(0))), text)


def one_line(text: str) -> str:
    """Control characters (newlines above all) escaped, so a value cannot start a forged log line."""
    return CONTROL.sub(lambda found: found.group(0).encode("unicode_escape").decode("ascii"), text)
