"""Twilio's REST contract, read from its own OpenAPI description, checking one request at a time.

The spec (`../shared/twilio/twilio_api_v2010.json`, Twilio's twilio-oai, MIT) names every
resource path, its methods, its path parameters' patterns and, for each write, the form
fields it takes: their names, which are required, their types and enumerations. A request
that breaks any of these is answered as Twilio answers a bad request: status 400 and
`{"code", "message", "more_info", "status"}` (https://www.twilio.com/docs/api/errors/400);
an unknown resource 404 (code 20404); a method the resource lacks 405.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SPEC = Path(__file__).resolve().parent / "contract" / "twilio_api_v2010.json"
TASKROUTER_SPEC = Path(__file__).resolve().parent / "contract" / "twilio_taskrouter_v1.json"
BAD_REQUEST, NOT_FOUND, AUTHENTICATE = 400, 20404, 20003  # Twilio's error codes for these answers


class ContractError(Exception):
    """The request is not one Twilio would accept; `body` is Twilio's error JSON."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(message)
        self.status = status
        self.body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                     "status": status}


@dataclass(frozen=True)
class Operation:
    template: str  # the spec's path, e.g. /2010-04-01/Accounts/{AccountSid}/Calls/{Sid}.json
    method: str
    path_params: dict[str, str]  # name -> value, from the URL
    form_schema: dict | None  # the x-www-form-urlencoded schema of a write, refs resolved
    response_schema: dict | None


class Contract:
    """Every path of the spec as a pattern, matched against a request."""

    def __init__(self, spec_path: Path | str = SPEC):
        self.spec = json.loads(Path(spec_path).read_text())
        self._paths = []
        for template, item in self.spec["paths"].items():
            names = re.findall(r"\{(\w+)\}", template)
            pattern = re.escape(template)
            for name in names:
                pattern = pattern.replace(re.escape("{" + name + "}"), f"(?P<{name}>[^/]+?)")
            self._paths.append((re.compile(pattern + "$"), template, item))
        # More literal paths first: /Members/{CallSid}.json before a looser match could take it.
        self._paths.sort(key=lambda entry: entry[1].count("{"))

    def schema(self, name: str) -> dict:
        return self.spec["components"]["schemas"][name]

    def _resolve(self, schema: dict | None) -> dict | None:
        while schema and "$ref" in schema:
            schema = self.schema(schema["$ref"].rsplit("/", 1)[-1])
        return schema

    def operation(self, method: str, url: str) -> Operation:
        path = urlsplit(url).path
        for pattern, template, item in self._paths:
            found = pattern.match(path)
            if not found:
                continue
            operation = item.get(method.lower())
            if operation is None:
                raise ContractError(405, BAD_REQUEST, f"Method {method} not allowed on {path}")
            params = found.groupdict()
            for parameter in operation.get("parameters", []) + item.get("parameters", []):
                if parameter.get("in") != "path":
                    continue
                pattern_text = (parameter.get("schema") or {}).get("pattern")
                if pattern_text and not re.fullmatch(pattern_text.strip("^$"), params.get(parameter["name"], "")):
                    raise ContractError(404, NOT_FOUND, f"The requested resource {path} was not found")
            body = operation.get("requestBody", {}).get("content", {}).get("application/x-www-form-urlencoded")
            responses = operation.get("responses", {})
            success = next((responses[code] for code in ("200", "201") if code in responses), None)
            response_schema = None
            if success and "content" in success:
                response_schema = self._resolve(success["content"]["application/json"]["schema"])
            return Operation(template, method.upper(), params, self._resolve(body["schema"]) if body else None,
                             response_schema)
        raise ContractError(404, NOT_FOUND, f"The requested resource {path} was not found")

    def check_form(self, operation: Operation, form: dict[str, list[str]]) -> dict[str, object]:
        """Every field known, required ones present, values of their type and enumeration; the parsed form."""
        schema = operation.form_schema or {"properties": {}}
        properties = schema.get("properties", {})
        for name in form:
            if name not in properties:
                raise ContractError(400, BAD_REQUEST, f"Unknown parameter '{name}' for {operation.method} "
                                                       f"{operation.template.rsplit('/', 1)[-1]}")
        for name in schema.get("required", []):
            if not any(value for value in form.get(name, [])):
                raise ContractError(400, BAD_REQUEST, f"A '{name}' parameter is required.")
        parsed: dict[str, object] = {}
        for name, values in form.items():
            field = self._resolve(properties[name])
            if field.get("type") == "array":
                item = self._resolve(field.get("items", {}))
                parsed[name] = [_value(name, value, item) for value in values]
            else:
                if len(values) > 1:
                    raise ContractError(400, BAD_REQUEST, f"'{name}' was given {len(values)} times")
                parsed[name] = _value(name, values[0], field)
        return parsed

    def shaped(self, schema: dict | None, values: dict) -> dict:
        """A resource as the spec describes it: every property it lists, ours filled in, the rest null."""
        if schema is None:
            return dict(values)
        return {name: values.get(name) for name in schema.get("properties", {})} | {
            name: value for name, value in values.items() if name in schema.get("properties", {})}


def _value(name: str, raw: str, field: dict) -> object:
    kind = field.get("type", "string")
    if "enum" in field and raw not in field["enum"]:
        raise ContractError(400, BAD_REQUEST, f"'{name}' must be one of {', '.join(field['enum'])}, not '{raw}'")
    if kind == "boolean":
        if raw.lower() not in ("true", "false"):
            raise ContractError(400, BAD_REQUEST, f"'{name}' must be true or false, not '{raw}'")
        return raw.lower() == "true"
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", raw):
            raise ContractError(400, BAD_REQUEST, f"'{name}' must be a whole number, not '{raw}'")
        return int(raw)
    if field.get("format") == "uri" and urlsplit(raw).scheme not in ("http", "https"):
        raise ContractError(400, BAD_REQUEST, f"'{name}' is not a valid URL: '{raw}'")
    pattern = field.get("pattern")
    if pattern and not re.fullmatch(pattern.strip("^$"), raw):
        raise ContractError(400, BAD_REQUEST, f"'{name}' is not valid: '{raw}'")
    for limit, test in (("minLength", lambda n: len(raw) < n), ("maxLength", lambda n: len(raw) > n)):
        if limit in field and test(field[limit]):
            raise ContractError(400, BAD_REQUEST, f"'{name}' has the wrong length: '{raw}'")
    return raw
