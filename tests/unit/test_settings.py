"""Every setting comes from one environment variable named after it, so tests (and the
routers they start) can clear them all, and nothing from a developer's shell leaks in."""
from __future__ import annotations

import os
import typing
from dataclasses import fields

import pytest

from runtime.settings import Settings
from tests.processes import clean_environment

SAMPLES = {int: "7777", float: "7.5", bool: "true", str: "http://sample.example"}


def _sample(field) -> str:
    hints = typing.get_type_hints(Settings)
    kind = hints[field.name]
    base = next((arg for arg in typing.get_args(kind) if arg is not type(None)), kind)
    if typing.get_origin(kind) is tuple:  # a list of host:port pairs (REDIS_SENTINELS)
        return "127.0.0.1:26379"
    return SAMPLES[base]


@pytest.mark.parametrize("field", fields(Settings), ids=lambda field: field.name)
def test_each_setting_is_read_from_the_variable_named_after_it(field):
    """`Settings.variables()` names exactly what `from_env` reads: setting one changes its setting."""
    assert field.name.upper() in Settings.variables()
    read = Settings.from_env({field.name.upper(): _sample(field)})
    assert getattr(read, field.name) != getattr(Settings(), field.name)


def test_a_setting_in_the_developers_shell_reaches_no_test_router(monkeypatch):
    """TaskRouter configured in the shell (the repro): the routers the tests start never see it."""
    monkeypatch.setenv("TWILIO_WORKFLOW_SID", "WW" + "0" * 32)
    monkeypatch.setenv("REDIS_URL", "redis://elsewhere:6379/0")
    environment = clean_environment()
    assert "TWILIO_WORKFLOW_SID" not in environment and "REDIS_URL" not in environment
    assert environment.get("PATH") == os.environ.get("PATH")


def test_no_setting_is_set_inside_a_test():
    """The autouse fixture cleared every variable a setting reads, whatever the shell had."""
    assert [name for name in Settings.variables() if name in os.environ] == []
