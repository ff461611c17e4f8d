"""Harness connector YAML as text: canonical documents out, documents in.

Canonical output (fixed key order, defaults written out, no timestamps) makes
export -> import -> export byte-identical. Loading keeps dates as text and refuses
a key given twice, so what a user wrote is what gets validated.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.connector import Connector

__all__ = ["connector_to_document", "dump_connectors_yaml", "load_yaml_documents"]


def connector_to_document(connector: Connector) -> dict[str, Any]:
    """The canonical Harness YAML document of a connector (fixed order, defaults explicit)."""
    cred = connector.credential
    credential: dict[str, Any] = {}
    if cred.cross_account is not None:
        cross: dict[str, Any] = {"crossAccountRoleArn": cred.cross_account.role_arn}
        if cred.cross_account.external_id is not None:
            cross["externalId"] = cred.cross_account.external_id
        credential["crossAccountAccess"] = cross
    credential["type"] = cred.type.value
    if cred.manual is not None:
        manual: dict[str, Any] = {}
        if cred.manual.access_key is not None:
            manual["accessKey"] = cred.manual.access_key
        if cred.manual.access_key_ref is not None:
            manual["accessKeyRef"] = str(cred.manual.access_key_ref)
        manual["secretKeyRef"] = str(cred.manual.secret_key_ref)
        if cred.manual.session_token_ref is not None:
            manual["sessionTokenRef"] = str(cred.manual.session_token_ref)
        credential["spec"] = manual
    credential["region"] = cred.region
    spec: dict[str, Any] = {
        "credential": credential,
        "delegateSelectors": list(connector.delegate_selectors),
        "executeOnDelegate": connector.execute_on_delegate,
    }
    if connector.backoff is not None:
        b = connector.backoff
        if b.kind == "FixedDelayBackoffStrategy":
            bspec = {"fixedBackoff": b.fixed_backoff, "retryCount": b.retry_count}
        else:
            bspec = {
                "baseDelay": b.base_delay,
                "maxBackoffTime": b.max_backoff_time,
                "retryCount": b.retry_count,
            }
        spec["awsSdkClientBackOffStrategyOverride"] = {"type": b.kind, "spec": bspec}
    if connector.capabilities:
        spec["capabilities"] = list(connector.capabilities)
    body: dict[str, Any] = {
        "name": connector.name,
        "identifier": connector.identifier,
        "description": connector.description,
    }
    if connector.scope.org is not None:
        body["orgIdentifier"] = connector.scope.org
    if connector.scope.project is not None:
        body["projectIdentifier"] = connector.scope.project
    body["tags"] = dict(sorted(connector.tags.items()))
    body["type"] = "Aws"
    body["spec"] = spec
    return {"connector": body}


class _Dumper(yaml.SafeDumper):
    """Block style, lists indented under their key (as Harness writes them)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # With allow_unicode PyYAML writes a NEL (U+0085) raw inside single quotes, where a
    # reader folds it to a space; double quotes escape it as \N and keep the text.
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_connectors_yaml(connectors: Iterable[Connector]) -> str:
    """Multi-document YAML, deterministic: sorted by scope then identifier."""
    ordered = sorted(connectors, key=lambda x: (x.scope.sort_key(), x.identifier))
    docs = [connector_to_document(x) for x in ordered]
    return yaml.dump_all(
        docs, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
        explicit_start=True, width=100,
    )  # fmt: skip


class _Loader(yaml.SafeLoader):
    """Safe loading with two changes: dates stay text (a description may be "2024-01-01"),
    and a key given twice in one mapping is an error instead of silently keeping the last."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: let the base class say so
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_documents(text: str, *, source: str = "input") -> list[Any]:
    """Every non-empty YAML document in ``text``; a syntax error is bad input naming its line."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValidationFailed(
            [Problem("", f"is not valid YAML{where}: {problem}")], what=source
        ) from None
    if not docs:
        raise ValidationFailed([Problem("", "has no YAML document")], what=source)
    return docs
