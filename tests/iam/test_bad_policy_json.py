"""Malformed policy JSON is bad input (exit 2, naming the field), never an internal
error: nesting 1,000+ deep, huge numbers, wrong types, odd unicode, long strings full
of wildcards. A fuzz test feeds generated documents, texts and cases to parse, lint and
evaluate; each must give a decision, findings, or ValidationFailed/InvalidInput, within
a generous watchdog (pytest-timeout)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awsconn.cli import main
from awsconn.errors import InvalidInput
from awsconn.iam import PolicySet, Request, lint_policy, load_json, parse_policy
from awsconn.iam.cases import parse_cases, run_cases

USER = "arn:aws:iam::123456789012:user/ci"
# The fuzz strategies are large; hypothesis warns when it prints them. Harmless here.
pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")


def deep_text(depth: int, inner: str = "1") -> str:
    return "[" * depth + inner + "]" * depth


def deep_policy_text(depth: int) -> str:
    condition = '{"StringEquals": {"aws:username": ' + deep_text(depth, '"x"') + "}}"
    return (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
        f'"Resource": "*", "Condition": {condition}}}]}}'
    )


@pytest.mark.parametrize("depth", [40, 1_000, 5_000, 100_000])
def test_deep_nesting_is_refused_with_its_path(depth: int) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_policy(deep_policy_text(depth))
    assert "Statement[0].Condition.StringEquals.aws:username[0][0]" in info.value.message
    assert "nested deeper than" in info.value.message
    [finding] = lint_policy(deep_policy_text(depth))
    assert finding.severity == "error" and finding.path.startswith("Statement[0].Condition")


def test_deep_nesting_as_a_python_value() -> None:
    value: Any = "x"
    for _ in range(5_000):
        value = [value]
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": value}],
    }
    with pytest.raises(InvalidInput, match=r"Statement\[0\]\.Resource\[0\]"):
        PolicySet(identity=[doc])


def test_huge_numbers_and_non_string_keys() -> None:
    with pytest.raises(InvalidInput, match="Version"):
        parse_policy({"Version": 10**5000, "Statement": []})
    with pytest.raises(InvalidInput, match="not JSON"):
        parse_policy('{"Version": ' + "1" * 5000 + "}")
    with pytest.raises(InvalidInput, match="keys must be strings"):
        parse_policy({"Version": "2012-10-17", "Statement": [], 3: "x"})


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_cli_refuses_deep_json_everywhere(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    depth: int,
) -> None:
    deep = _file(tmp_path, "deep.json", deep_policy_text(depth))
    bare = _file(tmp_path, "bare.json", deep_text(depth))
    runs = [
        ["policy", "evaluate", "--policy", deep, "--action", "s3:GetObject"],
        ["policy", "evaluate", "--policy", bare, "--action", "s3:GetObject"],
        ["policy", "evaluate", "--scp", deep, "--action", "s3:GetObject"],
        [
            "policy",
            "simulate",
            _file(tmp_path, "cases.json", f'[{{"name": "c", "request": {deep_text(depth)}}}]'),
        ],
        [
            "policy",
            "simulate",
            _file(
                tmp_path,
                "cases.jsonl",
                '{"request": {"action": "s3:GetObject"}}\n' + deep_text(depth),
            ),
        ],
    ]
    for args in runs:
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert "nested deeper than" in err and "internal error" not in err, (args, err)
    case = {
        "request": {"action": "s3:GetObject"},
        "identityPolicies": [json.loads(deep_policy_text(40))],
    }
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(case)))
    assert main(["policy", "simulate", "-"]) == 2
    assert "line 1 is not valid" in (err := capsys.readouterr().err)
    assert "identityPolicies[0].Statement[0].Condition.StringEquals.aws:username[0]" in err
    assert main(["policy", "lint", deep]) == 1
    assert "nested deeper than" in capsys.readouterr().out
    # The permission check's what-if policy files are read the same way.
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))
    assert main(["permissions", "check", "dev", "--for", "s3-read", "--policy-file", deep]) == 2
    err = capsys.readouterr().err
    assert "--policy-file" in err and "nested deeper than" in err


def test_cli_prints_text_stdout_cannot_encode(tmp_path: Path) -> None:
    # A Sid or key with a lone surrogate (valid JSON: "\\ud800") is shown escaped.
    doc = (
        '{"Version": "2012-10-17", "Statement": [{"Sid": "S\\ud800", "Effect": "Allow", '
        '"Action": "s3:GetObject", "Resource": "*", '
        '"Condition": {"StringEquals": {"aws:x\\udfff": "v"}}}]}'
    )
    policy = _file(tmp_path, "p.json", doc)
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from awsconn.cli import main; sys.exit(main())",
            *("policy", "evaluate", "--policy", policy, "--action", "s3:GetObject"),
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "statement S\\ud800" in run.stdout and "internal error" not in run.stderr


# -- fuzz ---------------------------------------------------------------------------

ODD = st.sampled_from(["\ud800", "a\udfffb", "\x00", "\u202e", "é", "𝔘", "${", "${a", "}", ""])
WILD = st.builds(
    lambda n, unit: unit * n, st.integers(1, 3_000), st.sampled_from(["*a", "?", "*:", "${*}", "a"])
)
TEXT = st.one_of(
    st.text(max_size=20), ODD, WILD, st.sampled_from(["*", "s3:*", "arn:aws:s3:::b/*"])
)
NUMBER = st.one_of(
    st.integers(),
    st.floats(),
    st.sampled_from([5_000, 400, 21_000]).map(lambda n: -(10**n) if n == 400 else 10**n),
)
SCALAR = st.one_of(st.none(), st.booleans(), NUMBER, TEXT)
JUNK = st.recursive(
    SCALAR,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(TEXT, kids, max_size=4)),
    max_leaves=12,
)


def _nest(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


DEEP = st.builds(_nest, SCALAR, st.integers(30, 3_000))
ANY = st.one_of(JUNK, DEEP)
OPERATORS = st.sampled_from(
    [
        "StringLike",
        "ArnLike",
        "IpAddress",
        "DateLessThan",
        "NumericEquals",
        "Bool",
        "Null",
        "ForAllValues:StringEquals",
        "ForAnyValue:ArnNotLike",
        "StringEqualz",
        "Foo:Bar",
    ]
)
CONDITION = st.one_of(
    ANY,
    st.dictionaries(OPERATORS, st.one_of(ANY, st.dictionaries(TEXT, ANY, max_size=3)), max_size=3),
)
STATEMENT = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {},
        optional={
            "Effect": st.one_of(st.sampled_from(["Allow", "Deny"]), ANY),
            "Action": st.one_of(TEXT, st.lists(TEXT, max_size=3), ANY),
            "NotAction": st.one_of(TEXT, ANY),
            "Resource": st.one_of(TEXT, st.lists(TEXT, max_size=3), ANY),
            "NotResource": st.one_of(TEXT, ANY),
            "Principal": st.one_of(st.just("*"), ANY),
            "Condition": CONDITION,
            "Sid": st.one_of(TEXT, ANY),
            "Extra": ANY,
        },
    ),
)
DOCUMENT = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {},
        optional={
            "Version": st.one_of(st.sampled_from(["2012-10-17", "2008-10-17"]), ANY),
            "Statement": st.one_of(STATEMENT, st.lists(STATEMENT, max_size=3), ANY),
            "Id": ANY,
        },
    ),
)
REQUEST = st.fixed_dictionaries(
    {},
    optional={
        "action": st.one_of(st.sampled_from(["s3:GetObject", "ec2:DescribeRegions"]), ANY),
        "principal": st.one_of(st.just(USER), ANY),
        "resource": st.one_of(st.just({"resource": "arn:aws:s3:::b/k"}), TEXT, ANY),
        "context": st.one_of(st.dictionaries(TEXT, st.one_of(SCALAR, ANY), max_size=3), ANY),
        "wildcardOnlyAction": ANY,
        "unknownKeys": st.one_of(st.lists(TEXT, max_size=2), ANY),
    },
)
CASE = st.one_of(
    ANY,
    st.fixed_dictionaries(
        {"request": st.one_of(REQUEST, ANY)},
        optional={
            "identityPolicies": st.one_of(st.lists(DOCUMENT, max_size=2), ANY),
            "resourcePolicy": DOCUMENT,
            "serviceControlPolicies": st.one_of(
                st.lists(
                    st.fixed_dictionaries({"policies": st.lists(DOCUMENT, max_size=2)}), max_size=2
                ),
                ANY,
            ),
            "expected": st.one_of(st.just({"response": "Allowed"}), ANY),
        },
    ),
)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _decide(document: Any, resource: str) -> None:
    try:
        ps = PolicySet(identity=[document], boundaries=[document] if resource == "*" else [])
    except InvalidInput:
        return
    for unknown in (frozenset(), frozenset({"aws:username"})):
        decision = ps.evaluate(Request(USER, "s3:GetObject", resource, unknown_keys=unknown))
        decision.to_dict()
        decision.explain()


@pytest.mark.timeout(600)
@FUZZ
@given(
    document=DOCUMENT,
    resource=st.one_of(
        st.sampled_from(["*", "arn:aws:s3:::b/k"]), WILD.map(lambda w: "arn:aws:s3:::" + w)
    ),
)
def test_fuzz_documents(document: Any, resource: str) -> None:
    with contextlib.suppress(InvalidInput):
        parse_policy(document)
    for kind in ("identity", "trust", "scp"):
        for finding in lint_policy(document, kind):  # type: ignore[arg-type]
            str(finding)
    _decide(document, resource)


def _text_of(value: Any) -> str:
    try:
        return json.dumps(value)
    except (RecursionError, ValueError):  # too deep or too large for json itself
        return deep_text(5_000)


TEXTS = st.one_of(
    st.text(max_size=50),
    DOCUMENT.map(_text_of),
    st.builds(deep_policy_text, st.integers(1, 20_000)),
    st.builds(lambda n: '{"Version": ' + "9" * n + "}", st.integers(1, 10_000)),
)


@pytest.mark.timeout(600)
@FUZZ
@given(text=TEXTS)
def test_fuzz_texts(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        load_json(text)
    lint_policy(text)
    _decide(text, "arn:aws:s3:::b/k")


@pytest.mark.timeout(600)
@FUZZ
@given(cases=st.lists(CASE, max_size=3))
def test_fuzz_cases(cases: list[Any]) -> None:
    for line in run_cases(cases):
        assert "error" in line or "result" in line
        json.dumps(line)
    try:
        text = json.dumps(cases)
    except (RecursionError, ValueError):
        return  # the generated value has no JSON text (too deep, a huge number)
    with contextlib.suppress(InvalidInput):
        parse_cases(text)
