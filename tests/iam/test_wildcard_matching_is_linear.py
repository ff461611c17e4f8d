"""Wildcards are matched in time linear in the text, with AWS's ARN segment rules intact.

A security review found ``arn:aws:s3:::*a*a*a*a*a*a*a*a*b`` against a long ``aaaa...``
resource taking 109 s (backtracking regexes); so did StringLike/ArnLike conditions and
action patterns. The guards below are pytest-timeout watchdogs, not timing assertions.
The semantics are pinned against a plain reference matcher: ``*`` and ``?`` stay inside
an ARN segment in the first five segments, except (Resource element only) a ``*`` that
ends a segment, which may span colons ("IAM JSON policy elements: Resource").
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsconn.cli import main
from awsconn.iam import PolicySet, Request, expand_actions, lint_policy
from awsconn.iam.globs import compile_glob, covers, intersects
from awsconn.iam.variables import QMARK, STAR, Token

USER = "arn:aws:iam::123456789012:user/ci"
EVIL = "*a" * 50 + "*b"  # 50 wildcards and a tail that never matches
LONG = "a" * 10_000


def reference(tokens: list[Token], text: str, *, arn: bool, resource: bool) -> bool:
    """The documented semantics, by exhaustive memoised search (small inputs only)."""
    kinds: list[tuple[str, Any]] = []
    colons = 0
    for i, tok in enumerate(tokens):
        if tok == STAR:
            spans = not arn or colons >= 5
            if not spans and resource:
                nxt = tokens[i + 1] if i + 1 < len(tokens) else None
                spans = nxt is None or (isinstance(nxt, str) and nxt.startswith(":"))
            kinds.append(("star", spans))
        elif tok == QMARK:
            kinds.append(("one", not arn or colons >= 5))
        else:
            assert isinstance(tok, str)
            colons += tok.count(":")
            kinds.extend(("lit", c) for c in tok)

    @cache
    def go(i: int, j: int) -> bool:
        if i == len(kinds):
            return j == len(text)
        kind, value = kinds[i]
        if kind == "star":
            if go(i + 1, j):
                return True
            return j < len(text) and (value or text[j] != ":") and go(i, j + 1)
        if j == len(text):
            return False
        if kind == "one":
            return (value or text[j] != ":") and go(i + 1, j + 1)
        return text[j] == value and go(i + 1, j + 1)

    return go(0, 0)


TOKENS = st.lists(st.sampled_from([STAR, QMARK, "a", "b", ":", "ab", "a:", ":b", "/"]), max_size=9)
TEXTS = st.text(alphabet="ab:/", max_size=12)


@settings(max_examples=3000, deadline=None)
@given(tokens=TOKENS, text=TEXTS, arn=st.booleans(), resource=st.booleans())
def test_matching_agrees_with_the_reference(
    tokens: list[Token], text: str, arn: bool, resource: bool
) -> None:
    glob = compile_glob(tokens, arn=arn, resource=resource)
    assert glob.fullmatch(text) == reference(tokens, text, arn=arn, resource=resource)


@settings(max_examples=1500, deadline=None)
@given(prefix=st.text(alphabet="ab:", max_size=6), tokens=TOKENS, text=TEXTS)
def test_arn_shaped_patterns_agree_with_the_reference(
    prefix: str, tokens: list[Token], text: str
) -> None:
    # Five colons up front, so later wildcards are in the resource part; and mixed
    # segment-end stars before them (the shape that needs the automaton).
    full: list[Token] = ["arn:", STAR, ":", *tokens, prefix]
    for candidate in ("arn:" + text, "arn:x:" + text):
        assert compile_glob(full, arn=True, resource=True).fullmatch(candidate) == reference(
            full, candidate, arn=True, resource=True
        )


GLOBS = st.text(alphabet="ab*?", max_size=5)


def _brute_intersects(a: str, b: str) -> bool:
    words = {""}
    for _ in range(len(a) + len(b)):
        words |= {w + c for w in words for c in "ab"}
    ga, gb = (compile_glob(tokens_of(x), arn=False) for x in (a, b))
    return any(ga.fullmatch(w) and gb.fullmatch(w) for w in words)


def tokens_of(text: str) -> list[Token]:
    return [STAR if c == "*" else QMARK if c == "?" else c for c in text]


@settings(max_examples=500, deadline=None)
@given(a=GLOBS, b=GLOBS)
def test_intersects_agrees_with_brute_force(a: str, b: str) -> None:
    # A word as long as both globs together witnesses any intersection (the prefix,
    # both middles, the suffix).
    assert intersects(a, b) == _brute_intersects(a, b)


@pytest.mark.timeout(20)
def test_resource_with_fifty_wildcards_on_a_10kb_resource() -> None:
    ps = PolicySet(
        identity=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{EVIL}",
                    },
                    {
                        "Effect": "Deny",
                        "Action": "s3:GetObject",
                        "NotResource": f"arn:aws:s3:::{EVIL}",
                    },
                ],
            }
        ]
    )
    d = ps.evaluate(Request(USER, "s3:GetObject", f"arn:aws:s3:::{LONG}"))
    assert d.result == "ExplicitlyDenied"
    # The same pattern in the first segments (segment-restricted wildcards), and as a
    # pattern request (covers / intersects).
    ps = PolicySet(
        identity=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:{EVIL}:{EVIL}:x/{EVIL}",
                    },
                ],
            }
        ]
    )
    assert not ps.evaluate(
        Request(USER, "s3:GetObject", f"arn:aws:s3:{LONG}:{LONG}:x/{LONG}")
    ).allowed
    assert ps.evaluate(Request(USER, "s3:GetObject", f"arn:aws:s3:{LONG}:*:x/{LONG}*")).result
    assert not covers(EVIL, LONG) and intersects(EVIL, LONG + "*b")


@pytest.mark.timeout(20)
def test_mixed_segment_wildcards_on_a_10kb_resource() -> None:
    # A segment-end * (spans colons) before a mid-segment one: the automaton's shape.
    pattern = "arn:aws:*:" + "us-*-1:" * 25 + "x"
    ps = PolicySet(
        identity=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": pattern},
                ],
            }
        ]
    )
    assert not ps.evaluate(
        Request(USER, "s3:GetObject", "arn:aws:s3:" + "us-a:" * 2000 + "y")
    ).allowed


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("operator", "key", "value", "request_value"),
    [
        ("StringLike", "s3:prefix", EVIL, LONG),
        ("StringNotLike", "s3:prefix", EVIL, LONG),
        (
            "ArnLike",
            "aws:SourceArn",
            f"arn:aws:sns:{EVIL}:1:{EVIL}",
            f"arn:aws:sns:{LONG}:1:{LONG}",
        ),
        ("ForAllValues:StringLike", "aws:TagKeys", EVIL, [LONG, LONG]),
    ],
)
def test_condition_globs_on_a_10kb_value(
    operator: str, key: str, value: str, request_value: Any
) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {operator: {key: value}},
            }
        ],
    }
    d = PolicySet(identity=[doc]).evaluate(
        Request(USER, "s3:GetObject", "arn:aws:s3:::b/k", context={key: request_value})
    )
    assert d.allowed == ("Not" in operator)


@pytest.mark.timeout(20)
def test_action_patterns_on_a_long_action(tmp_path: Path) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": f"s3:{EVIL}", "Resource": "*"}],
    }
    assert (
        not PolicySet(identity=[doc])
        .evaluate(Request(USER, f"s3:{LONG}", "arn:aws:s3:::b/k"))
        .allowed
    )
    assert expand_actions(EVIL) == []
    assert main(["policy", "expand", "*a" * 40 + "*q"]) == 1
    f = tmp_path / "p.json"
    f.write_text(json.dumps(doc))
    assert main(["policy", "lint", str(f)]) == 0


@pytest.mark.timeout(20)
def test_lint_of_long_resources() -> None:
    # A 2,000-character Resource (was a RecursionError in intersects).
    for resource in (
        "arn:aws:s3:::" + "a*" * 1000,
        "arn:aws:s3:::" + "a" * 2000,
        "arn:aws:s3:::*" + "?" * 2000,
    ):
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource}],
        }
        assert [f for f in lint_policy(doc) if f.severity == "error"] == []
