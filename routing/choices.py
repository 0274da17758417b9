"""Turning what a caller pressed or said into one of the options on offer."""
from __future__ import annotations

import re

_WORD = re.compile(r"\w+")


def choose(digits: str, speech: str, keys: dict[str, str], words: dict[str, list[str]]) -> str | None:
    """The option picked by `digits` (first key counts) or else by `speech`.

    `keys` maps a key to an option; `words` maps an option to the words that
    name it in the caller's language. Speech naming two different options is
    ambiguous and picks nothing, so the caller is asked again rather than
    sent to the wrong queue.
    """
    if digits:
        return keys.get(digits[:1])
    if not speech:
        return None
    text = speech.casefold()
    tokens = _WORD.findall(text)
    padded = f" {' '.join(tokens)} "
    picked = {key_option for token in tokens if (key_option := keys.get(token))}
    for option, names in words.items():
        if any(_names(word.casefold(), text, padded) for word in names):
            picked.add(option)
    return picked.pop() if len(picked) == 1 else None


def _names(word: str, text: str, padded: str) -> bool:
    if any(ord(char) >= 0x2E80 for char in word):  # CJK scripts are written without spaces
        return word in text
    return f" {word} " in padded
