"""What a connector write sends, as the service takes it: the document from a JSON or YAML
body, the query's scope checked against it, the version an update expects.

The document goes to the model as sent (``service.connector_writes.save_document``), so
the API and the CLI apply the same rules and report the same problems; here they are
placed under ``connector.`` (their path in the body). The scope is the body's: a query
parameter that names another is bad input.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from awsconn.errors import InvalidInput, Problem, ValidationFailed

__all__ = [
    "JSON_TYPES",
    "YAML_TYPES",
    "check_query_scope",
    "expected_version",
    "in_body",
    "read_document",
    "read_text",
]

JSON_TYPES = frozenset({"application/json", ""})
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
_BODY = "connector"


async def read_text(request: Request) -> tuple[str, bool]:
    """The body as text (at most the YAML limit, 2 MiB) and whether it is YAML (by
    ``Content-Type``; else JSON); InvalidInput otherwise."""
    from awsconn.model.yaml_io import MAX_YAML_BYTES

    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in JSON_TYPES and kind not in YAML_TYPES:
        raise InvalidInput(
            f"a connector is sent as application/json or application/yaml, not {kind[:80]!r}"
        )
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_YAML_BYTES:
            raise InvalidInput(f"the connector document is larger than {MAX_YAML_BYTES} bytes")
    try:
        return raw.decode("utf-8"), kind in YAML_TYPES
    except UnicodeDecodeError:
        raise InvalidInput("the request body is not UTF-8 text") from None


async def read_document(request: Request) -> Any:
    """The body's one document, parsed from JSON or (by ``Content-Type``) YAML, within
    the YAML limits (2 MiB, depth, nodes); ValidationFailed/InvalidInput otherwise."""
    from awsconn.iam.policy_json import load_json
    from awsconn.model.yaml_io import load_yaml_documents

    text, is_yaml = await read_text(request)
    if is_yaml:
        docs = load_yaml_documents(text, source="request body")
        if len(docs) != 1:
            problem = Problem("", f"has {len(docs)} documents", allowed="exactly one connector")
            raise ValidationFailed([problem], what="request body")
        return docs[0]
    return load_json(text, what="request body")


def _body_scope(document: Any) -> tuple[Any, Any]:
    body = document.get(_BODY) if isinstance(document, dict) else None
    if not isinstance(body, dict):
        return None, None
    return body.get("orgIdentifier") or None, body.get("projectIdentifier") or None


def check_query_scope(document: Any, query: Any) -> None:
    """Query parameters that name another scope than the body's: ValidationFailed."""
    org, project = _body_scope(document)
    problems = []
    for name, inside in (("orgIdentifier", org), ("projectIdentifier", project)):
        given = query.get(name) or None
        if given is not None and given != inside:
            problems.append(
                Problem(
                    name,
                    f"contradicts the body's {_BODY}.{name}",
                    given=given,
                    allowed=f"{inside!r} (the body's) or nothing"
                    if isinstance(inside, str)
                    else "nothing: the body names no " + name,
                )
            )
    if problems:
        raise ValidationFailed(problems, what="query")


def in_body(err: ValidationFailed) -> ValidationFailed:
    """The model's problems at their paths in the request body (``connector.…``)."""
    moved = [
        p
        if not p.path or p.path == _BODY or p.path.startswith((f"{_BODY}.", f"{_BODY}["))
        else Problem(f"{_BODY}.{p.path}", p.message, p.given, p.allowed)
        for p in err.problems
    ]
    return ValidationFailed(moved, what=_BODY)


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names (``"3"``, ``3`` or ``W/"3"``; ``*``: any)."""
    given = request.headers.get("if-match")
    if given is None or given.strip() == "*":
        return None
    text = given.strip().removeprefix("W/").strip('"')
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise ValidationFailed(
            [Problem("If-Match", "is not a version", given=given[:40], allowed='"N" (an ETag)')],
            what="request headers",
        )
    return int(text)
