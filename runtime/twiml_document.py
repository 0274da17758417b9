"""A TwiML document as text: exactly what `str(response)` gives, written in one pass.

The twilio library turns its verb objects into an ElementTree and serialises
that (`TwiML.to_xml`): a tree built and walked twice, with namespace handling
TwiML never needs, on every webhook. This writes the same bytes straight from
the verb objects: the library's rules (attributes sorted by name, booleans as
`true`/`false`, a dict value as JSON, a string child as the text or as the
previous verb's tail) and ElementTree's (the escapes, `<Hangup />` for an empty
element). tests/unit/runtime/test_twiml_document.py holds it to `str(response)`.
Anything outside those rules (a value that is not text) goes the library's way.
"""
from __future__ import annotations

import json

from twilio.twiml import TwiML

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'


def document(response: TwiML) -> str:
    """`str(response)`, the same characters."""
    parts = [DECLARATION]
    try:
        _element(response, parts.append)
    except (TypeError, AttributeError):  # not text where ElementTree wants text: let the library say so
        return str(response)
    text = "".join(parts)
    if not text.isascii():  # as ElementTree encodes: what UTF-8 cannot hold (a lone surrogate) as a reference
        text = text.encode("utf-8", "xmlcharrefreplace").decode("utf-8")
    return text


def _element(verb: TwiML, write) -> None:
    """One verb, as the library's `TwiML.xml()` builds it and ElementTree writes it."""
    attrs = verb.attrs
    if attrs:
        write("<" + verb.name + "".join([_WRITTEN.get((name, attrs[name])) or _attribute_pair(name, attrs[name])
                                         for name in sorted(attrs)]))
    else:
        write("<" + verb.name)
    text = verb.value or None
    if isinstance(text, dict):
        text = json.dumps(text)
    children: list[list] = []  # [verb, tail]: a string after a verb is that verb's tail, before any its parent's text
    for child in verb.verbs:
        if isinstance(child, str):
            if children:
                children[-1][1] = child
            else:
                text = child
        else:
            children.append([child, None])
    if not (text or children):
        write(" />")
        return
    write(">")
    if text:
        write(_ESCAPED.get(text) or _escaped_text(text))
    for child, tail in children:
        _element(child, write)
        if tail:
            write(_ESCAPED.get(tail) or _escaped_text(tail))
    write("</" + verb.name + ">")


# The same attributes and sentences come back on every call (a voice, a language, a prompt, an action URL):
# each is escaped once and looked up after, up to a bound, so that a process keeps no more than a few
# thousand of them whatever its callers send. Only text is kept; anything else is written afresh each time.
MEMO_LIMIT = 4096
_WRITTEN: dict[tuple, str] = {}  # (name, value) -> ' name="value, escaped"'
_ESCAPED: dict[str, str] = {}  # character data -> escaped


def _attribute_pair(name: str, value) -> str:
    written = f' {name}="{_attribute(str(value).lower() if isinstance(value, bool) else str(value))}"'
    if value.__class__ is str and len(_WRITTEN) < MEMO_LIMIT:
        _WRITTEN[name, value] = written
    return written


def _escaped_text(text: str) -> str:
    escaped = _text(text)
    if len(_ESCAPED) < MEMO_LIMIT:
        _ESCAPED[text] = escaped
    return escaped


def _text(text: str) -> str:
    """ElementTree's escapes for character data."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def _attribute(value: str) -> str:
    """ElementTree's escapes for an attribute value (line breaks and tabs as character references)."""
    value = _text(value)
    if '"' in value:
        value = value.replace('"', "&quot;")
    if "\r" in value:
        value = value.replace("\r", "&#13;")
    if "\n" in value:
        value = value.replace("\n", "&#10;")
    if "\t" in value:
        value = value.replace("\t", "&#09;")
    return value
