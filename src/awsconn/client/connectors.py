"""``client.connectors``: the connector use cases of a server, as the service's models."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from awsconn.client import routes
from awsconn.client.transport import Transport, path_of
from awsconn.client.wire import (
    canonical_document,
    connector_detail,
    connector_summary,
    model_of,
    models_of,
    outcome_of_test,
    page_content,
)
from awsconn.errors import InvalidInput
from awsconn.model import EntityRef, Scope, parse_ref
from awsconn.model.results import (
    AppliedConnector,
    ConnectionTestOutcome,
    ConnectorDetail,
    ConnectorSchedule,
    ConnectorSummary,
    HistoryEntry,
    PermissionDiff,
    PermissionReport,
    RegionList,
)

__all__ = ["Connectors", "Ref", "ref_of"]

Ref = str | EntityRef
"""A connector (or secret): ``ID``, ``ORG/ID``, ``ORG/PROJECT/ID`` or an EntityRef."""

_PAGE = 100


def ref_of(ref: Ref) -> EntityRef:
    return ref if isinstance(ref, EntityRef) else parse_ref(ref)


def named_policy(given: tuple[str, Any]) -> dict[str, Any]:
    """A ``(label, document)`` pair as the API's NamedPolicy."""
    label, document = given
    return {"name": label, "document": document}


def named_policies(given: Iterable[tuple[str, Any]] | None) -> list[dict[str, Any]] | None:
    """``(label, document)`` pairs as the API's NamedPolicy list (None: not given)."""
    return None if given is None else [named_policy(p) for p in given]


def _parameters(values: Mapping[str, str | None] | None) -> dict[str, str] | None:
    if not values:
        return None
    kept = {k: v for k, v in values.items() if v is not None}
    return kept or None


_NOTHING: dict[str, Any] = {}
"""A filter no connector passes (one tag asked for two values): nothing is asked."""


def _filter(tags: Iterable[str], credential_type: str | None) -> dict[str, Any] | None:
    """listV2's ``ConnectorFilterProperties`` for these filters (None: no filter;
    :data:`_NOTHING`: none can match)."""
    values, keys, contradictory = _tags(tags)
    if contradictory:
        return _NOTHING
    if not values and not keys and not credential_type:
        return None
    body: dict[str, Any] = {"filterType": "Connector"}
    if values:
        body["tags"] = values
    if keys:
        body["tagKeys"] = keys
    if credential_type:
        body["credentialTypes"] = [credential_type]
    return body


def _tags(tags: Iterable[str]) -> tuple[dict[str, str], list[str], bool]:
    """``KEY=VALUE`` filters as listV2's ``tags`` object, bare ``KEY`` ones (the tag is
    there, any value) as awsconn's ``tagKeys``, all to hold as on a local store; and
    whether one key is asked for two values (nothing has both)."""
    values: dict[str, str] = {}
    keys: list[str] = []
    contradictory = False
    for tag in tags:
        key, equals, value = tag.partition("=")
        key = key.strip()
        if not key or '"' in key or "\\" in key:
            raise InvalidInput(f"tag filter {tag!r} is not 'key' or 'key=value'")
        if not equals:
            keys.append(key)
        elif values.setdefault(key, value) != value:
            contradictory = True
    return values, keys, contradictory


