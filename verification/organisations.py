"""An organisation on the directory, and the rules a record must meet.

Validation collects every field's problem at once so an admin fixes a record in
one go; it is pure (no Redis) so the API, the importer and the tests share it.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from email_validator import EmailNotValidError, validate_email

from routing.numbers import valid_e164
from runtime.validation import FieldErrors

PURCHASE_CHANNELS = ("direct", "partner")
PLANS = ("standard", "elevated")
ACCOUNT_NUMBER = re.compile(r"[0-9]{4,20}")
FIELDS = ("account_number", "name", "registered_phones", "registered_emails", "purchased_via", "plan")
MAX_CONTACTS = 20
MAX_NAME = 200


class OrganisationError(FieldErrors):
    """An organisation record that breaks the rules."""


@dataclass(frozen=True)
class Organisation:
    account_number: str
    name: str
    registered_phones: tuple[str, ...]
    registered_emails: tuple[str, ...]
    purchased_via: str
    plan: str

    def to_dict(self) -> dict:
        data = asdict(self)
        data["registered_phones"] = list(self.registered_phones)
        data["registered_emails"] = list(self.registered_emails)
        return data


def parse_organisation(account_number: str, data: object) -> Organisation:
    """A validated record from untrusted input: numbers in E.164, e-mails normalised."""
    errors: dict[str, str] = {}
    if not isinstance(data, dict):
        raise OrganisationError({"body": "must be an object"})
    for key in sorted(set(data) - set(FIELDS)):
        errors[str(key)[:64]] = "unknown field"
    if not ACCOUNT_NUMBER.fullmatch(str(account_number)):
        errors["account_number"] = "must be 4 to 20 digits"
    elif "account_number" in data and str(data["account_number"]) != account_number:
        errors["account_number"] = "differs from the account number in the address"
    name = data.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        errors["name"] = f"must be a non-empty text of at most {MAX_NAME} characters"
    phones = _contacts(data, "registered_phones", valid_e164, errors)
    emails = _contacts(data, "registered_emails", _email, errors)
    if not errors.get("registered_phones") and not errors.get("registered_emails") and not phones and not emails:
        errors["registered_phones"] = "an organisation needs at least one registered phone or e-mail address"
    if data.get("purchased_via") not in PURCHASE_CHANNELS:
        errors["purchased_via"] = f"must be one of {', '.join(PURCHASE_CHANNELS)}"
    if data.get("plan", "standard") not in PLANS:
        errors["plan"] = f"must be one of {', '.join(PLANS)}"
    if errors:
        raise OrganisationError(errors)
    return Organisation(
        account_number=account_number, name=name.strip(), registered_phones=phones, registered_emails=emails,
        purchased_via=data["purchased_via"], plan=data.get("plan", "standard"),
    )


def _contacts(data: dict, field: str, normalise, errors: dict[str, str]) -> tuple[str, ...]:
    values = data.get(field, [])
    if not isinstance(values, list) or len(values) > MAX_CONTACTS:
        errors[field] = f"must be a list of at most {MAX_CONTACTS} entries"
        return ()
    normalised = []
    for index, value in enumerate(values):
        result = normalise(value) if isinstance(value, str) else None
        if result is None:
            errors[field] = f"entry {index} ({str(value)[:64]!r}) is not valid"
            return ()
        if result not in normalised:
            normalised.append(result)
    return tuple(normalised)


def _email(text: str) -> str | None:
    try:
        return validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError:
        return None
