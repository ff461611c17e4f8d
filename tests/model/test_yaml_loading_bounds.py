"""Reading YAML is bounded and every error is bad input naming its line, never a crash.

Alias "bombs", deep nesting, huge numbers, bad tags and oversized texts: each is a
ValidationFailed (exit 2), found quickly, in bounded memory.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
from yaml_fuzz_cases import CONNECTOR, bomb

from awsconn.errors import ValidationFailed
from awsconn.model import load_yaml_documents, parse_connector
from awsconn.model.yaml_io import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)


def _problem(text: str) -> str:
    with pytest.raises(ValidationFailed) as caught:
        load_yaml_documents(text, source="f.yaml")
    error = caught.value
    assert error.exit_code == 2
    [problem] = error.problems
    assert problem.path == ""
    return problem.message


@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", ["executeOnDelegate", "credential.spec", "retryCount"])
def test_an_alias_bomb_is_refused_at_the_alias_budget(path: str) -> None:
    text = bomb(path)
    assert len(text) < 800
    message = _problem(text)
    assert f"aliases expand to more than {MAX_YAML_ALIAS_NODES} nodes" in message
    assert "at line " in message


def test_a_few_aliases_are_fine() -> None:
    text = "x-shared: &sel [a, b]\n" + CONNECTOR.replace("[d]", "*sel")
    [doc] = load_yaml_documents(text)
    assert doc["connector"]["spec"]["delegateSelectors"] == ["a", "b"]


def test_an_alias_to_its_own_container_is_refused() -> None:
    assert "refers to a node that contains it" in _problem("a: &a [1, *a]\n")
    assert "refers to a node that contains it" in _problem("a: &a {b: *a}\n")


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 500, 5000, 100_000])
def test_deep_nesting_is_refused_naming_the_line(depth: int) -> None:
    assert f"nested more than {MAX_YAML_DEPTH} levels deep" in _problem(
        "a: " + "[" * depth + "]" * depth
    )


def test_deep_block_nesting_is_refused_naming_the_line() -> None:
    text = "".join(" " * i + f"k{i}:\n" for i in range(600)) + " " * 600 + "v\n"
    message = _problem(text)
    assert message.startswith(f"is not valid YAML at line {MAX_YAML_DEPTH},")


def test_nesting_up_to_the_limit_is_read() -> None:
    depth = MAX_YAML_DEPTH - 1
    [doc] = load_yaml_documents("a: " + "[" * depth + "]" * depth)
    assert isinstance(doc["a"], list)


def test_more_nodes_than_the_budget_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert len("a: [" + "1," * MAX_YAML_NODES + "1]\n") < MAX_YAML_BYTES  # reachable
    monkeypatch.setattr("awsconn.model.yaml_io.MAX_YAML_NODES", 1000)  # the same, faster
    assert "more than 1000 YAML nodes" in _problem("a: [" + "1," * 1000 + "1]\n")
    [doc] = load_yaml_documents("a: [" + "1," * 900 + "1]\n")
    assert len(doc["a"]) == 901


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("a: 1\nb: " + "1" * 5000 + "\n", 2, "more than 4300 digits"),
        ("a: !!int notanint\n", 1, "'notanint' is not a valid int value"),
        ("a: !!float x\n", 1, "'x' is not a valid float value"),
        ("a: !!bool maybe\n", 1, "'maybe' is not a valid bool value"),
        ("a: !!timestamp nope\n", 1, "not a valid timestamp value"),
        ("\na: !!map [1]\n", 2, "expected a mapping"),
        ("a: !!set [1]\n", 1, "expected a mapping"),
        ("a: !!omap {b: 1}\n", 1, "expected a sequence"),
        ("a: !!str {b: 1}\n", 1, "expected a scalar"),
        ("a: !!python/name:os.system\n", 1, "could not determine a constructor"),
        ("a: !custom x\n", 1, "could not determine a constructor"),
        ("a: &x {b: 1}\nc: {<<: *x}\n", 2, "merge keys (<<) are not supported"),
        ("a: 1\na: 2\n", 2, "duplicate key 'a'"),
        ("? [1]\n: 2\n", 1, "unhashable"),
    ],
)
def test_constructor_errors_are_bad_input_naming_the_line(text: str, line: int, words: str) -> None:
    message = _problem(text)
    assert f"at line {line}," in message
    assert words in message
    assert len(message) < 300


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x7f", "\ufffe"])
def test_characters_yaml_does_not_allow_are_bad_input_naming_the_line(char: str) -> None:
    message = _problem(f"a: 1\nb: x{char}y\n")
    assert "line 2" in message
    assert char not in message


def test_a_text_over_the_size_limit_is_refused_before_parsing() -> None:
    message = _problem("#" * (MAX_YAML_BYTES + 1))
    assert str(MAX_YAML_BYTES) in message


def test_multi_byte_characters_count_as_bytes() -> None:
    text = "a: '" + "é" * (MAX_YAML_BYTES // 2) + "'\n"  # fewer characters than bytes
    assert len(text) < MAX_YAML_BYTES < len(text.encode())
    assert str(MAX_YAML_BYTES) in _problem(text)


@pytest.mark.parametrize("value", ['"²"', '"٣"', "'1_0'", '"0x10"', '"1e3"', '" 1 2"'])
def test_non_ascii_or_odd_digits_for_a_number_are_a_field_problem(value: str) -> None:
    text = CONNECTOR + (
        "    awsSdkClientBackOffStrategyOverride:\n"
        "      type: FixedDelayBackoffStrategy\n"
        f"      spec: {{fixedBackoff: {value}, retryCount: 1}}\n"
    )
    [doc] = load_yaml_documents(text)
    [problem] = parse_connector(doc).problems
    assert problem.path == "spec.awsSdkClientBackOffStrategyOverride.spec.fixedBackoff"
    assert problem.message == "must be an integer"


# Run in a child process whose address space is capped: a bomb that got through would
# die with MemoryError there instead of taking the machine down.
_BOUNDED_CHILD = textwrap.dedent(
    """
    import json, resource, sys, time
    resource.setrlimit(resource.RLIMIT_AS, (768 * 1024 * 1024, 768 * 1024 * 1024))
    from awsconn.errors import ValidationFailed
    from awsconn.model import load_yaml_documents, parse_connector
    results = []
    for text in json.loads(sys.stdin.read()):
        try:
            docs = load_yaml_documents(text)
            outcome = [parse_connector(d) for d in docs]
            message = "; ".join(str(p) for o in outcome for p in o.problems)
            results.append(["parsed", len(message)])
        except ValidationFailed as exc:
            results.append(["invalid", len(exc.message)])
    print(json.dumps(results))
    """
)


@pytest.mark.timeout(120)
def test_hostile_inputs_stay_within_memory_and_report_briefly() -> None:
    texts = [
        bomb("executeOnDelegate"),
        bomb("credential.spec"),
        bomb("retryCount"),
        "a: " + "[" * 200_000 + "]" * 200_000,
        "a: [" + "[]," * 400_000 + "[]]",
        "a: " + "9" * 1_000_000,
        "a: '" + "x" * (MAX_YAML_BYTES - 10) + "'",
        "a: &a [" + ",".join(["*a"] * 1000) + "]",
        CONNECTOR.replace("name: x", "name: '" + "n" * (MAX_YAML_BYTES - 500) + "'"),
    ]
    done = subprocess.run(
        [sys.executable, "-c", _BOUNDED_CHILD],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert [kind for kind, _ in results] == ["invalid"] * 6 + ["parsed", "invalid", "parsed"]
    assert all(size < 2000 for _, size in results), results
