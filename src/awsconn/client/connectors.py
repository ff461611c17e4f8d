"""``client.connectors``: the connector use cases of a server, as the service's models."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from awsconn.client import routes
from awsconn.client.transport import Transport, path_of
from awsconn.client.wire import (
    applied_connector,
    canonical_document,
    connector_detail,
    connector_summary,
    mapping,
    model_of,
    models_of,
    outcome_of_test,
    page_content,
)
from awsconn.errors import Conflict, InvalidInput, NotFound
from awsconn.model import EntityRef, Scope, parse_ref
from awsconn.model.results import (
    AppliedConnector,
    ConnectionTestOutcome,
    ConnectorDetail,
    ConnectorSummary,
    FieldChange,
    HistoryEntry,
    PermissionDiff,
    PermissionReport,
    RegionList,
)

__all__ = ["Connectors", "Diff", "Ref", "ref_of"]

Ref = str | EntityRef
"""A connector (or secret): ``ID``, ``ORG/ID``, ``ORG/PROJECT/ID`` or an EntityRef."""
Diff = Callable[[Mapping[str, Any], Mapping[str, Any]], Iterable[FieldChange]]
"""Field-by-field changes between two canonical connector documents (``{"connector"}``)."""

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


def _filter(tags: Iterable[str], credential_type: str | None) -> dict[str, Any] | None:
    """listV2's ``ConnectorFilterProperties`` for these filters (None: no filter)."""
    tag_filter = _tags(tags)
    if not tag_filter and not credential_type:
        return None
    body: dict[str, Any] = {"filterType": "Connector"}
    if tag_filter:
        body["tags"] = tag_filter
    if credential_type:
        body["credentialTypes"] = [credential_type]
    return body


def _tags(tags: Iterable[str]) -> dict[str, str] | None:
    """``KEY=VALUE`` filters as listV2's ``tags`` object (the API matches both)."""
    out: dict[str, str] = {}
    for tag in tags:
        key, equals, value = tag.partition("=")
        if not equals or not key:
            raise InvalidInput(
                f"tag filter {tag!r} is not KEY=VALUE: the server matches a tag's key and value"
            )
        out[key] = value
    return out or None


