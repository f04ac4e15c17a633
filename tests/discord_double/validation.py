"""Checks each request the double receives against Discord's OpenAPI spec (spec/openapi.json).

The spec (discord/discord-api-spec, MIT, see spec/LICENSE) is loaded once per process with
openapi-core; each request is rebuilt on the spec's server, https://discord.com/api/v10, and
validated as Discord would see it: path, query, headers (the bot token included) and JSON body.
A multipart request is checked through its `payload_json` part, sent as an application/json body.

Spec quirks worked around here, each narrowly:

* The spec lets POST/PATCH /channels/{channel_id}/messages[/{message_id}] carry `content` of up
  to 4,000 characters; Discord's documentation (which Discord says wins where the two disagree)
  and the live API limit a bot's message content to 2,000. That one limit is added on top of the
  spec (`_STRICTER_THAN_SPEC`).
* The spec types every snowflake (`SnowflakeType`) as a decimal string. Discord also accepts a
  JSON integer there, and discord.py sends integers: `attachments: [{"id": 0, ...}]` naming an
  upload by its file index (the very form of Discord's "Uploading Files" example), ids in
  `allowed_mentions.users`/`roles`, `message_reference.message_id`. The in-memory copy of the
  spec points the snowflakes inside body schemas (components.schemas) at a string (same pattern)
  or a non-negative integer; path and query parameters keep the string-only type.
* The spec types a field error's `code` (schema `Error`) as an integer; Discord sends strings
  such as "BASE_TYPE_MAX_LENGTH" there. The double checks its own replies against the spec's
  response schemas (`check_response`) for successful replies only.
* openapi-core warns "Unsupported scheme type" for the spec's OAuth2 security scheme; that warning
  (and only that one) is silenced. Routes that accept only BotToken are still checked for it.
"""

from __future__ import annotations

import functools
import json
import re
import reprlib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

SPEC_PATH = Path(__file__).parent / "spec" / "openapi.json"
SPEC_HOST = "https://discord.com"
SPEC_PREFIX = "/api/v10"
_MAX_MESSAGE = 300
_MESSAGE_CONTENT_LIMIT = 2000
_STRICTER_THAN_SPEC = re.compile(r"^/channels/[^/]+/messages(/[^/]+)?$")


@dataclass(frozen=True)
class Problem:
    """One reason Discord would reject a request: where (a dotted JSON path in the body such as
    "data.content", or "headers", "route", "path parameter webhook_id", ...) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@functools.cache
def load_spec() -> OpenAPI:
    """The parsed spec (with the quirk fixes above); loaded on first use, kept for the process."""
    spec = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    schemas[_BODY_SNOWFLAKE] = {"anyOf": [{"$ref": _SNOWFLAKE_REF}, {"type": "integer", "minimum": 0}]}
    for name, schema in schemas.items():
        if name != _BODY_SNOWFLAKE:
            _widen_snowflakes(schema)
    return OpenAPI.from_dict(spec)


_SNOWFLAKE_REF = "#/components/schemas/SnowflakeType"
_BODY_SNOWFLAKE = "SnowflakeTypeInBody"


def _widen_snowflakes(node: Any) -> None:
    """Point every snowflake inside a body schema at string-or-integer (path and query
    parameters keep the string-only SnowflakeType: they are strings on the wire anyway)."""
    if isinstance(node, dict):
        if node.get("$ref") == _SNOWFLAKE_REF:
            node["$ref"] = f"#/components/schemas/{_BODY_SNOWFLAKE}"
        for value in node.values():
            _widen_snowflakes(value)
    elif isinstance(node, list):
        for value in node:
            _widen_snowflakes(value)


def check_request(
    method: str,
    path: str,
    *,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> list[Problem]:
    """Problems with one request, empty if Discord's spec accepts it.

    `path` is the part after /api/v10 (e.g. "/interactions/1/abc/callback"); `body` is the JSON
    body already decoded (for multipart requests: the decoded `payload_json`), None for none.
    """
    request = _request(method, path, query, headers, body)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        errors = list(load_spec().iter_request_errors(request))
    problems = _problems(errors)
    content = body.get("content") if isinstance(body, dict) else None
    if (
        method.upper() in ("POST", "PATCH")
        and _STRICTER_THAN_SPEC.match(path)
        and isinstance(content, str)
        and len(content) > _MESSAGE_CONTENT_LIMIT
        and not any(p.where == "content" for p in problems)
    ):
        problems.append(Problem("content", f"Must be {_MESSAGE_CONTENT_LIMIT} or fewer in length."))
    return problems


def check_response(
    method: str,
    path: str,
    *,
    status: int,
    response: Any,
    query: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    body: Any = None,
) -> list[Problem]:
    """Problems with a response the double gave (its JSON body, None for none) by the spec's
    response schemas: the double's own check that what it answers looks like Discord."""
    data = b"" if response is None else json.dumps(response).encode()
    reply = MockResponse(data, status_code=status, content_type="application/json" if data else "")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Unsupported scheme type")
        errors = list(load_spec().iter_response_errors(_request(method, path, query, headers, body), reply))
    return _problems(errors)


