"""The commands' backend on an awsconn server: the same methods as the local one, through
:mod:`awsconn.client`, returning the same result models.

Where the server cannot do what the local command does (``--here``: the server decides
where work runs), the command says so and exits 2 instead of doing something else: the
message names the option and why.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from awsconn.cli.remote import Remote, here_refused
from awsconn.errors import DelegateUnavailable, ValidationFailed

if TYPE_CHECKING:
    from awsconn.client import Client
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

__all__ = ["RemoteBackend"]

Policies = Sequence[tuple[str, Any]]


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
        from awsconn.service.connector_writes import check_count

        docs = load_yaml_documents(text, source=source)  # the model's bounds, the file's lines
        check_count(docs, mode=mode, source=source)  # the service's rule, naming the file
        return self.client.connectors.apply(text, mode=mode, dry_run=dry_run)

    def export_yaml(
        self, *, org: str | None, project: str | None, harness_only: bool = False
    ) -> str:
        text = self.client.connectors.export(org=org, project=project)
        if not harness_only or not text:
            return text
        from awsconn.model import dump_connectors_yaml, load_yaml_documents
        from awsconn.model import parse_connector_document as parse

        docs = load_yaml_documents(text)
        return dump_connectors_yaml((parse(d) for d in docs), harness_only=True)

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
        from awsconn.service.connectors import _credential_type  # the service's rule, words

        found = self.client.connectors.list(
            org=org,
            project=project,
            tags=tags,
            credential_type=_credential_type(credential_type),
            all_scopes=org is None and project is None,  # as locally: every scope
        )
        return _in_local_order(found)

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
        """Every connector the token may see, ``concurrency`` tests at a time on the
        server; as locally, ``ignoreTestConnection`` ones are NOT_TESTED and ones no
        delegate can run SKIPPED, each shown as it ends, all returned in listing order."""
        self._no_here(here)
        summaries = _in_local_order(self.client.connectors.list(all_scopes=True))
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
            outcome = self.client.connectors.test(
                summary.ref, capabilities=capabilities, timeout=timeout
            )
        except DelegateUnavailable as exc:
            failure = Failure(code=exc.code, message=exc.message, hint=exc.hint or "")
            return ConnectionTestOutcome(connector=summary.ref, status="SKIPPED", errors=[failure])
        if [e.code for e in outcome.errors or ()] == [DelegateUnavailable.code]:
            # the server's FAILURE "no delegate can run it" (no test ran): in a run over
            # every connector the local store calls that SKIPPED, not a failed test
            return ConnectionTestOutcome(
                connector=summary.ref, status="SKIPPED", errors=outcome.errors
            )
        return outcome

    def regions(self, ref: EntityRef, *, here: bool, timeout: float) -> RegionList:
        self._no_here(here)
        return self.client.connectors.regions(ref, timeout=timeout)

    def history(self, ref: EntityRef, *, limit: int) -> list[HistoryEntry]:
        return self.client.connectors.history(ref, limit=limit)

    def schedule(self, ref: EntityRef) -> ConnectorSchedule:
        return self.client.connectors.schedule(ref)

    def set_test_interval(self, ref: EntityRef, minutes: int | None) -> ConnectorSchedule:
        return self.client.connectors.set_test_interval(ref, minutes)

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
        from awsconn.model import Scope

        found = self.client.secrets.list(org=org, project=project, all_scopes=all_scopes)
        return sorted(found, key=lambda m: (Scope(m.org, m.project).sort_key(), m.identifier))

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
        return self.client.tokens.create(
            name, role, scope=scope, access=access, expires=expires, description=description
        )  # the server reads --expires with the service's rules and words

    def list_tokens(self, *, include_ended: bool) -> list[TokenInfo]:
        return self.client.tokens.list(include_ended=include_ended)

    def revoke_token(self, *, name: str | None, token_id: str | None) -> TokenInfo:
        """By id, or by the name of a live token (of every scope the account's listing
        holds, as locally); the server answers the token as revoked."""
        from awsconn.errors import NotFound
        from awsconn.model import Scope
        from awsconn.service.token_values import check_name, check_token_id, token_problems

        if pasted := token_problems(name=name, id=token_id):
            raise ValidationFailed(pasted, what="token")
        if name is not None:
            check_name(name)  # the service's rules and words
            live = [t for t in self.client.tokens.list() if t.name == name]
            if not live:
                raise NotFound(f"no live API token named {name!r} in {Scope().label()}")
            token_id = live[0].id
        assert token_id is not None
        check_token_id(token_id)
        return self.client.tokens.revoke(token_id)

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
        return self.client.audit.list(
            limit=limit,
            cursor=cursor,
            since=since,
            until=until,
            actor=actor,
            action=action,
            target=target,
        )

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
        self, ref: EntityRef, base: dict[str, str], *, here: bool, timeout: float, cache: bool
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

    def credential_feed(
        self, ref: EntityRef, *, here: bool, timeout: float
    ) -> tuple[Callable[[], dict[str, Any]], str]:
        """Fresh credentials from the server at each call (a server never caches), and
        the connector's region."""
        from awsconn.model import parse_connector_document

        self._no_here(here)
        region = parse_connector_document(
            {"connector": self.client.connectors.get(ref).connector}
        ).region

        def fetch() -> dict[str, Any]:
            return dict(self.client.credentials(ref, timeout=timeout).wire())

        return fetch, region

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


def _in_local_order(found: list[ConnectorSummary]) -> list[ConnectorSummary]:
    """Connectors as the local listing orders them: by scope, then identifier (the
    server's database may collate text otherwise)."""
    from awsconn.model import Scope

    return sorted(found, key=lambda c: (Scope(c.org, c.project).sort_key(), c.identifier))
