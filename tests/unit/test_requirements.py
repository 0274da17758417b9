"""The locks hold what README promises (issue 16): the runtime's packages pinned and hashed in
requirements.txt, made by pip-compile from the ranges in requirements.in; the test tools apart, in
requirements-test.txt, at the runtime lock's versions; every package the code imports in its lock;
and CI running README's own commands."""
from __future__ import annotations

import ast
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
TEST_TOOLS = {"pytest", "hypothesis", "aiosmtpd", "playwright"}
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)\s*(?:;[^\\]*)?\\?$")
HASH = re.compile(r"^--hash=sha256:[0-9a-f]{64}\s*\\?$")


def lock(name: str) -> dict[str, tuple[str, frozenset[str]]]:
    """A pip-compile lock: each package's pinned version and hashes. Anything else on a line (a range,
    an option, a requirement without hashes) fails here."""
    pins: dict[str, tuple[str, frozenset[str]]] = {}
    current = None
    for number, raw in enumerate((ROOT / name).read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash="):
            assert current and HASH.match(line), f"{name}:{number}: {line}"
            pins[current] = (pins[current][0], pins[current][1] | {line.split(":", 1)[1].rstrip(" \\")})
            continue
        match = PIN.match(line)
        assert match, f"{name}:{number}: not a pinned requirement: {line}"
        current = canonicalize_name(match.group(1))
        assert current not in pins, f"{name}:{number}: {current} twice"
        pins[current] = (match.group(2), frozenset())
    for package, (_, hashes) in pins.items():
        assert hashes, f"{name}: {package} has no hash"
    return pins


def ranges(name: str) -> tuple[list[Requirement], list[str]]:
    """A pip-compile input: its requirements, and its option lines (-r, -c)."""
    requirements, options = [], []
    for raw in (ROOT / name).read_text().splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        (options if line.startswith("-") else requirements).append(line if line.startswith("-") else Requirement(line))
    return requirements, options


RUNTIME, TESTS = lock("requirements.txt"), lock("requirements-test.txt")


@pytest.mark.parametrize(("source", "pins"), [("requirements.in", RUNTIME), ("requirements-test.in", TESTS)])
def test_each_lock_meets_its_ranges(source, pins):
    requirements, _ = ranges(source)
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock made from {source}: run pip-compile (README)"
        assert requirement.specifier.contains(pins[name][0], prereleases=True), \
            f"{name}=={pins[name][0]} does not meet {requirement} in {source}: run pip-compile (README)"


def test_the_runtime_lock_holds_no_test_tool_and_babel():
    assert TEST_TOOLS.isdisjoint(RUNTIME)
    assert "babel" in RUNTIME
    assert TEST_TOOLS <= set(TESTS)


def test_the_test_lock_installs_the_runtime_lock_as_it_is():
    """Compiled from -r requirements.in with -c requirements.txt: every runtime pin, same version, same hashes."""
    _, options = ranges("requirements-test.in")
    assert "-r requirements.in" in options and "-c requirements.txt" in options
    for package, pinned in RUNTIME.items():
        assert TESTS.get(package) == pinned, f"{package}: {TESTS.get(package)} in the test lock, {pinned} at run time"


def third_party_imports(folders: list[Path]) -> set[str]:
    local = {path.stem if path.suffix == ".py" else path.name for path in ROOT.iterdir()}
    found = set()
    for folder in folders:
        for path in [folder] if folder.suffix == ".py" else folder.rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                    [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else []
                found.update(name.split(".")[0] for name in names)
    return {name for name in found if name not in sys.stdlib_module_names and name not in local}


# Development tools' optional parts, imported only when asked for, from the test lock (README says so).
DEVELOPMENT_ONLY = {"aiosmtpd"}  # twilio_simulator --code-from smtp:HOST:PORT
DEVELOPMENT = {"tests", "bench"}  # the tests, and the benchmarks that drive a router


def test_every_package_the_code_imports_is_in_its_lock():
    """The router's own code (and `python -m twilio_simulator`) needs only the runtime lock; the tests and
    the benchmarks may also use the test lock."""
    owners = packages_distributions()
    code = [path for path in ROOT.iterdir() if path.name not in DEVELOPMENT and not path.name.startswith(".")
            and (path.suffix == ".py" or (path / "__init__.py").exists() or any(path.glob("*.py")))]
    development = [ROOT / name for name in sorted(DEVELOPMENT)]
    for module in DEVELOPMENT_ONLY:
        assert any(canonicalize_name(owner) in TESTS for owner in owners[module]), f"{module} is not in the test lock"
    for folders, pins, optional in ((code, RUNTIME, DEVELOPMENT_ONLY), (development, TESTS, set())):
        for module in sorted(third_party_imports(folders) - optional):
            assert module in owners, f"{module} is imported but installed by no package"
            assert any(canonicalize_name(owner) in pins for owner in owners[module]), \
                f"{module} (from {owners[module]}) is not in the lock"


def readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text(), flags=re.DOTALL)


def test_readme_s_two_commands_are_the_whole_set_up_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert "pip install -r requirements.txt && python app.py" in commands
    test_command = "pip install -r requirements-test.txt && python -m pytest"
    assert test_command in commands
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line.strip() and not line.strip().startswith("#")]
    assert ci[-1] == test_command, "CI's last step must be README's test command"
