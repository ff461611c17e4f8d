"""Connector use cases: create, apply, import, get, list, delete, export, history.

Every write validates the whole input first (shape, secret references, capability
names), reports every problem at once, asks the caller for ``connector:edit`` on each
connector's scope, then writes in one transaction: all or nothing. Reads ask for
``connector:view``; listings show only what the caller may see. Results are the models
of :mod:`awsconn.model.results`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from awsconn.errors import Problem, StoreCorrupt, ValidationFailed
from awsconn.model import (
    Connector,
    CredentialType,
    EntityRef,
    Scope,
    connector_to_document,
    dump_connectors_yaml,
    parse_connector,
    parse_connector_document,
    scope_of_settings,
)
from awsconn.model.identifiers import identifier_problem
from awsconn.model.results import (
    AppliedConnector,
    ConnectorDetail,
    ConnectorSummary,
    FieldChange,
    HistoryEntry,
)
from awsconn.service import connector_reads, credential_cache
from awsconn.service.access import Permission
from awsconn.service.audit import AuditTarget, audited
from awsconn.service.connector_reads import StoredConnector
from awsconn.service.connector_template import placeholder_problems
from awsconn.service.context import AppContext

__all__ = [
    "MAX_HISTORY",
    "apply_yaml",
    "columns_of",
    "delete",
    "diff_documents",
    "export_yaml",
    "get",
    "history",
    "list_connectors",
    "parse_and_check",
    "stored_history",
    "summary_of",
]

MAX_HISTORY = 1000
"""The most history entries one request returns."""


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


def apply_yaml(
    ctx: AppContext, text: str, *, mode: str, source: str = "input", dry_run: bool = False
) -> list[AppliedConnector]:
    """Write connectors from YAML text, all or nothing (``connector:edit`` on each scope);
    audited. See :func:`awsconn.service.connector_writes.apply_yaml`."""
    from awsconn.service.connector_writes import apply_yaml as write_yaml

    return write_yaml(ctx, text, mode=mode, source=source, dry_run=dry_run)


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


def get(ctx: AppContext, ref: EntityRef) -> ConnectorDetail:
    """One connector: its canonical document and status (``connector:view``)."""
    ctx.caller.require(Permission.CONNECTOR_VIEW, ref.scope)
    stored = connector_reads.load(ctx, ref)
    return ConnectorDetail(
        connector=connector_to_document(stored.connector)["connector"],
        status=summary_of(stored),
    )


def _credential_type(value: str | None) -> str | None:
    allowed = [t.value for t in CredentialType]
    if value is not None and value not in allowed:
        problem = Problem(
            "type", "is not a credential type", given=value, allowed=", ".join(allowed)
        )
        raise ValidationFailed([problem], what="connector filter")
    return value


def _listed(
    ctx: AppContext,
    org: str | None,
    project: str | None,
    tags: Iterable[str] = (),
    credential_type: str | None = None,
) -> list[StoredConnector]:
    """Connectors of one scope (org/project given: it needs ``connector:view`` there),
    or of every scope the caller may see."""
    scope = scope_of_settings(org, project) if org is not None or project is not None else None
    kind = _credential_type(credential_type)
    ctx.caller.require(Permission.CONNECTOR_VIEW, scope or ctx.caller.scope)
    found = connector_reads.load_all(ctx, scope=scope, tags=tuple(tags), credential_type=kind)
    return [s for s in found if ctx.caller.visible(s.connector.scope)]


def list_connectors(
    ctx: AppContext,
    *,
    org: str | None = None,
    project: str | None = None,
    tags: Iterable[str] = (),
    credential_type: str | None = None,
) -> list[ConnectorSummary]:
    """Connectors, sorted by scope then identifier (``connector:view``).

    ``org`` alone: the org's own connectors; with ``project``: the project's; neither:
    every scope the caller may see. ``tags`` entries are KEY or KEY=VALUE, all required;
    ``credential_type`` one of the credential types.
    """
    return [summary_of(s) for s in _listed(ctx, org, project, tags, credential_type)]


def delete(ctx: AppContext, ref: EntityRef) -> None:
    """Delete a connector and its history (``connector:edit``); audited as
    ``connector.delete`` with the version deleted."""
    with audited(ctx, "connector.delete", AuditTarget.of("connector", ref)) as event:
        ctx.caller.require(Permission.CONNECTOR_EDIT, ref.scope)
        with ctx.db.transaction() as tx:
            org, project, identifier = ref.scope.org, ref.scope.project, ref.identifier
            row = tx.connectors.find(org=org, project=project, identifier=identifier)
            event.version = row.version if row is not None else None
            tx.connectors.delete(org=org, project=project, identifier=identifier)
            event.write(tx)
        credential_cache.forget(ctx, ref)


def export_yaml(
    ctx: AppContext,
    *,
    org: str | None = None,
    project: str | None = None,
    harness_only: bool = False,
) -> str:
    """Every connector the caller may see (or one scope's) as multi-document YAML,
    deterministic (no timestamps, sorted); ``connector:view``. ``harness_only``: plain
    Harness YAML (``model.yaml_io.dump_connectors_yaml``: a role chain is refused)."""
    stored = _listed(ctx, org, project)
    if not stored:
        return ""
    return dump_connectors_yaml((s.connector for s in stored), harness_only=harness_only)


def stored_history(ctx: AppContext, ref: EntityRef, *, limit: int = 20) -> list[HistoryEntry]:
    """The connector's stored connection-test results, newest first (no permission asked:
    for use cases that already asked)."""
    connector_reads.load(ctx, ref)  # NotFound with the usual message
    with ctx.db.transaction(write=False) as tx:
        rows = tx.connectors.history(
            org=ref.scope.org, project=ref.scope.project, identifier=ref.identifier, limit=limit
        )
        stored = [r.result for r in rows]
    try:
        return [HistoryEntry.model_validate(r) for r in stored]
    except ValueError as exc:
        raise StoreCorrupt(
            f"a stored connection test of {ref} has a shape awsconn never writes: {exc}"
        ) from None


def history(ctx: AppContext, ref: EntityRef, *, limit: int = 20) -> list[HistoryEntry]:
    """Stored connection-test results of a connector, newest first (``connector:view``;
    ``limit`` from 1 to 1000)."""
    ctx.caller.require(Permission.CONNECTOR_VIEW, ref.scope)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_HISTORY:
        problem = Problem("limit", "is out of range", given=limit, allowed=f"1 to {MAX_HISTORY}")
        raise ValidationFailed([problem], what="history request")
    return stored_history(ctx, ref, limit=limit)
