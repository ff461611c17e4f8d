"""An OidcAuthentication connector from the CLI on a local store, against moto: the
issuer signs a token, STS (moto without auth: it does not verify web identity tokens,
TESTING.md) exchanges it, then GetCallerIdentity and DescribeRegions; credentials, exec,
export and import; no issuer URL named. STS refusing a token:
tests/aws/test_oidc_refusal_hint.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint

ISSUER = "https://awsconn.example.com"


@pytest.fixture
def aws_env(aws_env_noauth: dict[str, str]) -> dict[str, str]:
    """This module's CLI talks to the moto server without auth enforcement."""
    return aws_env_noauth


def oidc_yaml(identifier: str, role_arn: str, *, audience: str | None = None) -> str:
    extra = f"        audience: {audience}\n" if audience else ""
    return (
        "connector:\n"
        f"  name: {identifier}\n"
        f"  identifier: {identifier}\n"
        "  orgIdentifier: eng\n"
        "  projectIdentifier: web\n"
        "  type: Aws\n"
        "  spec:\n"
        "    credential:\n"
        "      type: OidcAuthentication\n"
        "      spec:\n"
        f"        iamRoleArn: {role_arn}\n"
        f"{extra}"
        "      region: us-east-1\n"
        "    executeOnDelegate: false\n"
    )


@pytest.fixture
def role(moto_noauth: LocalAwsEndpoint) -> str:
    import uuid

    return moto_noauth.create_role(f"oidc-{uuid.uuid4().hex[:8]}", web_identity=True).arn


def test_the_connection_test_exchanges_a_signed_token_for_the_role(
    cli: Runner, role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWSCONN_OIDC_ISSUER_URL", ISSUER)
    assert cli("connector", "create", "-f", "-", input=oidc_yaml("deploy", role)).code == 0
    r = cli("connector", "test", "eng/web/deploy", "-o", "json")
    assert r.code == 0, r.text
    result = json.loads(r.out)
    assert result["status"] == "SUCCESS", result
    assert result["identity"]["credentialMethod"] == "assume-role-with-web-identity"
    role_name = role.rsplit("/", 1)[1]
    assert f":assumed-role/{role_name}/" in result["identity"]["arn"]


def test_credentials_and_exec_use_the_roles_credentials(
    cli: Runner, role: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AWSCONN_OIDC_ISSUER_URL", ISSUER)
    cli("connector", "create", "-f", "-", input=oidc_yaml("deploy", role))
    r = cli("credentials", "eng/web/deploy")
    assert r.code == 0, r.text
    creds = json.loads(r.out)
    assert creds["Version"] == 1 and creds["AccessKeyId"] and creds["SessionToken"]
    assert creds["Expiration"]
    out = tmp_path / "who.txt"
    script = (
        "import boto3,sys; open(sys.argv[1],'w').write("
        "boto3.client('sts').get_caller_identity()['Arn'])"
    )
    r = cli("exec", "eng/web/deploy", "--", sys.executable, "-c", script, str(out))
    assert r.code == 0, r.text
    assert f":assumed-role/{role.rsplit('/', 1)[1]}/" in out.read_text()


def test_export_and_import_keep_the_oidc_settings(cli: Runner, role: str, tmp_path: Path) -> None:
    cli("connector", "create", "-f", "-", input=oidc_yaml("deploy", role, audience="aws-prod"))
    exported = cli("connector", "export", "--org", "eng", "--project", "web").out
    assert "type: OidcAuthentication" in exported
    assert f"iamRoleArn: {role}" in exported and "audience: aws-prod" in exported
    assert cli("connector", "delete", "eng/web/deploy", "--yes").code == 0
    assert cli("connector", "import", "-f", "-", input=exported).code == 0
    assert cli("connector", "export", "--org", "eng", "--project", "web").out == exported


def test_without_an_issuer_url_the_test_fails_naming_the_setting(cli: Runner, role: str) -> None:
    cli("connector", "create", "-f", "-", input=oidc_yaml("deploy", role))
    r = cli("connector", "test", "eng/web/deploy", "-o", "json")
    assert r.code == 1, r.text
    [error] = json.loads(r.out)["errors"]
    assert error["code"] == "WEB_IDENTITY_FAILED"
    assert "AWSCONN_OIDC_ISSUER_URL" in error["message"]


def test_the_permission_check_reads_the_roles_policies(
    cli: Runner, moto_noauth: LocalAwsEndpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uuid

    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}],
    }
    name = f"oidc-{uuid.uuid4().hex[:8]}"
    role = moto_noauth.create_role(name, web_identity=True, policy=policy)
    monkeypatch.setenv("AWSCONN_OIDC_ISSUER_URL", ISSUER)
    cli("connector", "create", "-f", "-", input=oidc_yaml("deploy", role.arn))
    r = cli(
        "permissions", "check", "eng/web/deploy", "--for", "describe-regions",
        "--no-simulator", "-o", "json",
    )  # fmt: skip
    assert r.code == 0, r.text
    report = json.loads(r.out)
    assert f":assumed-role/{role.name}/" in report["principal"]["arn"], report
    assert report["ok"] and {c["status"] for c in report["capabilities"]} == {"GRANTED"}
    assert report["policies"][0]["label"] == f"inline:{name}-inline"
