"""Generated malformed connector YAML, and the property every input must satisfy.

Used by tests/model/test_yaml_fuzz.py (in a memory-capped child process) and
tests/cli/test_input_limits.py (a few samples through the CLI). The texts start from a
valid connector and break it: random structures, YAML tags, anchors and aliases (bombs
and cycles), deep nesting, huge scalars, control characters, text spliced anywhere.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

from awsconn.errors import ValidationFailed
from awsconn.model import (
    dump_connectors_yaml,
    load_yaml_documents,
    parse_connector,
    parse_connector_document,
)

__all__ = ["CONNECTOR", "VALID", "bomb", "check_connector_text", "laughs", "malformed_yaml"]

VALID = """\
connector:
  name: fuzz
  identifier: fuzz
  description: a connector
  tags:
    team: platform
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIAIOSFODNN7EXAMPLE
        secretKeyRef: account.sk
      crossAccountAccess:
        crossAccountRoleArn: arn:aws:iam::123456789012:role/deploy
        externalId: ext-123
      region: us-east-1
    delegateSelectors:
      - a
    executeOnDelegate: true
    awsSdkClientBackOffStrategyOverride:
      type: FixedDelayBackoffStrategy
      spec:
        fixedBackoff: 10
        retryCount: 3
"""
CONNECTOR = """\
connector:
  name: x
  identifier: x
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [d]
"""


def laughs(levels: int = 9) -> str:
    """Anchors of 9 aliases each, ``levels`` deep: 9**levels nodes once expanded."""
    lines = ['  l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"  l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines)


def bomb(path: str) -> str:
    """A connector whose ``path`` holds a 9**9-node alias bomb, in about 500 bytes."""
    anchors = "x-anchors:\n" + laughs() + "\n"
    body = {
        "executeOnDelegate": CONNECTOR + "    executeOnDelegate: *l8\n",
        "credential.spec": CONNECTOR.replace(
            "      region: us-east-1\n", "      region: us-east-1\n      spec: *l8\n"
        ),
        "retryCount": CONNECTOR
        + "    awsSdkClientBackOffStrategyOverride:\n"
        + "      type: FixedDelayBackoffStrategy\n"
        + "      spec: {fixedBackoff: 1, retryCount: *l8}\n",
    }[path]
    return anchors + body


_LINES = VALID.splitlines()
_VALUE_LINES = [i for i, line in enumerate(_LINES) if line.rstrip().endswith(":") is False]

TAGS = [
    "!!int", "!!float", "!!bool", "!!str", "!!null", "!!map", "!!seq", "!!set", "!!omap",
    "!!pairs", "!!binary", "!!timestamp", "!!merge", "!custom", "!!python/name:os.system",
    "!!python/object/apply:os.system", "!<tag:yaml.org,2002:int>",
]  # fmt: skip
CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\x9b", "\u2028", "\u202e", "\u2066"]

_scalar_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", "~", "null", "yes", "no", "1e999", "-0", "0x1f", "0o17", ".inf", "²", "٣", "1_0"]
    ),
    st.integers().map(str),
    st.builds(
        lambda c, n: c * n,
        st.sampled_from(["9", "x", "[", "{", "&a ", "*a ", "- "]),
        st.integers(1, 20_000),
    ),
)


def _render_scalar(draw: Any) -> str:
    text = draw(_scalar_text)
    style = draw(st.sampled_from(["plain", "single", "double", "escaped"]))
    if style == "plain":
        return text
    if style == "single":
        return "'" + text.replace("'", "''") + "'"
    if style == "double":
        return json.dumps(text, ensure_ascii=False)
    return '"' + "".join(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else ch for ch in text) + '"'


_structures = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=8), inner, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def _fragment(draw: Any) -> str:
    """One YAML value, chosen to stress a different part of the loader each time."""
    kind = draw(
        st.sampled_from(
            ["scalar", "tagged", "structure", "nesting", "bomb", "alias", "control", "huge"]
        )
    )
    if kind == "scalar":
        return _render_scalar(draw)
    if kind == "tagged":
        value = draw(st.one_of(st.just(_render_scalar(draw)), st.sampled_from(["[1]", "{a: 1}"])))
        return f"{draw(st.sampled_from(TAGS))} {value}"
    if kind == "structure":
        return yaml.safe_dump(draw(_structures), default_flow_style=True).strip()
    if kind == "nesting":
        depth = draw(st.integers(1, 3000))
        opener = draw(st.sampled_from(["[", "{a: "]))
        closer = "]" if opener == "[" else "}"
        return opener * depth + closer * draw(st.integers(0, depth))
    if kind == "bomb":
        fan, levels = draw(st.integers(2, 12)), draw(st.integers(1, 12))
        parts = [f"&b0 [{','.join(['x'] * fan)}]"]
        for i in range(1, levels):
            parts.append(f"&b{i} [{','.join([f'*b{i - 1}'] * fan)}]")
        return "[" + ", ".join(parts) + "]"
    if kind == "alias":
        return draw(st.sampled_from(["*nope", "&a [*a]", "&a {k: *a}", "&a x", "*", "&"]))
    if kind == "control":
        chars = draw(st.lists(st.sampled_from(CONTROL), min_size=1, max_size=4))
        return json.dumps("v" + "".join(chars) + "v")  # escaped: reaches the parser
    return draw(st.sampled_from(["x", "9", "a b "])) * draw(st.integers(10_000, 300_000))


@st.composite
def malformed_yaml(draw: Any) -> str:
    """A connector document broken in one to three places."""
    lines = list(_LINES)
    for _ in range(draw(st.integers(1, 3))):
        how = draw(  # weighted: most changes keep the text YAML, so the parser sees them
            st.sampled_from(
                ["value"] * 6 + ["new-key"] * 2 + ["splice", "raw-control", "documents"]
            )
        )
        fragment = draw(_fragment())
        index = draw(st.integers(0, len(lines) - 1))
        if how == "value":
            i = draw(st.sampled_from(_VALUE_LINES))
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {fragment}"
        elif how == "new-key":
            indent = len(lines[index]) - len(lines[index].lstrip())
            key = draw(st.sampled_from(["proxy", "extra", "<<", "? k", "accountIdentifier"]))
            lines.insert(index + 1, " " * indent + f"{key}: {fragment}")
        elif how == "splice":
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + fragment + line[at:]
        elif how == "raw-control":
            line = lines[index]
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(CONTROL)) + line[at:]
        else:
            lines.insert(index, draw(st.sampled_from(["---", "...", "--- !!map", "%YAML 1.1"])))
    return "\n".join(lines) + "\n"


def check_connector_text(text: str) -> str:
    """The property: bad input (ValidationFailed, with a short report) or a connector
    that round-trips; any other exception propagates. Returns "invalid" or "parsed"."""
    try:
        docs = load_yaml_documents(text, source="fuzz.yaml")
    except ValidationFailed as exc:
        _assert_short(exc)
        return "invalid"
    for doc in docs:
        outcome = parse_connector(doc)
        if outcome.connector is None:
            _assert_short(ValidationFailed(outcome.problems, what="connector"))
            continue
        dumped = dump_connectors_yaml([outcome.connector])
        [again] = load_yaml_documents(dumped)
        assert parse_connector_document(again) == outcome.connector
    return "parsed"


def _assert_short(exc: ValidationFailed) -> None:
    assert exc.exit_code == 2
    assert exc.problems
    for problem in exc.problems:
        assert len(str(problem)) < 2500, str(problem)[:300]
    json.dumps(exc.to_dict())
    assert len(exc.message) < 250_000
