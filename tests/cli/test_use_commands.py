"""`credentials`, `regions` and `exec` are bounded in time and behave like the tools they feed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

CROSS_BLOCK = """      crossAccountAccess:
        crossAccountRoleArn: arn:aws:iam::123456789012:role/deploy
        externalId: ext-1
"""
CROSS = """
connector:
  name: xacct
  identifier: xacct
  type: Aws
  spec:
    credential:
      type: ManualConfig
{cross}      spec:
        accessKey: AKIASILENT0000000000
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""
PLAIN = CROSS.replace("xacct", "plain").replace("{cross}", "")
CROSS = CROSS.replace("{cross}", CROSS_BLOCK)


@pytest.mark.parametrize("argv", [("credentials", "xacct"), ("connector", "regions", "xacct")])
def test_a_silent_endpoint_is_a_timeout_not_a_hang(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str, argv: tuple[str, ...]
) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=CROSS).code == 0
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    r = cli(*argv, "--timeout", "2")
    assert r.code == 1
    assert "TIMEOUT" in r.err
    assert "within 2 s" in r.err


def test_exec_takes_options_between_ref_and_the_command(cli: Runner, tmp_path: Path) -> None:
    cli("secret", "create", "sk", input="x")
    cli(
        "connector",
        "create",
        "-f",
        "-",
        input=PLAIN,
    )
    out = tmp_path / "region"
    script = "import os,sys; open(sys.argv[1],'w').write(os.environ['AWS_DEFAULT_REGION'])"
    r = cli(
        "exec", "plain", "--here", "--timeout", "5", "--", sys.executable, "-c", script, str(out)
    )
    assert r.code == 0, r.text
    assert out.read_text() == "us-east-1"
    r = cli("exec", "plain", "--bogus", "--", "true")
    assert r.code == 2 and "unexpected '--bogus'" in r.err


def test_exec_exit_codes_are_the_commands_own_and_127_when_not_found(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    doc = PLAIN
    cli("connector", "create", "-f", "-", input=doc)
    assert cli("exec", "plain", "--", sys.executable, "-c", "raise SystemExit(7)").code == 7
    r = cli("exec", "plain", "--", "no-such-command-awsconn")
    assert r.code == 127
    assert "command not found" in r.err


# -- credential sources behind a silent endpoint: every path ends at --timeout ------------

DELEGATE = """
connector:
  name: d
  identifier: d
  type: Aws
  spec:
    credential:
      type: {kind}
      region: us-east-1
    delegateSelectors: [somewhere]
"""


def _imds(monkeypatch: pytest.MonkeyPatch, silent: str, tmp_path: Path) -> None:
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", silent)
    # settings under which botocore alone would wait 5 x 30 s for the instance metadata
    monkeypatch.setenv("AWS_METADATA_SERVICE_TIMEOUT", "30")
    monkeypatch.setenv("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "5")


def _container(monkeypatch: pytest.MonkeyPatch, silent: str, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", f"{silent}/v2/credentials")


def _web_identity(monkeypatch: pytest.MonkeyPatch, silent: str, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))


SOURCES = {
    "imds": ("InheritFromDelegate", _imds),
    "container": ("InheritFromDelegate", _container),
    "web-identity": ("Irsa", _web_identity),
}


@pytest.mark.timeout(90)  # a watchdog: each case must end near its 2 s budget
@pytest.mark.parametrize("command", ["credentials", "test", "regions"])
@pytest.mark.parametrize("source", list(SOURCES))
def test_every_credential_source_behind_a_silent_endpoint_ends_at_the_timeout(
    cli: Runner,
    monkeypatch: pytest.MonkeyPatch,
    silent_endpoint: str,
    tmp_path: Path,
    source: str,
    command: str,
) -> None:
    kind, configure = SOURCES[source]
    assert cli("connector", "create", "-f", "-", input=DELEGATE.format(kind=kind)).code == 0
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    configure(monkeypatch, silent_endpoint, tmp_path)
    argv = {
        "credentials": ("credentials", "d"),
        "test": ("connector", "test", "d", "-o", "json"),
        "regions": ("connector", "regions", "d"),
    }[command]
    r = cli(*argv, "--here", "--timeout", "2")
    assert r.code == 1, r.text
    if command == "test":
        [error] = json.loads(r.out)["errors"]
        assert error["code"] == "TIMEOUT" and "within 2 s" in error["message"], error
    else:
        assert "error [TIMEOUT]" in r.err and "within 2 s" in r.err, r.err
        assert r.out == ""


@pytest.mark.timeout(90)
def test_a_connection_test_through_a_silent_assume_role_ends_at_the_timeout(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, silent_endpoint: str
) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=CROSS).code == 0
    monkeypatch.setenv("AWS_ENDPOINT_URL", silent_endpoint)
    r = cli("connector", "test", "xacct", "--timeout", "2", "-o", "json")
    assert r.code == 1
    [error] = json.loads(r.out)["errors"]
    assert error["code"] == "TIMEOUT"
    assert "within 2 s" in error["message"] and "AssumeRole" in error["message"]


# -- --timeout: one rule, every command ----------------------------------------------------


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "-1", "0", "1e300", "5000"])
@pytest.mark.parametrize(
    "argv",
    [
        ("credentials", "plain", "--timeout", "{v}"),
        ("exec", "--timeout", "{v}", "plain", "--", "true"),
        ("exec", "plain", "--timeout", "{v}", "--", "true"),
        ("connector", "test", "plain", "--timeout", "{v}"),
        ("connector", "test", "--all", "--timeout", "{v}"),
        ("connector", "regions", "plain", "--timeout", "{v}"),
    ],
)
def test_a_timeout_that_is_not_a_usable_number_is_exit_2_naming_the_option_and_range(
    cli: Runner, argv: tuple[str, ...], value: str
) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=PLAIN).code == 0
    r = cli(*(a.format(v=value) for a in argv))
    assert r.code == 2, r.text
    assert "--timeout" in r.err and "seconds from 1 to" in r.err, r.err
    assert "internal error" not in r.text and r.out == ""