def _request(
    method: str, path: str, query: Mapping[str, str] | None, headers: Mapping[str, str] | None, body: Any
) -> MockRequest:
    return MockRequest(
        SPEC_HOST,
        method,
        SPEC_PREFIX + path,
        args=dict(query or {}),
        headers=dict(headers or {}),
        data=None if body is None else json.dumps(body).encode(),
        content_type="application/json",
    )


def _problems(errors: Iterable[BaseException]) -> list[Problem]:
    problems: list[Problem] = []
    for error in errors:
        schema_errors = _schema_errors(error)
        if schema_errors:
            name, location = getattr(error, "name", None), getattr(error, "location", None)
            for schema_error in schema_errors:
                explained = _explain(schema_error)
                if name and location:  # a path/query/header parameter, not the body
                    explained = [Problem(f"{location} parameter {name}", p.message) for p in explained]
                problems.extend(explained)
        else:
            problems.append(Problem(_where(error), _short(str(error))))
    return problems


def _where(error: BaseException) -> str:
    name = type(error).__name__
    if "Security" in name:
        return "headers"
    if "Path" in name or "Operation" in name:
        return "route"
    if "Parameter" in name:
        return "parameters"
    return "body"


def _schema_errors(error: BaseException) -> list[Any]:  # jsonschema ValidationErrors
    cause: BaseException | None = error
    while cause is not None:
        found = getattr(cause, "schema_errors", None)
        if found:
            return list(found)
        cause = cause.__cause__
    return []


def _explain(error: Any) -> list[Problem]:  # a jsonschema ValidationError (no stubs)
    """Turn one jsonschema error into the specific problem(s), looking inside unions.

    The spec writes most bodies as `anyOf` unions discriminated by a `type` field. jsonschema's
    generic "best match" then reports the discriminator of a wrong branch ("4 is not one of [8]"),
    so branches that fail on a shallow enum/const (the discriminator) are set aside first and the
    branch that got furthest is explained instead.
    """
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        viable = [
            errs
            for errs in branches.values()
            if not any(e.validator in ("enum", "const") and len(e.relative_path) <= 1 for e in errs)
        ]
        candidates = viable or list(branches.values())
        best = max(candidates, key=lambda errs: (max(len(e.absolute_path) for e in errs), -len(errs)))
        return [problem for sub in best for problem in _explain(sub)]
    message = error.message
    if len(message) > _MAX_MESSAGE:  # jsonschema quotes the whole value: keep the rule instead
        message = f"{reprlib.repr(error.instance)} fails {error.validator}={error.validator_value!r}"
        if isinstance(error.instance, str | list):
            message += f" (length {len(error.instance)})"
    return [Problem(_json_path(error.absolute_path), message)]


def _json_path(parts: Iterable[Any]) -> str:
    return ".".join(str(p) for p in parts)


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 20] + f"... ({len(text)} chars)"


def discord_error_body(problems: list[Problem]) -> dict[str, Any]:
    """A 400 body shaped like Discord's "Invalid Form Body" (code 50035), errors nested by field."""
    errors: dict[str, Any] = {}
    for problem in problems:
        node = errors
        for part in problem.where.split(".") if problem.where else []:
            node = node.setdefault(part, {})
        node.setdefault("_errors", []).append({"code": "SPEC_VALIDATION", "message": problem.message})
    return {"message": "Invalid Form Body", "code": 50035, "errors": errors}
