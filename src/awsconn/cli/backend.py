"""The one seam between a command and where it runs: the local store or a server.

A command asks :func:`backend` once and calls one method; both backends take the same
arguments and return the same result models, so each command body is that call and its
rendering, and ``-o json`` is the same document either way. :class:`LocalBackend` calls
the service with the process's AppContext; ``cli/remote_backend.py`` the server through
:mod:`awsconn.client`. Where a server is configured (``cli/remote.py``), commands that only
make sense on a local store say so and exit 2 (:func:`local_only`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from awsconn.cli.process import build_context
from awsconn.cli.remote import Remote, resolve
from awsconn.errors import InvalidInput

if TYPE_CHECKING:
    from awsconn.model import EntityRef
    from awsconn.model.results import (
        AppliedConnector,
        AuditPage,
        ConnectionTestOutcome,
        ConnectorDetail,
        ConnectorSchedule,
        ConnectorSummary,
        DelegateInfo,
        HistoryEntry,
        PermissionDiff,
        PermissionReport,
        RegionList,
        SecretMetadata,
        TokenInfo,
    )
    from awsconn.service.context import AppContext

__all__ = ["Backend", "LocalBackend", "backend", "local_only", "remote_of"]

Policies = Sequence[tuple[str, Any]]
OnOutcome = Callable[["ConnectionTestOutcome"], None]


class IssuedToken(Protocol):
    """A token just made: the text, shown once, and its info."""

    @property
    def token(self) -> str: ...
    @property
    def info(self) -> TokenInfo: ...
    def wire(self) -> dict[str, Any]: ...


class Backend(Protocol):
    """What the commands call; each method is one use case, returning its result model."""

    remote: Remote | None

    def apply_yaml(
        self, text: str, *, mode: str, source: str, dry_run: bool
    ) -> list[AppliedConnector]: ...
    def export_yaml(
        self, *, org: str | None, project: str | None, harness_only: bool = False
    ) -> str: ...
    def get_connector(self, ref: EntityRef) -> ConnectorDetail: ...
    def list_connectors(
        self,
        *,
        org: str | None,
        project: str | None,
        tags: Sequence[str],
        credential_type: str | None,
    ) -> list[ConnectorSummary]: ...
    def delete_connector(self, ref: EntityRef) -> None: ...
    def test_connector(
        self, ref: EntityRef, *, capabilities: list[str] | None, here: bool, timeout: float
    ) -> ConnectionTestOutcome: ...
    def test_all(
        self,
        *,
        capabilities: list[str] | None,
        here: bool,
        concurrency: int,
        timeout: float,
        on_start: Callable[[int], None] | None,
        on_outcome: OnOutcome | None,
    ) -> list[ConnectionTestOutcome]: ...
    def regions(self, ref: EntityRef, *, here: bool, timeout: float) -> RegionList: ...
    def history(self, ref: EntityRef, *, limit: int) -> list[HistoryEntry]: ...
    def schedule(self, ref: EntityRef) -> ConnectorSchedule: ...
    def set_test_interval(self, ref: EntityRef, minutes: int | None) -> ConnectorSchedule: ...
    def create_secret(
        self, ref: EntityRef, value: bytes, *, description: str
    ) -> SecretMetadata: ...
    def update_secret(
        self, ref: EntityRef, value: bytes, *, description: str | None
    ) -> SecretMetadata: ...
    def list_secrets(
        self, *, org: str | None, project: str | None, all_scopes: bool
    ) -> list[SecretMetadata]: ...
    def delete_secret(self, ref: EntityRef, *, force: bool) -> None: ...
    def create_token(
        self,
        *,
        name: str,
        role: str,
        scope: str | None,
        access: bool,
        expires: str,
        description: str | None,
    ) -> IssuedToken: ...
    def list_tokens(self, *, include_ended: bool) -> list[TokenInfo]: ...
    def revoke_token(self, *, name: str | None, token_id: str | None) -> TokenInfo: ...
    def list_audit(
        self,
        *,
        since: str | None,
        until: str | None,
        actor: str | None,
        action: str | None,
        target: str | None,
        limit: int,
        cursor: str | None,
    ) -> AuditPage: ...
    def check_connector(
        self,
        ref: EntityRef,
        capabilities: list[str] | None,
        *,
        parameters: Mapping[str, str | None],
        here: bool,
        policy_files: Policies,
        scps: Policies,
        resource_policy: tuple[str, Any] | None,
        use_simulator: bool,
    ) -> PermissionReport: ...
    def diff_connector(
        self,
        ref: EntityRef,
        capabilities: list[str],
        *,
        new_policies: Policies,
        parameters: Mapping[str, str | None],
        here: bool,
        scps: Policies,
        use_simulator: bool,
    ) -> PermissionDiff: ...
    def exec_environment(
        self, ref: EntityRef, base: dict[str, str], *, here: bool, timeout: float, cache: bool
    ) -> dict[str, str]: ...
    def credential_feed(
        self, ref: EntityRef, *, here: bool, timeout: float
    ) -> tuple[Callable[[], dict[str, Any]], str]: ...
    def create_delegate_token(self, *, name: str, expires: str) -> IssuedToken: ...
    def list_delegate_tokens(self, *, include_ended: bool) -> list[TokenInfo]: ...
    def revoke_delegate_token(self, *, name: str) -> TokenInfo: ...
    def list_delegates(self, *, connected_only: bool) -> list[DelegateInfo]: ...


def remote_of(environ: Mapping[str, str] | None = None) -> Remote | None:
    """The server this command line talks to (None: the local store)."""
    return resolve(os.environ if environ is None else environ)


def backend() -> Backend:
    """Where this command runs, decided once: a server if one is configured, else the
    local store."""
    remote = remote_of()
    if remote is None:
        return LocalBackend()
    from awsconn.cli.remote_backend import RemoteBackend

    return RemoteBackend(remote)


def local_only(what: str) -> None:
    """Refuse ``what`` (a command) when a server is configured: it works on the local
    store, which a server's user does not hold (exit 2)."""
    remote = remote_of()
    if remote is not None:
        raise InvalidInput(
            f"'awsconn {what}' works on a local store only; this command line talks to the "
            f"server at {remote.url} (configured by {remote.source})",
            hint="run it on the server's host against its store, or use the local store "
            "here: 'awsconn logout' (or unset AWSCONN_URL and AWSCONN_TOKEN)",
        )


