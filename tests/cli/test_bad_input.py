"""Bad input anywhere in the CLI: exit 2, a message naming what is wrong, never a traceback."""

from __future__ import annotations

import pytest
from cli_fixtures import Runner

BAD = [
    ("connector", "create", "-f", "/nonexistent"),
    ("connector", "create", "-f", "/tmp"),
    ("connector", "import", "-f", "/bin/ls"),
    ("connector", "get", "a/b/c/d"),
    ("connector", "get", "9bad"),
    ("connector", "test"),
    ("connector", "test", "x", "--all"),
    ("connector", "test", "x", "--timeout", "0"),
    ("connector", "list", "--type", "Foo"),
    ("connector", "list", "--project", "p"),
    ("connector", "list", "-o", "xml"),
    ("connector", "list", "--bogus"),
    ("secret", "create", "9bad"),
    ("secret", "delete", "nope", "--yes"),
    ("policy", "evaluate", "--policy", "/bin/ls", "--action", "s3:GetObject", "--resource", "*"),
    ("policy", "simulate", "/bin/ls"),
    ("policy", "lint", "/nonexistent"),
    ("permissions", "policy", "--for", "nope"),
    ("permissions", "policy", "--for", "s3-read", "--bucket", "bad bucket"),
    ("permissions", "trust-policy", "--trusted-principal", "notanarn"),
    ("credentials", "nope"),
    ("exec", "nope", "--", "true"),
    ("no-such-command",),
]


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a))
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    cli: Runner, argv: tuple[str, ...]
) -> None:
    r = cli(*argv)
    assert r.code == 2, r.text
    assert r.err.strip()
    assert "Traceback" not in r.text
    assert "internal error" not in r.text


def test_a_connector_document_that_is_not_yaml_names_its_line(cli: Runner) -> None:
    r = cli("connector", "create", "-f", "-", input="connector:\n  name: [unclosed\n")
    assert r.code == 2
    assert "not valid YAML at line" in r.err


@pytest.mark.parametrize("command", ["create", "update"])
def test_a_secret_value_given_as_an_argument_is_refused_without_echoing_it(
    cli: Runner, command: str
) -> None:
    value = "CANARY-arg-s3cr3t-91f0"
    if command == "update":
        assert cli("secret", "create", "k", input="old-value").code == 0
    r = cli("secret", command, "k", value)
    assert r.code == 2
    assert value not in r.text
    assert "stdin" in r.err and "--value-file" in r.err
    assert "Traceback" not in r.text
    rows = cli("secret", "list", "-o", "json").out
    assert ('"version": 1' in rows) if command == "update" else rows.strip() == "[]"


@pytest.mark.parametrize("argv", [("connector", "list"), ("secret", "list")])
def test_an_unusable_awsconn_home_is_a_clear_error_not_an_internal_one(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path, argv: tuple[str, ...]
) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("AWSCONN_HOME", str(blocker / "home"))
    r = cli(*argv)
    assert r.code != 0
    assert "internal error" not in r.text
    assert "AWSCONN_HOME" in r.err
    assert str(blocker / "home") in r.err


def test_with_json_output_an_error_is_also_a_json_object_on_stdout(cli: Runner) -> None:
    import json

    r = cli("connector", "test", "nope", "-o", "json")
    assert r.code == 2
    error = json.loads(r.out)["error"]
    assert error["code"] == "NOT_FOUND"
    assert "connector nope not found" in error["message"]
    assert "hint" in error
    r = cli("connector", "get", "9bad", "--output=json")
    assert r.code == 2
    assert json.loads(r.out)["error"]["problems"][0]["path"] == "REF"
