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
    write("<" + verb.name)
    attrs = verb.attrs
    for name in sorted(attrs):
        value = attrs[name]
        write(f' {name}="{_attribute(str(value).lower() if isinstance(value, bool) else str(value))}"')
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
        write(_text(text))
    for child, tail in children:
        _element(child, write)
        if tail:
            write(_text(tail))
    write("</" + verb.name + ">")


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