class LocalBackend:
    """The service, in this process, on the local store (the caller: its owner)."""

    remote: Remote | None = None

    def __init__(self, ctx: AppContext | None = None) -> None:
        self._ctx = ctx

    @property
    def ctx(self) -> AppContext:
        if self._ctx is None:
            self._ctx = build_context()
        return self._ctx

    def apply_yaml(
        self, text: str, *, mode: str, source: str, dry_run: bool
    ) -> list[AppliedConnector]:
        from awsconn.service import connectors

        return connectors.apply_yaml(self.ctx, text, mode=mode, source=source, dry_run=dry_run)

    def export_yaml(
        self, *, org: str | None, project: str | None, harness_only: bool = False
    ) -> str:
        from awsconn.service import connectors

        return connectors.export_yaml(self.ctx, org=org, project=project, harness_only=harness_only)

    def get_connector(self, ref: EntityRef) -> ConnectorDetail:
        from awsconn.service import connectors

        return connectors.get(self.ctx, ref)

    def list_connectors(
        self,
        *,
        org: str | None,
        project: str | None,
        tags: Sequence[str],
        credential_type: str | None,
    ) -> list[ConnectorSummary]:
        from awsconn.service import connectors

        return connectors.list_connectors(
            self.ctx, org=org, project=project, tags=tags, credential_type=credential_type
        )

    def delete_connector(self, ref: EntityRef) -> None:
        from awsconn.service import connectors

        connectors.delete(self.ctx, ref)

    def test_connector(
        self, ref: EntityRef, *, capabilities: list[str] | None, here: bool, timeout: float
    ) -> ConnectionTestOutcome:
        from awsconn.service import connectivity

        return connectivity.run_connector_test(
            self.ctx, ref, capabilities=capabilities, here=here, timeout_s=timeout
        )

    def test_all(
        self,
        *,
        capabilities: list[str] | None,
        here: bool,
        concurrency: int,
        timeout: float,
        on_start: Callable[[int], None] | None,
        on_outcome: OnOutcome | None,
    ) -> list[ConnectionTestOutcome]:
        from awsconn.service import connectivity

        return connectivity.run_all_tests(
            self.ctx,
            capabilities=capabilities,
            here=here,
            concurrency=concurrency,
            timeout_s=timeout,
            on_start=on_start,
            on_outcome=on_outcome,
        )

    def regions(self, ref: EntityRef, *, here: bool, timeout: float) -> RegionList:
        from awsconn.service import connectivity

        return connectivity.list_regions(self.ctx, ref, here=here, timeout_s=timeout)

    def history(self, ref: EntityRef, *, limit: int) -> list[HistoryEntry]:
        from awsconn.service import connectors

        return connectors.history(self.ctx, ref, limit=limit)

    def schedule(self, ref: EntityRef) -> ConnectorSchedule:
        from awsconn.service import monitoring

        return monitoring.schedule_of(self.ctx, ref)

    def set_test_interval(self, ref: EntityRef, minutes: int | None) -> ConnectorSchedule:
        from awsconn.service import monitoring

        return monitoring.set_test_interval(self.ctx, ref, minutes)

    def create_secret(self, ref: EntityRef, value: bytes, *, description: str) -> SecretMetadata:
        from awsconn.service import secrets

        return secrets.create(self.ctx, ref, value, description=description)

    def update_secret(
        self, ref: EntityRef, value: bytes, *, description: str | None
    ) -> SecretMetadata:
        from awsconn.service import secrets

        return secrets.update(self.ctx, ref, value, description=description)

    def list_secrets(
        self, *, org: str | None, project: str | None, all_scopes: bool
    ) -> list[SecretMetadata]:
        from awsconn.service import secrets

        return secrets.list_secrets(self.ctx, org=org, project=project, all_scopes=all_scopes)

    def delete_secret(self, ref: EntityRef, *, force: bool) -> None:
        from awsconn.service import secrets

        secrets.delete(self.ctx, ref, force=force)

    def create_token(
        self,
        *,
        name: str,
        role: str,
        scope: str | None,
        access: bool,
        expires: str,
        description: str | None,
    ) -> IssuedToken:
        from awsconn.service import tokens

        return tokens.create_token(
            self.ctx,
            name=name,
            role=role,
            scope=scope,
            access=access,
            expires=expires,
            description=description,
        )

    def list_tokens(self, *, include_ended: bool) -> list[TokenInfo]:
        from awsconn.service import tokens

        return tokens.list_tokens(self.ctx, include_ended=include_ended)

    def revoke_token(self, *, name: str | None, token_id: str | None) -> TokenInfo:
        from awsconn.service import tokens

        return tokens.revoke_token(self.ctx, name=name, token_id=token_id)

    def list_audit(
        self,
        *,
        since: str | None,
        until: str | None,
        actor: str | None,
        action: str | None,
        target: str | None,
        limit: int,
        cursor: str | None,
    ) -> AuditPage:
        from awsconn.service import audit

        now = self.ctx.clock()
        return audit.list_audit(
            self.ctx,
            since=_moment(audit.moment_of, since, "since", now),
            until=_moment(audit.moment_of, until, "until", now),
            actor=actor,
            action=action,
            target=target,
            limit=limit,
            cursor=cursor,
        )

    def check_connector(
        self,
        ref: EntityRef,
        capabilities: list[str] | None,
        *,
        parameters: Mapping[str, str | None],
        here: bool,
        policy_files: Policies,
        scps: Policies,
        resource_policy: tuple[str, Any] | None,
        use_simulator: bool,
    ) -> PermissionReport:
        from awsconn.service.connector_permissions import check_connector

        return check_connector(
            self.ctx,
            ref,
            capabilities,
            parameters=dict(parameters),
            here=here,
            policy_files=policy_files,
            scps=scps,
            resource_policy=resource_policy,
            use_simulator=use_simulator,
        )

    def diff_connector(
        self,
        ref: EntityRef,
        capabilities: list[str],
        *,
        new_policies: Policies,
        parameters: Mapping[str, str | None],
        here: bool,
        scps: Policies,
        use_simulator: bool,
    ) -> PermissionDiff:
        from awsconn.service.connector_permissions import diff_connector

        return diff_connector(
            self.ctx,
            ref,
            capabilities,
            new_policies=new_policies,
            parameters=dict(parameters),
            here=here,
            scps=scps,
            use_simulator=use_simulator,
        )

    def exec_environment(
        self, ref: EntityRef, base: dict[str, str], *, here: bool, timeout: float, cache: bool
    ) -> dict[str, str]:
        from awsconn.service import connection

        return connection.exec_environment(
            self.ctx, ref, base, here=here, timeout_s=timeout, cache=cache
        )

    def credential_feed(
        self, ref: EntityRef, *, here: bool, timeout: float
    ) -> tuple[Callable[[], dict[str, Any]], str]:
        from awsconn.service import connection

        return connection.credential_feed(self.ctx, ref, here=here, timeout_s=timeout)

    def create_delegate_token(self, *, name: str, expires: str) -> IssuedToken:
        from awsconn.service import tokens

        return tokens.create_delegate_token(self.ctx, name=name, expires=expires)

    def list_delegate_tokens(self, *, include_ended: bool) -> list[TokenInfo]:
        from awsconn.service import tokens
        from awsconn.service.token_values import TokenKind

        return tokens.list_tokens(self.ctx, kind=TokenKind.DELEGATE, include_ended=include_ended)

    def revoke_delegate_token(self, *, name: str) -> TokenInfo:
        from awsconn.service import tokens
        from awsconn.service.token_values import TokenKind

        return tokens.revoke_token(self.ctx, name=name, kind=TokenKind.DELEGATE)

    def list_delegates(self, *, connected_only: bool) -> list[DelegateInfo]:
        from awsconn.service import delegates

        return delegates.list_delegates(self.ctx, connected_only=connected_only)


def _moment(
    parse: Callable[..., datetime], text: str | None, setting: str, now: datetime
) -> datetime | None:
    return None if text is None else parse(text, setting=setting, now=now)
