"""YAML as people write it in our files: only true/false are booleans (as in
YAML 1.2), so Norway's `NO` stays a country and a prompt's `yes` stays a word;
dates and times stay text, so a document can be stored as JSON as it was read."""
from __future__ import annotations

import re

import yaml


class StrictBoolLoader(yaml.SafeLoader):
    pass


StrictBoolLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictBoolLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def load_yaml(stream):
    return yaml.load(stream, Loader=StrictBoolLoader)
