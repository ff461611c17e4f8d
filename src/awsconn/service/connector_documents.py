"""What the connector use cases say about documents, below them all: a stored
connector's summary, the field-by-field diff of two documents, parsing and checking a
batch (shape, secret references, capability names, placeholders), a document's scope and
a connector's indexed columns. ``connectors`` (reads, deletes) and ``connector_writes``
(apply, import) both build on these; neither is imported here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.model import (
    Connector,
    EntityRef,
    Scope,
    parse_connector,
    parse_connector_document,
)
from awsconn.model.identifiers import identifier_problem
from awsconn.model.results import (
    ConnectorSummary,
    FieldChange,
)
from awsconn.service.connector_reads import StoredConnector
from awsconn.service.connector_template import placeholder_problems
from awsconn.service.context import AppContext

__all__ = ["columns_of", "diff_documents", "parse_and_check", "scope_of_document", "summary_of"]


def summary_of(stored: StoredConnector) -> ConnectorSummary:
    """A stored connector as the result model of listings (the one conversion)."""
    c = stored.connector
    return ConnectorSummary(
        ref=str(c.ref),
        identifier=c.identifier,
        name=c.name,
        scope=c.scope.level,  # type: ignore[arg-type]
        org=c.scope.org,
        project=c.scope.project,
        type=c.credential_type.value,
        region=c.region,
        cross_account_role_arn=c.credential.cross_account.role_arn
        if c.credential.cross_account
        else None,
        tags=dict(c.tags),
        delegate_selectors=list(c.delegate_selectors),
        proxy=c.proxy,
        ignore_test_connection=c.ignore_test_connection,
        version=stored.version,
        last_status=stored.last_status,
        last_tested_at=stored.last_tested_at,
        last_success_at=stored.last_success_at,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
    )


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


_ABSENT: Any = _Absent()  # a field not in one of the documents compared


def diff_documents(old: Any, new: Any) -> tuple[FieldChange, ...]:
    """Field-by-field changes between two connector documents, in the new one's order.

    Paths are those of validation problems (``spec.credential.region``, ``tags.team``);
    a key that is not a plain word is quoted (``tags["app.kubernetes.io/name"]``). Lists
    are compared whole (``delegateSelectors: [a] -> [a, b]``). A field added has no
    ``old``, one removed no ``new`` (canonical documents hold no null).
    """
    changes: list[tuple[str, Any, Any]] = []
    _diff(_body(old), _body(new), "", changes)
    refs = {p for doc in (old, new) for p in _secret_ref_paths(doc)}
    return tuple(
        FieldChange(
            path=path,
            old=None if was is _ABSENT else was,
            new=None if now is _ABSENT else now,
            secret_reference=path in refs,
        )
        for path, was, now in changes
    )


def _body(document: Any) -> Any:
    if isinstance(document, dict) and set(document) == {"connector"}:
        return document["connector"]
    return document


def _secret_ref_paths(document: Any) -> set[str]:
    try:
        return set(parse_connector_document(document).secret_refs())
    except (ValidationFailed, TypeError, KeyError, ValueError):
        return set()


def _key_path(prefix: str, key: Any) -> str:
    text = str(key)
    step = text if text.replace("_", "a").isalnum() else f"[{json.dumps(text)}]"
    if not prefix:
        return step
    return f"{prefix}{step}" if step.startswith("[") else f"{prefix}.{step}"


def _diff(old: Any, new: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*new, *(k for k in old if k not in new)]:  # new: canonical order
            _diff(old.get(key, _ABSENT), new.get(key, _ABSENT), _key_path(path, key), out)
    elif old is _ABSENT and isinstance(new, dict):
        for key, value in new.items():
            _diff(_ABSENT, value, _key_path(path, key), out)
    elif new is _ABSENT and isinstance(old, dict):
        for key, value in old.items():
            _diff(value, _ABSENT, _key_path(path, key), out)
    elif old != new or type(old) is not type(new):
        out.append((path, old, new))


def parse_and_check(ctx: AppContext, docs: Sequence[Any]) -> list[Connector]:
    """Parse documents and check their secrets and capabilities exist; all problems at once.

    Documents are parsed for this store's account (``ctx.account``).
    """
    from awsconn.iam.capabilities import capability_names

    problems: list[Problem] = []
    connectors: list[Connector] = []
    capabilities = frozenset(capability_names())
    account = ctx.account
    seen: set[EntityRef] = set()
    for index, doc in enumerate(docs):
        prefix = f"document {index + 1}: " if len(docs) > 1 else ""
        outcome = parse_connector(doc, account=account)
        found = list(outcome.problems)
        # One problem per field: a placeholder left from 'connector init' says more than
        # the model's rule that the placeholder text breaks.
        placeholders = placeholder_problems(doc)
        flagged = {p.path for p in placeholders}
        found = placeholders + [p for p in found if p.path not in flagged]
        scope = outcome.connector.scope if outcome.connector else scope_of_document(doc)
        if scope is not None:
            for path, ref in outcome.secret_refs.items():
                target = ref.resolve(scope)
                if target is not None and not ctx.secrets.exists(
                    org=target.scope.org, project=target.scope.project, identifier=target.identifier
                ):
                    found.append(
                        Problem(
                            path,
                            f"secret {ref} not found (looked in {target.scope.label()})",
                            given=str(ref),
                            allowed="an existing secret: 'awsconn secret list' shows them",
                        )
                    )
        if outcome.connector is not None:
            for i, cap in enumerate(outcome.connector.capabilities):
                if cap not in capabilities:
                    found.append(
                        Problem(
                            f"spec.capabilities[{i}]",
                            "is not a known capability",
                            given=cap,
                            allowed=", ".join(sorted(capabilities)),
                        )
                    )
        if outcome.connector is not None:
            if outcome.connector.ref in seen:
                found.append(
                    Problem(
                        "identifier", "appears twice in the input", given=str(outcome.connector.ref)
                    )
                )
            seen.add(outcome.connector.ref)
        problems.extend(Problem(prefix + p.path, p.message, p.given, p.allowed) for p in found)
        if outcome.connector is not None:
            connectors.append(outcome.connector)
    if problems:
        raise ValidationFailed(problems, what="connector input")
    return connectors


def scope_of_document(doc: Any) -> Scope | None:
    """Best-effort scope of a document whose other fields failed, to still check its secrets;
    None unless org and project are valid identifiers (they go into a database query)."""
    try:
        body = doc["connector"]
        org, project = body.get("orgIdentifier") or None, body.get("projectIdentifier") or None
        if any(
            v is not None and (not isinstance(v, str) or identifier_problem(v))
            for v in (org, project)
        ):
            return None
        return Scope(org, project)
    except (TypeError, KeyError, AttributeError, ValueError):
        return None


def columns_of(c: Connector) -> dict[str, Any]:
    """The indexed columns stored beside a connector's document."""
    return {
        "org": c.scope.org,
        "project": c.scope.project,
        "identifier": c.identifier,
        "name": c.name,
        "credential_type": c.credential_type.value,
        "region": c.region,
        "tags": dict(c.tags),
    }