# -- credentials: checks that need no network call, before keys are printed ----------------


def _plain(**spec: str) -> str:
    lines = "".join(f"        {k}: {v}\n" for k, v in spec.items())
    return PLAIN.replace(
        "        accessKey: AKIASILENT0000000000\n        secretKeyRef: sk\n", lines
    )


@pytest.mark.parametrize(
    ("doc", "code", "says"),
    [
        (
            _plain(accessKeyRef="short_key_id", secretKeyRef="sk"),
            "INVALID_CREDENTIALS",
            "is not an AWS access key id",
        ),
        (
            _plain(accessKeyRef="temporary_key_id", secretKeyRef="sk"),
            "INVALID_CREDENTIALS",
            "spec.credential.spec.sessionTokenRef",
        ),
        (
            _plain(accessKey="AKIASILENT0000000000", secretKeyRef="gone"),
            "NO_CREDENTIALS",
            "spec.credential.spec.secretKeyRef: secret gone not found",
        ),
    ],
    ids=["key-id-format", "asia-without-token", "missing-secret"],
)
def test_credentials_of_a_connector_that_cannot_work_print_no_keys(
    cli: Runner, doc: str, code: str, says: str
) -> None:
    cli("secret", "create", "sk", input="the-secret-value")
    cli("secret", "create", "gone", input="the-secret-value")
    # Key ids read from secrets: only their use can check them (the YAML holds a reference).
    cli("secret", "create", "short_key_id", input="AKIA1")
    cli("secret", "create", "temporary_key_id", input="ASIATEMPORARY0000001")
    assert cli("connector", "create", "-f", "-", input=doc).code == 0, doc
    assert cli("secret", "delete", "gone", "--yes", "--force").code == 0
    for argv in (("credentials", "plain"), ("exec", "plain", "--", "true")):
        r = cli(*argv)
        assert r.code == 1, r.text
        assert r.out == "" and "the-secret-value" not in r.err
        assert f"error [{code}]" in r.err and says in r.err, r.err
        assert "\nhint: " in r.err


def test_credentials_of_temporary_keys_with_their_token_are_printed(cli: Runner) -> None:
    cli("secret", "create", "sk", input="the-secret-value")
    cli("secret", "create", "tok", input="the-session-token")
    doc = _plain(accessKey="ASIATEMPORARY0000001", secretKeyRef="sk", sessionTokenRef="tok")
    assert cli("connector", "create", "-f", "-", input=doc).code == 0
    r = cli("credentials", "plain")
    assert r.code == 0, r.text
    assert json.loads(r.out) == {
        "Version": 1,
        "AccessKeyId": "ASIATEMPORARY0000001",
        "SecretAccessKey": "the-secret-value",
        "SessionToken": "the-session-token",
    }


@pytest.mark.timeout(90)
def test_the_permission_check_of_a_test_ends_at_its_timeout(
    cli: Runner,
    monkeypatch: pytest.MonkeyPatch,
    silent_endpoint: str,
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    cli("secret", "create", "sk", input=keys.secret_access_key)
    doc = PLAIN.replace("AKIASILENT0000000000", keys.access_key_id)
    assert cli("connector", "create", "-f", "-", input=doc).code == 0
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", silent_endpoint)  # STS and EC2 answer
    r = cli("connector", "test", "plain", "--for", "s3-read-write", "--timeout", "2", "-o", "json")
    assert r.code == 1, r.text
    out = json.loads(r.out)
    assert out["status"] == "SUCCESS"
    error = out["permissions"]["error"]
    assert error["code"] == "TIMEOUT" and "permission check of plain" in error["message"]
    assert "within 2 s" in error["message"]
