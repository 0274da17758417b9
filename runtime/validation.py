"""The error a rejected record raises: every field's problem at once, so an
admin fixes a record in one go, and APIs answer them as JSON by field name."""
from __future__ import annotations


class FieldErrors(ValueError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
