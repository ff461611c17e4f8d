"""A connector with a role chain through the CLI: stored and exported with its chain,
tested with each hop shown, its credentials those of the last role, refused by the plain
Harness export. Against the moto server with IAM auth."""

from __future__ import annotations

import json

from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn
from awsconn.aws.sessions import role_session_name
from awsconn.model import parse_ref

DOC = """
connector:
  name: chained
  identifier: chained
  type: Aws
  spec:
    credential:
      type: ManualConfig
      crossAccountAccess:
        crossAccountRoleArn: {r1}
        chain:
          - roleArn: {r2}
            externalId: hop-two
      spec:
        accessKey: {key}
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""


def _session_of(role_arn: str) -> str:
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    session = role_session_name(parse_ref("chained").session_label())
    return f"arn:aws:sts::{account}:assumed-role/{name}/{session}"


def _setup(cli: Runner, moto: LocalAwsEndpoint, name: str) -> tuple[str, str]:
    keys = moto.create_user(name, allow_policy("sts:AssumeRole"))
    assert keys is not None
    r1 = moto.create_role(
        f"{name}-1", trust_principal=user_arn(name), policy=allow_policy("sts:AssumeRole")
    )
    r2 = moto.create_role(
        f"{name}-2",
        trust_principal=_session_of(r1.arn),
        external_id="hop-two",
        policy={
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
                    "Resource": "*",
                },
                {"Effect": "Allow", "Action": ["ec2:DescribeRegions"], "Resource": "*"},
            ],
        },
    )
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    doc = DOC.format(r1=r1.arn, r2=r2.arn, key=keys.access_key_id)
    r = cli("connector", "create", "-f", "-", input=doc)
    assert r.code == 0, r.text
    return r1.arn, r2.arn


def test_a_chained_connector_is_tested_hop_by_hop_and_hands_out_the_last_role(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    r1, r2 = _setup(cli, moto_auth, unique_name)
    r = cli("connector", "test", "chained", "-o", "json")
    assert r.code == 0, r.text
    identity = json.loads(r.out)["identity"]
    assert identity["roleChain"] == [r1, r2]
    assert f"assumed-role/{unique_name}-2/" in identity["arn"]
    shown = cli("connector", "test", "chained")
    assert "role chain: 1. " in shown.out and f"2. {r2}" in shown.out.replace("\n", "")
    creds = json.loads(cli("credentials", "chained").out)
    assert creds["AccessKeyId"].startswith("ASIA") and "Expiration" in creds


def test_the_chain_round_trips_but_the_plain_harness_export_refuses_it(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    _r1, r2 = _setup(cli, moto_auth, unique_name)
    exported = cli("connector", "export")
    assert exported.code == 0 and f"roleArn: {r2}" in exported.out
    assert cli("connector", "apply", "-f", "-", input=exported.out).code == 0
    r = cli("connector", "export", "--harness-only")
    assert r.code == 2
    assert "chained: spec.credential.crossAccountAccess.chain" in r.err
    assert "Traceback" not in r.text and r.out == ""


def test_the_permission_check_of_a_chain_checks_the_last_role(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    _r1, r2 = _setup(cli, moto_auth, unique_name)
    r = cli("permissions", "check", "chained", "--for", "s3-read", "-o", "json")
    report = json.loads(r.out)
    assert report["principal"]["principalArn"] == r2, r.text
    assert report["summary"] == {"describe-regions": "GRANTED", "s3-read": "NOT_GRANTED"}
