"""Harness connector documents in: parse with every problem at its path.

Documents out (and YAML text both ways) live in ``yaml_io``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.connector import Connector
from awsconn.model.credentials import BACKOFF_KINDS, BackoffStrategy
from awsconn.model.harness_credential import parse_credential
from awsconn.model.identifiers import (
    ACCOUNT_IDENTIFIER_RULE,
    DEFAULT_ACCOUNT,
    IDENTIFIER_RULE,
    NAME_RULE,
    account_identifier_problem,
    identifier_problem,
    name_problem,
)
from awsconn.model.scope import Scope
from awsconn.model.secret_refs import SECRET_REF_RULE, SecretRef
from awsconn.model.text_rules import (
    MAX_CAPABILITIES,
    MAX_CAPABILITY_CHARS,
    MAX_DESCRIPTION_CHARS,
    MAX_ID_CHARS,
    MAX_SELECTOR_CHARS,
    MAX_SELECTORS,
    MAX_TAG_KEY_CHARS,
    MAX_TAG_VALUE_CHARS,
    MAX_TAGS,
)
from awsconn.model.validation import Collector, key_label

__all__ = [
    "ParseOutcome",
    "parse_connector",
    "parse_connector_document",
]

MAX_DELAY_MS = 3_600_000
MAX_RETRIES = 100
_CONNECTOR_KEYS = (
    "name", "identifier", "description", "accountIdentifier", "orgIdentifier",
    "projectIdentifier", "tags", "type", "spec",
)  # fmt: skip
_SPEC_KEYS = (
    "credential", "delegateSelectors", "executeOnDelegate", "proxy", "ignoreTestConnection",
    "awsSdkClientBackOffStrategyOverride", "capabilities",
)  # fmt: skip
_CAPABILITY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass
class ParseOutcome:
    """A parsed connector (None when the shape is broken), its problems, and the secret refs
    that parsed, so the caller can add "secret not found" problems to the same report."""

    connector: Connector | None
    problems: list[Problem] = field(default_factory=list)
    secret_refs: dict[str, SecretRef] = field(default_factory=dict)


def parse_connector_document(doc: Any, *, account: str = DEFAULT_ACCOUNT) -> Connector:
    """Parse one ``connector:`` document; raise ValidationFailed listing every problem."""
    outcome = parse_connector(doc, account=account)
    if outcome.problems or outcome.connector is None:
        raise ValidationFailed(outcome.problems, what="connector")
    return outcome.connector


def parse_connector(doc: Any, *, account: str = DEFAULT_ACCOUNT) -> ParseOutcome:
    """Parse one document, collecting every problem instead of stopping at the first.

    ``account`` is the account of the store the connector goes to (``AWSCONN_ACCOUNT``):
    a document's ``accountIdentifier`` must name it. Pure: no I/O, linear in the input.
    """
    c = Collector("connector")
    root = c.mapping(doc, "", allowed_keys=("connector",))
    if root is None or "connector" not in root:
        if root is not None or doc is None:
            c.add("connector", "is required (a document with a top-level 'connector:' key)")
        return ParseOutcome(None, c.problems)
    body = c.mapping(root["connector"], "connector")
    if body is None:
        if root["connector"] is None:
            c.add("connector", "must not be empty")
        return ParseOutcome(None, c.problems)
    c.mapping(body, "", allowed_keys=_CONNECTOR_KEYS)  # paths relative to connector:, as below

    name = c.string(body.get("name"), "name", required=True, max_length=MAX_ID_CHARS)
    if name is not None and (why := name_problem(name)):
        c.add("name", why, given=name, allowed=NAME_RULE)
    identifier = c.string(
        body.get("identifier"), "identifier", required=True, max_length=MAX_ID_CHARS
    )
    if identifier is not None and (why := identifier_problem(identifier)):
        c.add("identifier", why, given=identifier, allowed=IDENTIFIER_RULE)
    description = (
        c.string(
            body.get("description"),
            "description",
            max_length=MAX_DESCRIPTION_CHARS,
            multiline=True,
        )
        or ""
    )
    _check_account(c, body.get("accountIdentifier"), account)
    scope = _parse_scope(c, body)
    tags = _parse_tags(c, body.get("tags"))
    kind = c.string(body.get("type"), "type", required=True)
    if kind is not None and kind != "Aws":
        c.add("type", "must be Aws", given=kind, allowed="Aws")

    spec = c.mapping(body.get("spec"), "spec", allowed_keys=_SPEC_KEYS)
    if spec is None:
        if body.get("spec") is None:
            c.add("spec", "is required")
        return ParseOutcome(None, c.problems)
    refs: dict[str, SecretRef] = {}
    credential = parse_credential(c, spec.get("credential"), refs)
    selectors = _parse_selectors(c, spec.get("delegateSelectors"))
    # absent or null: the default, like every other optional field
    execute = c.boolean(spec.get("executeOnDelegate"), "spec.executeOnDelegate", default=True)
    proxy = c.boolean(spec.get("proxy"), "spec.proxy", default=False)
    ignore_test = c.boolean(
        spec.get("ignoreTestConnection"), "spec.ignoreTestConnection", default=False
    )
    backoff = _parse_backoff(c, spec.get("awsSdkClientBackOffStrategyOverride"))
    capabilities = _parse_capabilities(c, spec.get("capabilities"))

    if credential is not None:
        # absent or empty (a list whose entries are all bad is reported entry by entry)
        if credential.type.uses_delegate_identity and not spec.get("delegateSelectors"):
            c.add(
                "spec.delegateSelectors",
                f"is required for {credential.type.value}: the AWS identity is a delegate's own",
                allowed="a non-empty list of delegate tags",
            )
        if not execute and credential.type.uses_delegate_identity:
            c.add(
                "spec.executeOnDelegate",
                f"must be true for {credential.type.value}",
                given=False,
                allowed="false only with ManualConfig or OidcAuthentication",
            )
    if scope is not None:
        for path, ref in refs.items():
            if ref.resolve(scope) is None:
                c.add(
                    path,
                    "names an org secret, but the connector is at account scope",
                    given=str(ref),
                    allowed=SECRET_REF_RULE,
                )

    if c.problems or None in (name, identifier, credential, scope):
        return ParseOutcome(None, c.problems, refs)
    assert name is not None and identifier is not None and credential is not None
    assert scope is not None
    connector = Connector(
        identifier=identifier,
        name=name,
        credential=credential,
        scope=scope,
        description=description,
        tags=tags,
        delegate_selectors=selectors,
        execute_on_delegate=execute,
        backoff=backoff,
        capabilities=capabilities,
        proxy=proxy,
        ignore_test_connection=ignore_test,
    )
    return ParseOutcome(connector, [], refs)


def _check_account(c: Collector, raw: Any, account: str) -> None:
    """``accountIdentifier`` may be given (Harness writes it) but must be this store's."""
    given = c.string(raw, "accountIdentifier", max_length=MAX_ID_CHARS)
    if not given:
        return
    if why := account_identifier_problem(given):
        c.add("accountIdentifier", why, given=given, allowed=ACCOUNT_IDENTIFIER_RULE)
    elif given != account:
        c.add(
            "accountIdentifier",
            f"names account {given!r}, but this awsconn store is account {account!r}",
            given=given,
            allowed=f"{account!r} or no accountIdentifier (AWSCONN_ACCOUNT sets the account)",
        )


