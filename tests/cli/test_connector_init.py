"""`connector init`: a commented skeleton that, once filled in, passes `create --dry-run`."""

from __future__ import annotations

import itertools
import re

import pytest
from cli_fixtures import Runner

FILLED = {
    "name": "Prod AWS",
    "identifier": "prod_aws",
    "access-key-id": "AKIAIOSFODNN7EXAMPLE",
    "secret-id": "deploy_secret",
    "account-id": "210987654321",
    "role-name": "harness-deploy",
    "external-id": "4f1c0e9b",
    "delegate-tag": "eks",
}


def fill(text: str) -> str:
    return re.sub(r"<([a-z-]+)>", lambda m: FILLED.get(m.group(1), m.group(0)), text)


@pytest.mark.parametrize(
    ("credential_type", "cross_account", "region"),
    [
        (t, c, r)
        for (t, c), r in zip(
            itertools.product(("ManualConfig", "InheritFromDelegate", "Irsa"), (False, True)),
            itertools.cycle(("us-east-1", "us-gov-west-1", "cn-north-1")),
            strict=False,
        )
    ],
)
def test_a_filled_skeleton_passes_the_dry_run(
    cli: Runner, credential_type: str, cross_account: bool, region: str
) -> None:
    argv = ["connector", "init", "--type", credential_type, "--region", region]
    r = cli(*argv, *(["--cross-account"] if cross_account else []))
    assert r.code == 0, r.text
    skeleton = r.out
    assert "DescribeRegions is required for all AWS connectors" in skeleton
    assert "GovCloud" in skeleton and "cn-north-1" in skeleton
    assert f"type: {credential_type}" in skeleton
    assert ("crossAccountRoleArn" in skeleton) == cross_account
    assert "create --dry-run" in r.err  # the next step, on stderr (stdout is the file)
    cli("secret", "create", "deploy_secret", input="not-a-real-secret")
    r = cli("connector", "create", "--dry-run", "-f", "-", input=fill(skeleton))
    assert r.code == 0, r.text + fill(skeleton)
    assert "connector prod_aws would be created" in r.out
    assert cli("connector", "list", "-o", "json").out.strip() == "[]"


def test_every_field_has_a_comment_in_the_seeds_words(cli: Runner) -> None:
    text = cli("connector", "init", "--type", "ManualConfig", "--cross-account").out
    for words in (
        "Name: the unique name for this connector",
        "ID: the entity identifier",
        "Description: a text string",
        "Tags:",
        "AWS Access Key",
        "Enable cross-account access (STS Role)",
        "Role ARN: the role to assume, in the target deployment AWS account",
        "External ID",
        "Test Region",
        "standard credentials only in standard regions",
        '"Action": "ec2:DescribeRegions"',
    ):
        assert words in text, words
    for field in ("name:", "identifier:", "description:", "tags:", "region:", "accessKey:"):
        line = next(i for i, t in enumerate(text.splitlines()) if t.strip().startswith(field))
        assert text.splitlines()[line - 1].strip().startswith("#"), field


def test_the_given_values_are_filled_in_and_the_partition_follows_the_region(
    cli: Runner,
) -> None:
    r = cli(
        "connector",
        "init",
        "--type",
        "InheritFromDelegate",
        "--cross-account",
        "--region",
        "us-gov-east-1",
        "--name",
        "Gov deploy",
        "--id",
        "gov_deploy",
    )
    assert r.code == 0, r.text
    assert "name: Gov deploy" in r.out and "identifier: gov_deploy" in r.out
    assert "crossAccountRoleArn: arn:aws-us-gov:iam::<account-id>:role/<role-name>" in r.out
    assert "region: us-gov-east-1" in r.out


def test_an_unfilled_skeleton_is_refused_naming_each_placeholder(cli: Runner) -> None:
    skeleton = cli("connector", "init", "--type", "ManualConfig", "--cross-account").out
    r = cli("connector", "create", "--dry-run", "-f", "-", input=skeleton)
    assert r.code == 2
    for path in (
        "identifier:",
        "spec.credential.spec.accessKey: is still a placeholder",
        "spec.credential.crossAccountAccess.externalId: is still a placeholder",
    ):
        assert path in r.err, path


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (("--type", "Keys"), "spec.credential.type: is not a credential type"),
        (("--type", "Irsa", "--region", "mars-1"), "spec.credential.region"),
        (("--type", "Irsa", "--id", "9bad"), "identifier:"),
        (("--type", "Irsa", "--name", "bad/name"), "name:"),
    ],
)
def test_bad_values_are_bad_input(cli: Runner, argv: tuple[str, ...], words: str) -> None:
    r = cli("connector", "init", *argv)
    assert r.code == 2, r.text
    assert words in r.err
    assert r.out == ""
