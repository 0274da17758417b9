"""A code's message (SMS or e-mail) in the language of whoever it is for."""
from __future__ import annotations

from prompts.catalogue import Prompts
from verification.delivery import Message
from verification.service import Destination


def compose_message(prompts: Prompts, destination: Destination, code: str, minutes: int) -> Message:
    body_key = "messages.sms" if destination.channel == "sms" else "messages.email_body"
    return Message(
        channel=destination.channel, to=destination.address,
        subject=prompts.text("messages.email_subject"),
        body=prompts.text(body_key, code=code, minutes=minutes),
    )