def _parse_scope(c: Collector, body: Mapping[str, Any]) -> Scope | None:
    org = c.string(body.get("orgIdentifier"), "orgIdentifier", max_length=MAX_ID_CHARS)
    project = c.string(body.get("projectIdentifier"), "projectIdentifier", max_length=MAX_ID_CHARS)
    org = org or None
    project = project or None
    ok = True
    for path, value in (("orgIdentifier", org), ("projectIdentifier", project)):
        if value is not None and (why := identifier_problem(value)):
            c.add(path, why, given=value, allowed=IDENTIFIER_RULE)
            ok = False
    if project is not None and org is None:
        c.add("orgIdentifier", "is required when projectIdentifier is set")
        ok = False
    return Scope(org, project) if ok else None


def _parse_tags(c: Collector, raw: Any) -> dict[str, str]:
    tags = c.mapping(raw, "tags")
    if tags is None:
        return {}
    if len(tags) > MAX_TAGS:
        c.add(
            "tags",
            f"has {len(tags)} entries, more than the limit of {MAX_TAGS}",
            allowed=f"at most {MAX_TAGS} tags",
        )
        return {}
    out: dict[str, str] = {}
    for key, value in tags.items():
        path = f"tags.{key_label(key)}"
        if not isinstance(key, str) or not key.strip():
            c.add(path, "tag keys must be non-empty strings", given=key)
            continue
        if c.string(key, path, max_length=MAX_TAG_KEY_CHARS) is None:
            continue
        text = "" if value is None else c.string(value, path, max_length=MAX_TAG_VALUE_CHARS)
        if text is not None:
            out[key] = text
    return dict(sorted(out.items()))


