"""The commands' backend on an awsconn server: the same methods as the local one, through
:mod:`awsconn.client`, returning the same result models.

Where the server's API cannot do what the local command does (a dry run, several
documents at once, a filter the API has no field for), the command says so and exits 2
instead of doing something else: the messages name the option and the API's limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from awsconn.cli.remote import Remote, here_refused
from awsconn.errors import DelegateUnavailable, InvalidInput, Problem, ValidationFailed

if TYPE_CHECKING:
    from awsconn.client import Client
    from awsconn.model import EntityRef
    from awsconn.model.results import (
        AppliedConnector,
        AuditPage,
        ConnectionTestOutcome,
        ConnectorDetail,
        ConnectorSummary,
        DelegateInfo,
        HistoryEntry,
        PermissionDiff,
        PermissionReport,
        RegionList,
        SecretMetadata,
        TokenInfo,
    )

__all__ = ["RemoteBackend", "not_on_a_server"]

Policies = Sequence[tuple[str, Any]]


def not_on_a_server(remote: Remote, what: str, why: str, hint: str) -> InvalidInput:
    """``what`` (an option or a form) cannot be done through the server's API (exit 2)."""
    return InvalidInput(
        f"{what} is not available against the server at {remote.url}: {why}", hint=hint
    )


class RemoteBackend:
    """The server at ``remote.url``; one client (one connection pool) per command."""

    def __init__(self, remote: Remote, client: Client | None = None) -> None:
        self.remote: Remote | None = remote
        self._remote = remote
        self._client = client

    @property
    def client(self) -> Client:
        if self._client is None:
            from awsconn.client.client import connect

            self._client = connect(self._remote.url, self._remote.token)
        return self._client

    def _no_here(self, here: bool) -> None:
        if here:
            raise here_refused(self._remote)

    # -- connectors -------------------------------------------------------------------

    def apply_yaml(
        self, text: str, *, mode: str, source: str, dry_run: bool
    ) -> list[AppliedConnector]:
        from awsconn.model import load_yaml_documents

        if dry_run:
            raise not_on_a_server(
                self._remote,
                "--dry-run",
                "its API writes or refuses, it has no dry run",
                "check the file on a local store ('awsconn logout'), or write it for real",
            )
        docs = load_yaml_documents(text, source=source)  # the model's bounds and line numbers
        if len(docs) != 1:
            raise not_on_a_server(
                self._remote,
                f"writing {len(docs)} documents at once",
                "its API writes one connector per request, so all-or-nothing cannot hold",
                "give one connector per file",
            )
        from awsconn.service.connectors import diff_documents

        try:
            return self.client.connectors.apply(text, mode=mode, diff=diff_documents)
        except ValidationFailed as exc:
            raise _as_local_input(exc) from None

    def export_yaml(self, *, org: str | None, project: str | None) -> str:
        return self.client.connectors.export(org=org, project=project)

    def get_connector(self, ref: EntityRef) -> ConnectorDetail:
        return self.client.connectors.get(ref)

    def list_connectors(
        self,
        *,
        org: str | None,
        project: str | None,
        tags: Sequence[str],
        credential_type: str | None,
    ) -> list[ConnectorSummary]:
        bare = [t for t in tags if "=" not in t]
        if bare:
            raise not_on_a_server(
                self._remote,
                f"--tag {bare[0]} (a key without a value)",
                "its API matches tags by key and value",
                "give --tag KEY=VALUE",
            )
        from awsconn.service.connectors import _credential_type  # the service's rule, words

        return self.client.connectors.list(
            org=org, project=project, tags=tags, credential_type=_credential_type(credential_type)
        )

    def delete_connector(self, ref: EntityRef) -> None:
        self.client.connectors.delete(ref)

    def test_connector(
        self, ref: EntityRef, *, capabilities: list[str] | None, here: bool, timeout: float
    ) -> ConnectionTestOutcome:
        self._no_here(here)
        return self.client.connectors.test(ref, capabilities=capabilities, timeout=timeout)

    def test_all(
        self,
        *,
        capabilities: list[str] | None,
        here: bool,
        concurrency: int,
        timeout: float,
        on_start: Callable[[int], None] | None,
        on_outcome: Callable[[ConnectionTestOutcome], None] | None,
    ) -> list[ConnectionTestOutcome]:
        """Every connector of the account scope, ``concurrency`` tests at a time on the
        server; as locally, ``ignoreTestConnection`` ones are NOT_TESTED and ones no
        delegate can run SKIPPED, each shown as it ends, all returned in listing order."""
        self._no_here(here)
        summaries = self.client.connectors.list()
        if on_start is not None:
            on_start(len(summaries))
        lock = threading.Lock()

        def one(summary: ConnectorSummary) -> ConnectionTestOutcome:
            outcome = self._test_one(summary, capabilities, timeout)
            if on_outcome is not None:
                with lock:  # one line at a time, as the local runner hands them over
                    on_outcome(outcome)
            return outcome

        workers = max(1, min(concurrency, len(summaries)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, summaries))

    def _test_one(
        self, summary: ConnectorSummary, capabilities: list[str] | None, timeout: float
    ) -> ConnectionTestOutcome:
        from awsconn.model.results import ConnectionTestOutcome, Failure
        from awsconn.service.connectivity import _NOT_TESTED_MESSAGE  # the service's words

        if summary.ignore_test_connection:
            return ConnectionTestOutcome(
                connector=summary.ref,
                status="NOT_TESTED",
                reason="ignoreTestConnection",
                message=_NOT_TESTED_MESSAGE,
            )
        try:
            return self.client.connectors.test(
                summary.ref, capabilities=capabilities, timeout=timeout
            )
        except DelegateUnavailable as exc:
            failure = Failure(code=exc.code, message=exc.message, hint=exc.hint or "")
            return ConnectionTestOutcome(connector=summary.ref, status="SKIPPED", errors=[failure])

    def regions(self, ref: EntityRef, *, here: bool, timeout: float) -> RegionList:
        self._no_here(here)
        return self.client.connectors.regions(ref, timeout=timeout)

    def history(self, ref: EntityRef, *, limit: int) -> list[HistoryEntry]:
        return self.client.connectors.history(ref, limit=limit)

    # -- secrets ----------------------------------------------------------------------

    def create_secret(self, ref: EntityRef, value: bytes, *, description: str) -> SecretMetadata:
        return self.client.secrets.create(ref, value, description=description)

    def update_secret(
        self, ref: EntityRef, value: bytes, *, description: str | None
    ) -> SecretMetadata:
        return self.client.secrets.update(ref, value, description=description)

    def list_secrets(
        self, *, org: str | None, project: str | None, all_scopes: bool
    ) -> list[SecretMetadata]:
        if all_scopes:
            raise not_on_a_server(
                self._remote,
                "--all",
                "its API lists the secrets of one scope",
                "list each scope: --org ORG [--project PROJECT]",
            )
        return self.client.secrets.list(org=org, project=project)

    def delete_secret(self, ref: EntityRef, *, force: bool) -> None:
        self.client.secrets.delete(ref, force=force)

    # -- tokens and the audit log -----------------------------------------------------

    def create_token(
        self,
        *,
        name: str,
        role: str,
        scope: str | None,
        access: bool,
        expires: str,
        description: str | None,
    ) -> Any:
        from awsconn.model.clock import utc_now
        from awsconn.service.token_values import expiry_of

        expires_at = expiry_of(expires, now=utc_now())  # the service's rule and messages
        if expires_at is None:
            raise not_on_a_server(
                self._remote,
                "--expires never",
                "its API makes tokens that expire",
                "give a time, at most 365d ahead; renew the token before it expires",
            )
        return self.client.tokens.create(
            name, role, scope=scope, access=access, expires_at=expires_at, description=description
        )

    def list_tokens(self, *, include_ended: bool) -> list[TokenInfo]:
        if include_ended:
            raise not_on_a_server(
                self._remote,
                "--all",
                "its API lists live tokens only",
                "leave out --all; the audit log records every token revoked",
            )
        return self.client.tokens.list()

    def revoke_token(self, *, name: str | None, token_id: str | None) -> TokenInfo:
        """By id, or by the name of a live token listed in the account scope; the info
        answered is the token as listed, marked revoked (the API answers no time)."""
        from awsconn.errors import NotFound
        from awsconn.model import Scope
        from awsconn.service.token_values import check_name, check_token_id

        if name is not None:
            check_name(name)  # the service's rules and words
        if token_id is not None:
            check_token_id(token_id)
        live = self.client.tokens.list()
        found = [t for t in live if (t.id == token_id if token_id else t.name == name)]
        if not found:
            wanted = f"named {name!r}" if name is not None else f"with id {token_id!r}"
            raise NotFound(f"no live API token {wanted} in {Scope().label()}")
        info = found[0]
        self.client.tokens.revoke(info.id)
        return info.model_copy(update={"status": "revoked"})

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
        given = {"--since": since, "--until": until, "--actor": actor, "--action": action,
                 "--target": target, "--cursor": cursor}  # fmt: skip
        options = [flag for flag, value in given.items() if value is not None]
        if options:
            raise not_on_a_server(
                self._remote,
                ", ".join(options),
                "its API pages the audit log newest first without filters",
                "leave them out (--limit N shows the newest N), or filter the -o json output",
            )
        return self.client.audit.page(page_index=0, page_size=limit)

    # -- permissions and credentials --------------------------------------------------

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
        self._no_here(here)
        return self.client.connectors.check(
            ref,
            capabilities,
            parameters=parameters,
            policies=policy_files or None,
            scps=scps or None,
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
        self._no_here(here)
        return self.client.connectors.diff(
            ref,
            capabilities,
            what_if=new_policies,
            parameters=parameters,
            scps=scps or None,
            use_simulator=use_simulator,
        )

    def exec_environment(
        self, ref: EntityRef, base: dict[str, str], *, here: bool, timeout: float
    ) -> dict[str, str]:
        """``base`` with the connector's credentials from the server and its region, as
        the local command builds it (the service's own ``_with_credentials``)."""
        from awsconn.model import parse_connector_document
        from awsconn.service.connection import _with_credentials

        self._no_here(here)
        connector = parse_connector_document(
            {"connector": self.client.connectors.get(ref).connector}
        )
        creds = self.client.credentials(ref, timeout=timeout)
        return _with_credentials(base, creds.wire(), connector)

    # -- delegates ----------------------------------------------------------------------

    def create_delegate_token(self, *, name: str, expires: str) -> Any:
        from awsconn.model.clock import utc_now
        from awsconn.service.token_values import check_name, expiry_of

        check_name(name)  # the service's rules and words
        expires_at = expiry_of(expires, now=utc_now())
        return self.client.delegates.tokens.create(name, expires_at=expires_at)

    def list_delegate_tokens(self, *, include_ended: bool) -> list[TokenInfo]:
        return self.client.delegates.tokens.list(include_ended=include_ended)

    def revoke_delegate_token(self, *, name: str) -> TokenInfo:
        from awsconn.service.token_values import check_name

        check_name(name)
        return self.client.delegates.tokens.revoke(name)

    def list_delegates(self, *, connected_only: bool) -> list[DelegateInfo]:
        return self.client.delegates.list(connected=connected_only)


_BODY = "connector."


def _as_local_input(exc: ValidationFailed) -> ValidationFailed:
    """A write's problems as the local store reports them: the API places them under the
    body's ``connector.``; the file's document has them at the top (``spec...``)."""
    if not exc.problems or not all(p.path.startswith(_BODY) for p in exc.problems):
        return exc
    moved = [Problem(p.path[len(_BODY) :], p.message, p.given, p.allowed) for p in exc.problems]
    local = ValidationFailed(moved, what="connector input")
    local.hint = exc.hint
    return local
