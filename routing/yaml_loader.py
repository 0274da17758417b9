"""YAML as people write it in our files: only true/false are booleans (as in
YAML 1.2), so Norway's `NO` stays a country and a prompt's `yes` stays a word;
dates and times stay text, so a document can be stored as JSON as it was read.

Bounded, because admins' files come from wherever admins get them: at most
MAX_BYTES of text and MAX_ALIASES aliases, and the document as its readers will
walk it (every alias expanded) at most MAX_NODES values. A "billion laughs"
file of a few hundred bytes, aliases of aliases, is refused in milliseconds
instead of growing to millions of values in whoever walks it next."""
from __future__ import annotations

import re

import yaml


MAX_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 100
MAX_NODES = 200_000  # the shipped table is about 1,000


class YamlTooLarge(yaml.YAMLError):
    """A document over one of the bounds; a YAMLError, so every reader already reports it as invalid YAML."""


class StrictBoolLoader(yaml.SafeLoader):
    aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise YamlTooLarge(f"more than {MAX_ALIASES} aliases")
        return super().compose_node(parent, index)


StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(stream):
    text = stream if isinstance(stream, str) else stream.read(MAX_BYTES + 1)
    if len(text) > MAX_BYTES:
        raise YamlTooLarge(f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    data = yaml.load(text, Loader=StrictBoolLoader)
    if expanded_size(data, MAX_NODES) > MAX_NODES:
        raise YamlTooLarge(f"more than {MAX_NODES} values once its aliases are expanded")
    return data


def expanded_size(data, cap: int) -> int:
    """How many values a reader meets walking `data` (aliased parts counted each time), stopping past `cap`."""
    count, pending = 0, [data]
    while pending and count <= cap:
        item = pending.pop()
        count += 1
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count
