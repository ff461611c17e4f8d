"""Unbounded and malformed input through the CLI: exit 2 with a short message, never an
"internal error", never reading on without end (/dev/zero), never echoing a huge value."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_fixtures import Runner
from hypothesis import HealthCheck, given, settings

from awsconn.model.yaml_io import MAX_YAML_BYTES
from awsconn.service.secrets import MAX_SECRET_BYTES

sys.path.insert(0, str(Path(__file__).parents[1] / "model"))
from yaml_fuzz_cases import CONNECTOR, bomb, malformed_yaml


def _bad_input(r) -> None:  # type: ignore[no-untyped-def]
    assert r.code == 2, r.text[-2000:]
    assert "internal error" not in r.text
    assert "Traceback" not in r.text
    assert len(r.err) < 20_000


@pytest.mark.timeout(60)
@pytest.mark.parametrize("command", ["create", "import"])
def test_dev_zero_as_a_connector_file_is_refused_at_the_limit(cli: Runner, command: str) -> None:
    r = cli("connector", command, "-f", "/dev/zero")
    _bad_input(r)
    assert f"larger than {MAX_YAML_BYTES} bytes" in r.err


def test_a_file_one_byte_over_the_limit_is_refused(cli: Runner, tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_YAML_BYTES + 1))
    r = cli("connector", "import", "-f", str(big))
    _bad_input(r)
    assert f"larger than {MAX_YAML_BYTES} bytes" in r.err
    big.write_bytes(b"#" * MAX_YAML_BYTES)  # at the limit: read, and found empty
    r = cli("connector", "import", "-f", str(big))
    _bad_input(r)
    assert "has no YAML document" in r.err


def test_stdin_over_the_limit_is_refused(cli: Runner) -> None:
    r = cli("connector", "apply", "-f", "-", input=b"#" * (MAX_YAML_BYTES + 10))
    _bad_input(r)
    assert f"stdin is larger than {MAX_YAML_BYTES} bytes" in r.err


@pytest.mark.timeout(60)
def test_a_secret_value_from_dev_zero_is_refused_without_reading_it_all(cli: Runner) -> None:
    r = cli("secret", "create", "big", "--value-file", "/dev/zero")
    _bad_input(r)
    assert f"larger than {MAX_SECRET_BYTES} bytes" in r.err
    assert cli("secret", "list", "-o", "json").out.strip() == "[]"


@pytest.mark.parametrize(
    ("size", "ok"),
    [(MAX_SECRET_BYTES, True), (MAX_SECRET_BYTES + 1, False), (10 * MAX_SECRET_BYTES, False)],
)
def test_the_secret_size_limit_is_exact(cli: Runner, size: int, ok: bool) -> None:
    r = cli("secret", "create", "s", input=b"v" * size + b"\r\n")
    if ok:
        assert r.code == 0, r.err
    else:
        _bad_input(r)
        assert f"value: is larger than {MAX_SECRET_BYTES} bytes" in r.err


MALFORMED = {
    "alias bomb in executeOnDelegate": bomb("executeOnDelegate"),
    "alias bomb in credential.spec": bomb("credential.spec"),
    "alias bomb in retryCount": bomb("retryCount"),
    "nesting 600 deep": "a: " + "[" * 600 + "]" * 600,
    "integer of 5000 digits": CONNECTOR + "    proxy: " + "1" * 5000 + "\n",
    "!!int notanint": CONNECTOR + "    proxy: !!int notanint\n",
    "!!float": CONNECTOR + "    proxy: !!float nope\n",
    "!!bool maybe": CONNECTOR + "    proxy: !!bool maybe\n",
    "!!map [1]": CONNECTOR + "    proxy: !!map [1]\n",
    "fixedBackoff ²": CONNECTOR
    + "    awsSdkClientBackOffStrategyOverride:\n      type: FixedDelayBackoffStrategy\n"
    + '      spec: {fixedBackoff: "²", retryCount: 1}\n',
    "escape sequence in a name": CONNECTOR.replace("name: x", 'name: "\\e[2J\\e]0;pwned\\a"'),
    "huge field": CONNECTOR.replace("name: x", "name: " + "n" * 1_000_000),
    "OidcAuthentication": CONNECTOR.replace("InheritFromDelegate", "OidcAuthentication"),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_yaml_is_bad_input_naming_where(cli: Runner, text: str) -> None:
    r = cli("connector", "create", "-f", "-", input=text)
    _bad_input(r)
    assert "\x1b" not in r.text
    assert len(r.err) < 3000
    assert cli("connector", "list", "-o", "json").out.strip() == "[]"


def test_oidc_without_its_role_is_bad_input_naming_the_spec(cli: Runner) -> None:
    r = cli("connector", "create", "-f", "-", input=MALFORMED["OidcAuthentication"])
    _bad_input(r)
    assert "spec.credential.spec: is required for OidcAuthentication" in r.err


@pytest.mark.timeout(240)
@settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(text=malformed_yaml())
def test_generated_malformed_yaml_through_the_cli(cli: Runner, text: str) -> None:
    r = cli("connector", "import", "--dry-run", "-f", "-", input=text)
    assert r.code in (0, 2), r.text[-2000:]
    assert "internal error" not in r.text and "Traceback" not in r.text


# --- --org / --project are identifiers --------------------------------------------------------

BAD_SCOPES = [
    ("connector", "list", "--org", "bad org"),
    ("connector", "list", "--org", "eng", "--project", "9web"),
    ("connector", "list", "--org", ""),
    ("connector", "export", "--org", "a\x1b]0;x\x07"),
    ("connector", "export", "--org", "eng", "--project", "class"),
    ("secret", "list", "--org", "x" * 200),
    ("secret", "list", "--project", "web"),
    ("secret", "create", "k", "--org", "has space"),
    ("secret", "delete", "k", "--org", "eng", "--project", "bad-project", "--yes"),
]


@pytest.mark.parametrize("argv", BAD_SCOPES, ids=lambda a: " ".join(a)[:40])
def test_scope_options_are_checked_like_identifiers(cli: Runner, argv: tuple[str, ...]) -> None:
    r = cli(*argv, input="value")
    _bad_input(r)
    assert any(s in r.err for s in ("org:", "project:", "--project needs --org")), r.err
    assert "\x1b" not in r.text