class Connectors:
    """Connectors on the server: list, get, apply, delete, test, regions, history, schedule,
    check."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Connectors({self._t.url!r})"

    # -- reads ------------------------------------------------------------------------

    def page(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        tags: Iterable[str] = (),
        credential_type: str | None = None,
        search: str | None = None,
        page_index: int = 0,
        page_size: int = _PAGE,
        all_scopes: bool = False,
    ) -> tuple[builtins.list[ConnectorSummary], int | None]:
        """One page (``page_index`` from 0) of one scope's connectors, by identifier (with
        ``all_scopes``, that scope's and every scope's inside it, by scope: without
        ``org``, every scope the token may see), and how many pages there are."""
        content, pages = self._page(
            _scope(org, project),
            _filter(tags, credential_type),
            search,
            page_index,
            page_size,
            all_scopes,
        )
        return [connector_summary(item) for item in content], pages

    def _page(
        self,
        scope: Scope | None,
        wanted: dict[str, Any] | None,
        search: str | None,
        page_index: int,
        page_size: int,
        all_scopes: bool,
    ) -> tuple[builtins.list[Any], int | None]:
        if wanted is _NOTHING:
            return [], 0
        params = {
            "pageIndex": page_index,
            "pageSize": page_size,
            "searchTerm": search,
            "allScopes": True if all_scopes else None,
        }
        if wanted is not None:
            data = self._t.call(
                "POST", routes.CONNECTORS_LIST_V2, scope=scope, params=params, body=wanted
            )
        else:
            data = self._t.call("GET", routes.CONNECTORS, scope=scope, params=params)
        return page_content(data, "connector list")

    def _every(
        self,
        org: str | None,
        project: str | None,
        tags: Iterable[str],
        credential_type: str | None,
        search: str | None,
        all_scopes: bool,
    ) -> Iterator[Any]:
        """Every ``ConnectorResponse`` the filters select, page after page."""
        scope, wanted = _scope(org, project), _filter(tags, credential_type)
        index = 0
        while True:
            content, pages = self._page(scope, wanted, search, index, _PAGE, all_scopes)
            yield from content
            index += 1
            if not content or pages is None or index >= pages:
                return

    def list(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        tags: Iterable[str] = (),
        credential_type: str | None = None,
        search: str | None = None,
        all_scopes: bool = False,
    ) -> list[ConnectorSummary]:
        """Every connector of one scope (the account unless ``org``/``project``) that the
        filters select, page after page, by identifier; with ``all_scopes``, of that scope
        and every scope inside it (without ``org``: every scope the token may see), by
        scope then identifier. ``tags`` are ``KEY=VALUE`` or ``KEY``, all required."""
        found = self._every(org, project, tags, credential_type, search, all_scopes)
        return [connector_summary(item) for item in found]

    def get(self, ref: Ref) -> ConnectorDetail:
        r = ref_of(ref)
        data = self._t.call(
            "GET", path_of(routes.CONNECTOR, identifier=r.identifier), scope=r.scope
        )
        return connector_detail(data)

    def history(self, ref: Ref, *, limit: int = 20) -> builtins.list[HistoryEntry]:
        """Stored connection-test results, newest first."""
        r = ref_of(ref)
        data = self._t.call(
            "GET",
            path_of(routes.CONNECTOR_HISTORY, identifier=r.identifier),
            scope=r.scope,
            params={"limit": limit},
        )
        return models_of(HistoryEntry, data, "history")

    def schedule(self, ref: Ref) -> ConnectorSchedule:
        """When the server's monitor next tests the connector, and how often."""
        r = ref_of(ref)
        data = self._t.call(
            "GET", path_of(routes.CONNECTOR_SCHEDULE, identifier=r.identifier), scope=r.scope
        )
        return model_of(ConnectorSchedule, data, "schedule")

    # -- writes -----------------------------------------------------------------------

    def set_test_interval(self, ref: Ref, minutes: int | None) -> ConnectorSchedule:
        """The connector's own test interval in minutes (None: the monitor's default)."""
        r = ref_of(ref)
        data = self._t.call(
            "PUT",
            path_of(routes.CONNECTOR_SCHEDULE, identifier=r.identifier),
            scope=r.scope,
            body={"testInterval": minutes},
        )
        return model_of(ConnectorSchedule, data, "schedule")

    def create(
        self, source: str | Mapping[str, Any], *, dry_run: bool = False
    ) -> builtins.list[AppliedConnector]:
        """Create one connector from its Harness YAML text or document
        (``{"connector": {...}}``); Conflict when it exists."""
        return self.apply(source, mode="create", dry_run=dry_run)

    def apply(
        self,
        source: str | Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        mode: str = "apply",
        dry_run: bool = False,
    ) -> builtins.list[AppliedConnector]:
        """Write connectors from Harness YAML text (one or more documents) or documents
        (``{"connector": {...}}``, one or a list), all or nothing, as the local ``apply``
        does: what was done to each, updates with their changes field by field.

        ``mode``: ``apply`` (or ``import``) creates what is missing and updates what
        differs; ``create`` writes one new connector (Conflict when it exists).
        ``dry_run``: every check, nothing stored; the answer says what would change.
        """
        if mode not in ("create", "apply", "import"):
            raise ValueError(f"mode is create, apply or import, not {mode!r}")
        content, content_type = _body_of(source)
        data = self._t.call(
            "POST",
            routes.CONNECTORS_APPLY,
            params={"mode": mode, "dryRun": dry_run},
            content=content,
            content_type=content_type,
        )
        return models_of(AppliedConnector, data, "connector apply")

    def export(self, *, org: str | None = None, project: str | None = None) -> str:
        """The connectors of one scope (neither ``org`` nor ``project``: of every scope the
        token may see) as multi-document Harness YAML, as ``connector export`` writes it
        (deterministic, no account, no timestamps)."""
        from awsconn.model import dump_connectors_yaml, parse_connector_document

        found = self._every(org, project, (), None, None, org is None and project is None)
        connectors = [
            parse_connector_document({"connector": canonical_document(item)}) for item in found
        ]
        connectors.sort(key=lambda c: (c.scope.sort_key(), c.identifier))
        return dump_connectors_yaml(connectors) if connectors else ""

    def delete(self, ref: Ref) -> None:
        r = ref_of(ref)
        self._t.call("DELETE", path_of(routes.CONNECTOR, identifier=r.identifier), scope=r.scope)

    # -- the connector's AWS identity -------------------------------------------------

    def test(
        self,
        ref: Ref,
        *,
        capabilities: Sequence[str] | None = None,
        timeout: float | None = None,
    ) -> ConnectionTestOutcome:
        """Test it on the server, or on a delegate the server hands it to (GetCallerIdentity,
        DescribeRegions, then the permission check of ``capabilities``, default those it
        records); a failed test is an outcome with status FAILURE, not an error.
        ``timeout``: the test's own, in seconds (the server's default: 30)."""
        r = ref_of(ref)
        path = path_of(routes.CONNECTOR_TEST, identifier=r.identifier)
        params: dict[str, Any] = {}
        if capabilities is not None:
            params["capabilities"] = ",".join(capabilities)
        if timeout is not None:
            params["timeout"] = timeout
        wait = (timeout if timeout is not None else 30.0) + 60.0  # a delegate may run it
        data = self._t.call("POST", path, scope=r.scope, params=params, timeout=wait)
        return outcome_of_test(data)

    def regions(self, ref: Ref, *, timeout: float = 30.0) -> RegionList:
        r = ref_of(ref)
        data = self._t.call(
            "GET",
            path_of(routes.CONNECTOR_REGIONS, identifier=r.identifier),
            scope=r.scope,
            params={"timeout": timeout},
            timeout=timeout + 30,
        )
        return model_of(RegionList, data, "regions")

    def check(
        self,
        ref: Ref,
        capabilities: Sequence[str] | None = None,
        *,
        parameters: Mapping[str, str | None] | None = None,
        policies: Iterable[tuple[str, Any]] | None = None,
        scps: Iterable[tuple[str, Any]] | None = None,
        resource_policy: tuple[str, Any] | None = None,
        use_simulator: bool = True,
    ) -> PermissionReport:
        """Does the connector's identity have what ``capabilities`` need (default: those
        it records)? ``policies``: what-if, only these documents as its principal's."""
        r = ref_of(ref)
        body: dict[str, Any] = {"useSimulator": use_simulator}
        optional = {
            "capabilities": list(capabilities) if capabilities is not None else None,
            "parameters": _parameters(parameters),
            "policies": named_policies(policies) or None,
            "scps": named_policies(scps) or None,
            "resourcePolicy": named_policy(resource_policy) if resource_policy else None,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        data = self._t.call(
            "POST",
            path_of(routes.CONNECTOR_CHECK, identifier=r.identifier),
            scope=r.scope,
            body=body,
        )
        return model_of(PermissionReport, data, "permission check")

    def diff(
        self,
        ref: Ref,
        capabilities: Sequence[str],
        *,
        what_if: Iterable[tuple[str, Any]],
        parameters: Mapping[str, str | None] | None = None,
        scps: Iterable[tuple[str, Any]] | None = None,
        use_simulator: bool = True,
    ) -> PermissionDiff:
        """Which uses a new policy set gains or loses, against the connector's identity."""
        r = ref_of(ref)
        body: dict[str, Any] = {
            "capabilities": list(capabilities),
            "whatIf": named_policies(what_if),
            "useSimulator": use_simulator,
        }
        if params := _parameters(parameters):
            body["parameters"] = params
        if scps:
            body["scps"] = named_policies(scps)
        data = self._t.call(
            "POST",
            path_of(routes.CONNECTOR_DIFF, identifier=r.identifier),
            scope=r.scope,
            body=body,
        )
        return model_of(PermissionDiff, data, "permission diff")


def _scope(org: str | None, project: str | None) -> Scope | None:
    if org is None and project is None:
        return None
    from awsconn.model import scope_of_settings

    return scope_of_settings(org, project)


def _body_of(
    source: str | Mapping[str, Any] | Sequence[Mapping[str, Any]],
) -> tuple[bytes, str]:
    """What a write sends: YAML text as it is (the server reads it with the same bounds
    and line numbers), documents as JSON."""
    import json

    if isinstance(source, str):
        return source.encode("utf-8"), "application/yaml"
    body = dict(source) if isinstance(source, Mapping) else [dict(d) for d in source]
    return json.dumps(body).encode("utf-8"), "application/json"
