"""Reading TwiML the way Twilio does, for precise assertions: verbs in order,
with their attributes and text, nested verbs under their parent."""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from twilio.request_validator import RequestValidator


@dataclass
class Verb:
    name: str
    attrs: dict[str, str]
    text: str
    children: list["Verb"] = field(default_factory=list)

    def says(self) -> list[str]:
        return [child.text for child in self.children if child.name == "Say"]


def parse(body: str | bytes) -> list[Verb]:
    root = ET.fromstring(body)
    assert root.tag == "Response", f"root is {root.tag}, not Response"
    return [_verb(element) for element in root]


def _verb(element: ET.Element) -> Verb:
    return Verb(element.tag, dict(element.attrib), (element.text or "").strip(), [_verb(child) for child in element])


def names(verbs: list[Verb]) -> list[str]:
    return [verb.name for verb in verbs]


def signed_post(client, path: str, params: dict[str, str], token: str, base: str = "http://localhost"):
    """POST as Twilio does: form parameters, signed over the exact URL."""
    signature = RequestValidator(token).compute_signature(base + path, params)
    return client.post(path, data=params, headers={"X-Twilio-Signature": signature}, base_url=base)


def script(*steps):
    """Answers for each Gather in turn; a callable step is asked at that moment (to read a code just sent)."""
    pending = list(steps)

    def answer(event):
        if not pending:
            return ""
        step = pending.pop(0)
        return step() if callable(step) else step

    return answer


def assert_document(body: str | bytes, expected: str) -> None:
    """`body` is exactly the document `expected` writes out: the same verbs in the same order, each with the same
    attributes (every one, no more), text and nesting. Whitespace between elements and attribute order do not
    count, as they do not for Twilio's XML parser."""
    got, want = _canonical(ET.fromstring(body)), _canonical(ET.fromstring(expected.strip()))
    assert got == want, "\n" + "\n".join(_lines(got)) + "\n!=\n" + "\n".join(_lines(want))


def _canonical(element: ET.Element) -> tuple:
    return (element.tag, tuple(sorted(element.attrib.items())), (element.text or "").strip(),
            tuple(_canonical(child) for child in element))


def _lines(node: tuple, depth: int = 0) -> list[str]:
    tag, attrs, text, children = node
    head = "  " * depth + f"<{tag}{''.join(f' {k}={v!r}' for k, v in attrs)}>{text}"
    return [head, *(line for child in children for line in _lines(child, depth + 1))]