def _parse_selectors(c: Collector, raw: Any) -> tuple[str, ...]:
    path = "spec.delegateSelectors"
    items = c.sequence(raw, path, what="delegate selectors", max_items=MAX_SELECTORS)
    out: set[str] = set()
    for i, item in enumerate(items or ()):
        text = c.string(item, f"{path}[{i}]", allow_empty=False, max_length=MAX_SELECTOR_CHARS)
        if text is not None:
            out.add(text.strip())
    return tuple(sorted(out))


def _parse_backoff(c: Collector, raw: Any) -> BackoffStrategy | None:
    base = "spec.awsSdkClientBackOffStrategyOverride"
    block = c.mapping(raw, base, allowed_keys=("type", "spec"))
    if block is None:
        return None
    kind = c.string(block.get("type"), f"{base}.type", required=True)
    if kind is not None and kind not in BACKOFF_KINDS:
        c.add(
            f"{base}.type",
            "is not a backoff strategy",
            given=kind,
            allowed=", ".join(BACKOFF_KINDS),
        )
        return None
    if kind is None:
        return None
    fixed = kind == "FixedDelayBackoffStrategy"
    keys = (
        ("fixedBackoff", "retryCount") if fixed else ("baseDelay", "maxBackoffTime", "retryCount")
    )
    spec = c.mapping(block.get("spec"), f"{base}.spec", allowed_keys=keys) or {}
    if block.get("spec") is None:
        c.add(f"{base}.spec", "is required", allowed=", ".join(keys))
    values = {
        key: c.integer(
            spec.get(key),
            f"{base}.spec.{key}",
            minimum=0,
            maximum=MAX_RETRIES if key == "retryCount" else MAX_DELAY_MS,
        )
        for key in keys
    }
    if any(v is None for v in values.values()):
        return None
    if not fixed and values["baseDelay"] > values["maxBackoffTime"]:  # type: ignore[operator]
        c.add(f"{base}.spec.baseDelay", "must not exceed maxBackoffTime", given=values["baseDelay"])
        return None
    return BackoffStrategy(
        kind=kind,
        retry_count=values["retryCount"] or 0,
        fixed_backoff=values.get("fixedBackoff"),
        base_delay=values.get("baseDelay"),
        max_backoff_time=values.get("maxBackoffTime"),
    )


def _parse_capabilities(c: Collector, raw: Any) -> tuple[str, ...]:
    path = "spec.capabilities"
    items = c.sequence(raw, path, what="capability names", max_items=MAX_CAPABILITIES)
    out: dict[str, None] = {}  # ordered and linear: the order written is kept
    for i, item in enumerate(items or ()):
        text = c.string(item, f"{path}[{i}]", allow_empty=False, max_length=MAX_CAPABILITY_CHARS)
        if text is None:
            continue
        if not set(text) <= _CAPABILITY_CHARS:
            c.add(
                f"{path}[{i}]",
                "is not a capability name",
                given=text,
                allowed="lower-case letters, digits and '-' (see 'awsconn permissions list')",
            )
        else:
            out[text] = None
    return tuple(out)
