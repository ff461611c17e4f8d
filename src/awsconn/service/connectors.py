"""Connector use cases: create, apply, import, get, list, delete, export.

Every write validates the whole input first (shape, secret references, capability
names), reports every problem at once, then writes in one transaction: all or nothing.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from awsconn.errors import Conflict, NotFound, Problem, ValidationFailed
from awsconn.model import (
    Connector,
    EntityRef,
    Scope,
    connector_to_document,
    dump_connectors_yaml,
    load_yaml_documents,
    parse_connector,
    parse_connector_document,
)
from awsconn.model.identifiers import identifier_problem
from awsconn.service.connector_template import placeholder_problems
from awsconn.service.context import AppContext

__all__ = [
    "ABSENT",
    "ApplyResult",
    "ConnectorView",
    "FieldChange",
    "apply_yaml",
    "delete",
    "diff_documents",
    "export_yaml",
    "get",
    "history",
    "list_connectors",
    "parse_and_check",
]


@dataclass(frozen=True)
class ConnectorView:
    """A stored connector with its bookkeeping (version, last connectivity status)."""

    connector: Connector
    version: int
    last_status: str | None = None
    last_tested_at: datetime | None = None
    last_success_at: datetime | None = None

    def summary(self) -> dict[str, Any]:
        c = self.connector
        return {
            "ref": str(c.ref),
            "identifier": c.identifier,
            "name": c.name,
            "scope": c.scope.level,
            "org": c.scope.org,
            "project": c.scope.project,
            "type": c.credential_type.value,
            "region": c.region,
            "crossAccountRoleArn": c.credential.cross_account.role_arn
            if c.credential.cross_account
            else None,
            "tags": dict(c.tags),
            "delegateSelectors": list(c.delegate_selectors),
            "proxy": c.proxy,
            "ignoreTestConnection": c.ignore_test_connection,
            "version": self.version,
            "lastStatus": self.last_status,
            "lastTestedAt": _iso(self.last_tested_at),
            "lastSuccessAt": _iso(self.last_success_at),
        }


@dataclass(frozen=True)
class FieldChange:
    """One field an update changes: its YAML path in the connector, old and new value.

    ``old``/``new`` is ``ABSENT`` when the field is added/removed. A secret reference
    (``secret_ref``) is shown as the reference it is: connector documents hold no values.
    """

    path: str
    old: Any
    new: Any
    secret_ref: bool = False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.old is not ABSENT:
            out["old"] = self.old
        if self.new is not ABSENT:
            out["new"] = self.new
        if self.secret_ref:
            out["secretReference"] = True
        return out


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


#: The value of a field that is not in the document (added: old; removed: new).
ABSENT: Any = _Absent()


@dataclass(frozen=True)
class ApplyResult:
    """What a write did (or, in a dry run, would do) to one connector."""

    ref: EntityRef
    action: str  # "created" | "updated" | "unchanged"
    version: int
    changes: tuple[FieldChange, ...] = ()

    def to_dict(self, *, dry_run: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": str(self.ref), "action": self.action, "dryRun": dry_run}
        if not dry_run:
            out["version"] = self.version
        if self.action == "updated":
            out["changes"] = [c.to_dict() for c in self.changes]
        return out


def diff_documents(old: Any, new: Any) -> tuple[FieldChange, ...]:
    """Field-by-field changes between two connector documents, in the new one's order.

    Paths are those of validation problems (``spec.credential.region``, ``tags.team``);
    a key that is not a plain word is quoted (``tags["app.kubernetes.io/name"]``). Lists
    are compared whole (``delegateSelectors: [a] -> [a, b]``).
    """
    changes: list[FieldChange] = []
    _diff(_body(old), _body(new), "", changes)
    refs = {p for doc in (old, new) for p in _secret_ref_paths(doc)}
    return tuple(
        FieldChange(c.path, c.old, c.new, secret_ref=True) if c.path in refs else c for c in changes
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


def _diff(old: Any, new: Any, path: str, out: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*new, *(k for k in old if k not in new)]:  # new: canonical order
            _diff(old.get(key, ABSENT), new.get(key, ABSENT), _key_path(path, key), out)
    elif old is ABSENT and isinstance(new, dict):
        for key, value in new.items():
            _diff(ABSENT, value, _key_path(path, key), out)
    elif new is ABSENT and isinstance(old, dict):
        for key, value in old.items():
            _diff(value, ABSENT, _key_path(path, key), out)
    elif old != new or type(old) is not type(new):
        out.append(FieldChange(path, old, new))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _view(row: Any) -> ConnectorView:
    return ConnectorView(
        connector=parse_connector_document(row.document),
        version=row.version,
        last_status=row.last_status,
        last_tested_at=row.last_tested_at,
        last_success_at=row.last_success_at,
    )


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
        scope = outcome.connector.scope if outcome.connector else _scope_of(doc)
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


def _scope_of(doc: Any) -> Scope | None:
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


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it rolls back."""