class Connectors:
    """Connectors on the server: list, get, apply, delete, test, regions, history, check."""

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
    ) -> tuple[builtins.list[ConnectorSummary], int | None]:
        """One page (``page_index`` from 0) of one scope's connectors, by identifier, and
        how many pages there are."""
        content, pages = self._page(
            _scope(org, project), _filter(tags, credential_type), search, page_index, page_size
        )
        return [connector_summary(item) for item in content], pages

    def _page(
        self,
        scope: Scope | None,
        wanted: dict[str, Any] | None,
        search: str | None,
        page_index: int,
        page_size: int,
    ) -> tuple[builtins.list[Any], int | None]:
        params = {"pageIndex": page_index, "pageSize": page_size, "searchTerm": search}
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
    ) -> Iterator[Any]:
        """Every ``ConnectorResponse`` the filters select, page after page."""
        scope, wanted = _scope(org, project), _filter(tags, credential_type)
        index = 0
        while True:
            content, pages = self._page(scope, wanted, search, index, _PAGE)
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
    ) -> list[ConnectorSummary]:
        """Every connector of one scope (the account unless ``org``/``project``) that the
        filters select, page after page; ``tags`` are ``KEY=VALUE``, all required."""
        found = self._every(org, project, tags, credential_type, search)
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

    # -- writes -----------------------------------------------------------------------

    def create(self, source: str | Mapping[str, Any]) -> builtins.list[AppliedConnector]:
        """Create one connector from its Harness YAML text or document
        (``{"connector": {...}}``); Conflict when it exists."""
        return self.apply(source, mode="create")

    def apply(
        self,
        source: str | Mapping[str, Any],
        *,
        mode: str = "apply",
        diff: Diff | None = None,
    ) -> builtins.list[AppliedConnector]:
        """Create or update a connector from its Harness YAML text or document: what was
        done, as the local ``apply`` reports it (one entry: the server's API writes one
        connector per request, so text with several documents is refused).

        ``mode="apply"`` (or ``"import"``) creates it when missing, else updates it on the
        version read (If-Match: a write in between is a Conflict) and reports
        ``unchanged`` when the server kept the version; ``mode="create"`` refuses an
        existing one. ``diff(old, new)`` (canonical documents) fills an update's
        ``changes`` (the CLI passes the service's own).
        """
        if mode not in ("create", "apply", "import"):
            raise ValueError(f"mode is create, apply or import, not {mode!r}")
        content, content_type, ref = _body_of(source)
        if mode == "create":
            return [self._post(content, content_type)]
        for attempt in (1, 2):  # a create racing ours between the read and the write
            before = self._find(ref)
            if before is None and ref is not None:
                try:
                    return [self._post(content, content_type)]
                except Conflict:
                    if attempt == 2:
                        raise
                    continue
            return [self._put(content, content_type, before, diff)]
        raise AssertionError("unreachable")

    def _find(self, ref: EntityRef | None) -> Mapping[str, Any] | None:
        if ref is None:  # not a valid reference: the write reports the document's problems
            return None
        try:
            return self._read(ref)
        except NotFound:
            return None

    def _post(self, content: bytes, content_type: str) -> AppliedConnector:
        after = self._t.call("POST", routes.CONNECTORS, content=content, content_type=content_type)
        return applied_connector(after, "created")

    def _put(
        self,
        content: bytes,
        content_type: str,
        before: Mapping[str, Any] | None,
        diff: Diff | None,
    ) -> AppliedConnector:
        headers = {"if-match": f'"{before["version"]}"'} if before is not None else None
        after = mapping(
            self._t.call(
                "PUT", routes.CONNECTORS, content=content, content_type=content_type,
                headers=headers,
            ),
            "connector",
        )  # fmt: skip
        if before is not None and after.get("version") == before.get("version"):
            return applied_connector(after, "unchanged")
        changes = None
        if diff is not None and before is not None:
            changes = list(diff(_document(before), _document(after)))
        return applied_connector(after, "updated", changes)

    def _read(self, ref: EntityRef) -> Mapping[str, Any]:
        path = path_of(routes.CONNECTOR, identifier=ref.identifier)
        return mapping(self._t.call("GET", path, scope=ref.scope), "connector")

    def export(self, *, org: str | None = None, project: str | None = None) -> str:
        """The connectors of one scope as multi-document Harness YAML, as ``connector
        export`` writes it (deterministic, no account, no timestamps)."""
        from awsconn.model import dump_connectors_yaml, parse_connector_document

        found = self._every(org, project, (), None, None)
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


def _body_of(source: str | Mapping[str, Any]) -> tuple[bytes, str, EntityRef | None]:
    """What a write sends (YAML text as it is, a document as JSON) and the reference it
    names when it names a valid one (else the server reports the problems)."""
    import json

    from awsconn.model import load_yaml_documents

    if isinstance(source, str):
        docs = load_yaml_documents(source, source="connector")  # the model's bounds
        if len(docs) != 1:
            raise InvalidInput(
                f"the text holds {len(docs)} documents; a server's API writes one connector "
                "per request, so writing several cannot be all or nothing",
                hint="apply one connector at a time",
            )
        document: Any = docs[0]
        content, kind = source.encode("utf-8"), "application/yaml"
    else:
        document = source
        content, kind = json.dumps(source).encode("utf-8"), "application/json"
    return content, kind, _named_ref(document)


def _named_ref(document: Any) -> EntityRef | None:
    body = document.get("connector") if isinstance(document, Mapping) else None
    if not isinstance(body, Mapping):
        return None
    parts = [body.get("orgIdentifier"), body.get("projectIdentifier"), body.get("identifier")]
    if not all(p is None or isinstance(p, str) for p in parts) or not parts[2]:
        return None
    try:
        return parse_ref("/".join(p for p in parts if p))
    except InvalidInput:
        return None


def _document(response: Mapping[str, Any]) -> dict[str, Any]:
    return {"connector": canonical_document(response)}
