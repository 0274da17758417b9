"""`document(response)` writes the very characters `str(response)` gives (the twilio library through
ElementTree): the webhooks answer with it, and Twilio's callers must hear no difference."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.twiml.voice_response import Enqueue, Gather, VoiceResponse

from runtime import twiml_document
from runtime.twiml_document import document

# Text with everything ElementTree escapes (in text and in attributes), letters of the catalogues'
# languages, and a lone surrogate (which JSON lets an admin's notice carry).
TEXT = st.text(alphabet=st.sampled_from(list("aZ 9.,&<>\"'\r\n\t;=?/åäöçğışñ日本語ไทย") + ["\ud800"]), max_size=20)


@st.composite
def verbs(draw, depth: int = 0):
    """Verbs the router uses, with attributes of every kind the library accepts (text, numbers, booleans, None)."""
    kind = draw(st.sampled_from(["say", "play", "pause", "redirect", "hangup", "enqueue", "task", "dial", "text",
                                 *(["gather"] if depth < 2 else [])]))
    if kind == "say":
        return ("say", draw(TEXT), {"voice": draw(st.none() | TEXT), "language": draw(st.sampled_from([None, "en-GB", "sv-SE"]))})
    if kind == "play":
        return ("play", draw(TEXT), {"loop": draw(st.none() | st.integers(0, 3))})
    if kind == "pause":
        return ("pause", None, {"length": draw(st.integers(0, 5))})
    if kind == "redirect":
        return ("redirect", draw(TEXT), {"method": "POST"})
    if kind == "hangup":
        return ("hangup", None, {})
    if kind == "enqueue":
        return ("enqueue", draw(TEXT), {"wait_url": draw(TEXT), "action": "queue-result", "method": "POST"})
    if kind == "task":
        return ("task", draw(st.dictionaries(TEXT, TEXT | st.booleans(), max_size=3)), {})
    if kind == "dial":
        return ("dial", draw(TEXT), {"record": draw(st.booleans()), "timeout": draw(st.integers(1, 60))})
    if kind == "text":
        return ("text", draw(TEXT), {})
    return ("gather", draw(st.lists(verbs(depth + 1), max_size=4)),
            {"input": "dtmf speech", "action": draw(TEXT), "num_digits": draw(st.none() | st.integers(1, 6)),
             "hints": draw(st.none() | TEXT), "speech_timeout": "auto"})


def build(parent, described) -> None:
    for kind, content, attrs in described:
        if kind == "text":  # a bare string child: the parent's text, or the previous verb's tail
            parent.append(content)
        elif kind == "gather":
            gather = Gather(**attrs)
            build(gather, content)
            parent.append(gather)
        elif kind == "task":
            enqueue = Enqueue(workflow_sid="WW0123", wait_url="hold?lang=en-GB")
            enqueue.task(content)
            parent.append(enqueue)
        elif not hasattr(parent, kind):  # a verb a <Gather> cannot hold
            continue
        elif kind in ("hangup", "pause"):
            getattr(parent, kind)(**attrs)
        else:
            getattr(parent, kind)(content, **attrs)


@settings(max_examples=400, deadline=None)
@given(st.lists(verbs(), max_size=6))
def test_the_same_characters_as_the_library(described):
    response = VoiceResponse()
    build(response, described)
    assert document(response) == str(response)


def test_documents_the_router_answers_with():
    # https://www.twilio.com/docs/voice/twiml/gather, https://www.twilio.com/docs/voice/twiml/enqueue
    response = VoiceResponse()
    gather = Gather(input="dtmf speech", action="menu?attempt=2&lang=sv-SE", method="POST", num_digits=1, timeout=5,
                    speech_timeout="auto", language="sv-SE", hints="teknisk support, fakturering")
    gather.say("Välkommen. För teknisk support, tryck 1.", voice="Polly.Astrid", language="sv-SE")
    response.append(gather)
    response.redirect("menu?attempt=2&lang=sv-SE", method="POST")
    response.say("Hej då & tack <3", voice="Polly.Astrid", language="sv-SE")
    response.enqueue("technical.sv.B", wait_url="hold?lang=sv-SE&queue=technical.sv.B", wait_url_method="POST",
                     action="queue-result", method="POST")
    response.hangup()
    assert document(response) == str(response)
    assert document(VoiceResponse()) == str(VoiceResponse()) == '<?xml version="1.0" encoding="UTF-8"?><Response />'


def test_a_value_that_is_not_text_fails_as_the_library_fails():
    response = VoiceResponse()
    response.say(5)
    try:
        str(response)
    except TypeError as error:
        expected = str(error)
    try:
        document(response)
    except TypeError as error:
        assert str(error) == expected
    else:
        raise AssertionError("document() wrote what the library refuses")


def test_what_is_kept_between_documents_is_bounded_and_changes_nothing(monkeypatch):
    """Escaped attributes and sentences are kept for the next document, up to MEMO_LIMIT each: a full memo
    still writes the library's characters, and a value that only looks like a kept one (True and "1", 5
    and "5") is not taken for it."""
    monkeypatch.setattr(twiml_document, "MEMO_LIMIT", 8)
    monkeypatch.setattr(twiml_document, "_WRITTEN", {})
    monkeypatch.setattr(twiml_document, "_ESCAPED", {})
    for index in range(40):
        response = VoiceResponse()
        gather = Gather(action=f"menu?attempt={index}&lang=en-GB", timeout=str(index % 3), method="POST")
        gather.say(f"Say {index % 12} & <more>", language="en-GB")
        response.append(gather)
        response.pause(length=index % 3)
        response.dial("+46701234567", record=index % 2 == 0, timeout=1, time_limit="1")
        response.dial("+46701234567", record="true" if index % 2 else "True")
        assert document(response) == str(response)
    assert len(twiml_document._WRITTEN) <= 8 and len(twiml_document._ESCAPED) <= 8
