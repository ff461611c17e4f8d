"""Harness connector YAML as text: canonical documents out, documents in.

Canonical output (fixed key order, defaults written out, no timestamps) makes
export -> import -> export byte-identical. Loading keeps dates as text and refuses
a key given twice, so what a user wrote is what gets validated.

Loading is bounded, whatever the text: at most ``MAX_YAML_BYTES`` of it, nesting at most
``MAX_YAML_DEPTH`` deep, at most ``MAX_YAML_NODES`` nodes counting every alias as the
nodes it stands for (so an alias "bomb" stops at the budget instead of growing without
end), and every error PyYAML or its constructors raise is bad input naming its line.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.connector import Connector

__all__ = [
    "MAX_YAML_ALIAS_NODES",
    "MAX_YAML_BYTES",
    "MAX_YAML_DEPTH",
    "MAX_YAML_NODES",
    "connector_to_document",
    "dump_connectors_yaml",
    "load_yaml_documents",
]

MAX_YAML_BYTES = 2 * 1024 * 1024
"""The most YAML text read at once (about 3,800 connectors in the canonical form)."""
MAX_YAML_NODES = 250_000
"""YAML nodes in one text, aliases counted as what they stand for (30-50 per connector)."""
MAX_YAML_ALIAS_NODES = 10_000
"""Nodes that aliases may add in one text: anchors are for sharing a few lines."""
MAX_YAML_DEPTH = 64
"""Nesting depth of one document (a connector needs 6)."""


def connector_to_document(connector: Connector) -> dict[str, Any]:
    """The canonical Harness YAML document of a connector (fixed order, defaults explicit)."""
    cred = connector.credential
    credential: dict[str, Any] = {}
    if cred.cross_account is not None:
        cross: dict[str, Any] = {"crossAccountRoleArn": cred.cross_account.role_arn}
        if cred.cross_account.external_id is not None:
            cross["externalId"] = cred.cross_account.external_id
        if cred.cross_account.chain:  # awsconn's extension, written only when set
            cross["chain"] = [
                {"roleArn": hop.role_arn}
                | ({"externalId": hop.external_id} if hop.external_id is not None else {})
                for hop in cred.cross_account.chain
            ]
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
    if cred.oidc is not None:
        oidc: dict[str, Any] = {"iamRoleArn": cred.oidc.iam_role_arn}
        if cred.oidc.audience is not None:
            oidc["audience"] = cred.oidc.audience
        credential["spec"] = oidc
    credential["region"] = cred.region
    spec: dict[str, Any] = {
        "credential": credential,
        "delegateSelectors": list(connector.delegate_selectors),
        "executeOnDelegate": connector.execute_on_delegate,
    }
    # Harness's optional flags, written when set (so documents stored before them and
    # every connector without them keep their canonical form).
    if connector.proxy:
        spec["proxy"] = True
    if connector.ignore_test_connection:
        spec["ignoreTestConnection"] = True
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


def dump_connectors_yaml(connectors: Iterable[Connector], *, harness_only: bool = False) -> str:
    """Multi-document YAML, deterministic: sorted by scope then identifier.

    ``harness_only``: plain Harness YAML, without awsconn's extensions. ``capabilities``
    (what a connector is for, metadata) is left out; a role ``chain`` changes whose
    identity the connector has, so a connector with one is refused (ValidationFailed
    naming each such connector and the field), never exported as another identity.
    """
    ordered = sorted(connectors, key=lambda x: (x.scope.sort_key(), x.identifier))
    docs = [connector_to_document(x) for x in ordered]
    if harness_only:
        docs = _plain_harness(ordered, docs)
    return yaml.dump_all(
        docs, Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True,
        explicit_start=True, width=100,
    )  # fmt: skip


def _plain_harness(connectors: list[Connector], docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    problems = [
        Problem(
            f"{c.ref}: spec.credential.crossAccountAccess.chain",
            "is a role chain, awsconn's extension: Harness's AWS connector has one "
            "cross-account role only, so plain Harness YAML cannot carry this connector",
            allowed="connectors without a chain (awsconn's own YAML keeps the chain)",
        )
        for c in connectors
        if c.credential.cross_account is not None and c.credential.cross_account.chain
    ]
    if problems:
        raise ValidationFailed(problems, what="plain Harness export")
    for doc in docs:
        doc["connector"]["spec"].pop("capabilities", None)
    return docs


class _Loader(yaml.SafeLoader):
    """Safe loading with bounds and two changes of meaning.

    Dates stay text (a description may be "2024-01-01"); a key given twice in one mapping
    is an error instead of silently keeping the last. Composition counts nodes and depth
    (see the module docstring); construction errors of any kind carry the node's line.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0
        self._alias_nodes = 0
        self._weights: dict[yaml.Node, int] = {}  # nodes each composed node stands for
        self.last_mark: yaml.Mark | None = None

    def compose_document(self) -> yaml.Node | None:
        try:
            return super().compose_document()
        finally:
            self._weights.clear()  # anchors do not cross documents

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
        self.last_mark = mark
        if self.check_event(yaml.AliasEvent):
            alias = super().compose_node(parent, index)
            weight = self._weights.get(alias) if alias is not None else None
            if weight is None:
                raise yaml.composer.ComposerError(
                    None, None, "an alias refers to a node that contains it", mark
                )
            self._alias_nodes += weight
            if self._alias_nodes > MAX_YAML_ALIAS_NODES:
                raise yaml.composer.ComposerError(
                    None,
                    None,
                    f"aliases expand to more than {MAX_YAML_ALIAS_NODES} nodes",
                    mark,
                )
            self._add_nodes(weight, mark)
            return alias
        if self._depth >= MAX_YAML_DEPTH:
            raise yaml.composer.ComposerError(
                None, None, f"is nested more than {MAX_YAML_DEPTH} levels deep", mark
            )
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        assert node is not None  # only an alias event can give none
        weight = 1
        if isinstance(node, yaml.SequenceNode):
            weight += sum(self._weights[child] for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            weight += sum(self._weights[k] + self._weights[v] for k, v in node.value)
        self._weights[node] = weight
        self._add_nodes(1, mark)
        return node

    def _add_nodes(self, count: int, mark: yaml.Mark) -> None:
        self._nodes += count
        if self._nodes > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None,
                None,
                f"has more than {MAX_YAML_NODES} YAML nodes (aliases counted as what they "
                "stand for); split it into smaller files",
                mark,
            )

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        self.last_mark = node.start_mark
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
            # e.g. !!int notanint, !!bool maybe, !!timestamp x, an int over 4,300 digits
            raise yaml.constructor.ConstructorError(
                None,
                None,
                _unreadable(node, exc),
                node.start_mark,
            ) from None

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, yaml.MappingNode):  # e.g. !!map [1]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"expected a mapping, found a {getattr(node, 'id', 'value')}",
                node.start_mark,
            )
        self.last_mark = node.start_mark
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    "merge keys (<<) are not supported; write the fields out",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            try:
                duplicate = key in seen
            except TypeError:  # an unhashable key: let the base class say so
                break
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {_short(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str | int | float | None) else type(value).__name__
    return text if len(text) <= 60 else text[:60] + "…"


def _unreadable(node: yaml.Node, exc: Exception) -> str:
    """Why a constructor could not make a value of ``node`` (e.g. ``!!bool maybe``)."""
    tag = node.tag.removeprefix("tag:yaml.org,2002:")
    what = _short(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
    text = f"{what} is not a valid {tag} value"
    if isinstance(exc, ValueError) and "digits" in str(exc):  # int() over 4,300 digits
        text += " (more than 4300 digits)"
    return text


def _too_large(text: str) -> bool:
    # Characters are at most 4 UTF-8 bytes each: encode only when it could matter.
    if len(text) > MAX_YAML_BYTES:
        return True
    return len(text) * 4 > MAX_YAML_BYTES and len(text.encode("utf-8", "surrogatepass")) > (
        MAX_YAML_BYTES
    )


def load_yaml_documents(text: str, *, source: str = "input") -> list[Any]:
    """Every non-empty YAML document in ``text``; anything wrong is bad input naming its line.

    Raises ValidationFailed (exit 2) for text over ``MAX_YAML_BYTES``, syntax errors,
    unsafe or unreadable tags and values, too deep or too large (alias-expanded) input.
    """
    if _too_large(text):
        raise ValidationFailed(
            [Problem("", f"is larger than {MAX_YAML_BYTES} bytes, the most awsconn reads")],
            what=source,
        )
    loader: _Loader | None = None
    docs: list[Any] = []
    try:
        loader = _Loader(text)  # checks every character first
        while loader.check_data():  # type: ignore[no-untyped-call]
            doc = loader.get_data()
            if doc is not None:
                docs.append(doc)
    except yaml.MarkedYAMLError as exc:
        raise _invalid(source, exc.problem_mark, exc.problem or str(exc)) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow in a stream
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        problem = (
            f"{exc.reason} (#x{exc.character:04x})"
            if isinstance(exc.character, int)
            else exc.reason
        )
        raise _invalid(source, None, f"{problem} at line {line}") from None
    except yaml.YAMLError as exc:
        raise _invalid(source, loader and loader.last_mark, str(exc)) from None
    except (RecursionError, ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        # Not expected from the bounded loader above: still bad input, never a crash.
        mark = loader and loader.last_mark
        raise _invalid(source, mark, f"cannot be read ({type(exc).__name__})") from None
    finally:
        if loader is not None:
            loader.dispose()
    if not docs:
        raise ValidationFailed([Problem("", "has no YAML document")], what=source)
    return docs


def _invalid(source: str, mark: Any, problem: str) -> ValidationFailed:
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
    return ValidationFailed([Problem("", f"is not valid YAML{where}: {problem}")], what=source)