def apply_yaml(
    ctx: AppContext, text: str, *, mode: str, source: str = "input", dry_run: bool = False
) -> list[ApplyResult]:
    """Write connectors from YAML text, all or nothing.

    ``mode``: "create" refuses existing connectors; "apply" and "import" create what is
    missing and update what differs (the identifier and scope are the key, so immutable).
    ``dry_run`` does every check and write, then rolls the transaction back.
    """
    docs = load_yaml_documents(text, source=source)
    if mode == "create" and len(docs) != 1:
        raise ValidationFailed(
            [
                Problem(
                    "", f"has {len(docs)} documents", allowed="exactly one (use 'import' for many)"
                )
            ],
            what=source,
        )
    connectors = parse_and_check(ctx, docs)
    results: list[ApplyResult] = []

    def write(tx: Any) -> None:
        results.clear()  # a retry after a race starts over on fresh data
        _write(tx, connectors, mode, results)
        if dry_run:
            raise _DryRun

    with contextlib.suppress(_DryRun):
        ctx.db.run(write)
    return results


def _write(tx: Any, connectors: list[Connector], mode: str, results: list[ApplyResult]) -> None:
    """Create what is missing, update what differs; ``results`` says which, in order."""
    for c in connectors:
        document = connector_to_document(c)
        fields = _columns(c)
        existing = tx.connectors.find(
            org=c.scope.org, project=c.scope.project, identifier=c.identifier
        )
        if existing is None:
            row = tx.connectors.create(document=document, **fields)
            results.append(ApplyResult(c.ref, "created", row.version))
        elif mode == "create":
            raise Conflict(
                f"connector {c.ref} already exists",
                hint="use 'awsconn connector apply' to update it",
            )
        elif existing.document == document:
            results.append(ApplyResult(c.ref, "unchanged", existing.version))
        else:
            row = tx.connectors.update(
                document=document, expected_version=existing.version, **fields
            )
            changes = diff_documents(existing.document, document)
            results.append(ApplyResult(c.ref, "updated", row.version, changes))


def _columns(c: Connector) -> dict[str, Any]:
    return {
        "org": c.scope.org,
        "project": c.scope.project,
        "identifier": c.identifier,
        "name": c.name,
        "credential_type": c.credential_type.value,
        "region": c.region,
        "tags": dict(c.tags),
    }


def get(ctx: AppContext, ref: EntityRef) -> ConnectorView:
    with ctx.store.reading() as tx:
        row = tx.connectors.find(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )
        if row is None:
            raise NotFound(
                f"connector {ref} not found in {ref.scope.label()}",
                hint="'awsconn connector list' shows them; a ref is ID, ORG/ID or ORG/PROJECT/ID",
            )
        return _view(row)


def list_connectors(
    ctx: AppContext,
    *,
    scope: Scope | None = None,
    tags: Iterable[str] = (),
    credential_type: str | None = None,
) -> list[ConnectorView]:
    """Connectors, sorted by scope then identifier; ``tags`` entries are KEY or KEY=VALUE."""
    with ctx.db.transaction(write=False) as tx:
        rows = tx.connectors.list(
            org=scope.org if scope else None,
            project=scope.project if scope else None,
            all_scopes=scope is None,
            tag=list(tags),
            credential_type=credential_type,
        )
        views = [_view(r) for r in rows]
    return sorted(views, key=lambda v: (v.connector.scope.sort_key(), v.connector.identifier))


def delete(ctx: AppContext, ref: EntityRef) -> None:
    with ctx.db.transaction() as tx:
        tx.connectors.delete(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier
        )


def export_yaml(ctx: AppContext, *, scope: Scope | None = None) -> str:
    """Every connector as multi-document YAML, deterministic (no timestamps, sorted)."""
    views = list_connectors(ctx, scope=scope)
    if not views:
        return ""
    return dump_connectors_yaml(v.connector for v in views)


def history(ctx: AppContext, ref: EntityRef, *, limit: int = 20) -> list[dict[str, Any]]:
    """Stored connection-test results for a connector, newest first."""
    get(ctx, ref)  # NotFound with the usual message
    with ctx.db.transaction(write=False) as tx:
        rows = tx.connectors.history(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier, limit=limit
        )
        return [dict(r.result) for r in rows]
