"""``awsconn permissions trust-policy --oidc``: the IAM OIDC provider for awsconn's issuer
and a trust policy pinning aud and sub; ``connector init --type OidcAuthentication``."""

from __future__ import annotations

import json

import pytest
from cli_fixtures import Runner

BASE = ("permissions", "trust-policy", "--oidc", "--aws-account", "123456789012")
ISSUER = "https://awsconn.example.com/awsconn"


def test_one_connector_is_pinned_with_string_equals(cli: Runner) -> None:
    r = cli(*BASE, "--issuer-url", ISSUER, "--scope", "eng/web/deploy")
    assert r.code == 0, r.text
    out = json.loads(r.out)
    arn = "arn:aws:iam::123456789012:oidc-provider/awsconn.example.com/awsconn"
    assert out["oidcProvider"] == {"url": ISSUER, "audience": "sts.amazonaws.com", "arn": arn}
    assert out["subject"] == "account/default:org/eng:project/web:connector/deploy"
    [statement] = out["trustPolicy"]["Statement"]
    assert statement["Principal"] == {"Federated": arn}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {
        "StringEquals": {
            "awsconn.example.com/awsconn:aud": "sts.amazonaws.com",
            "awsconn.example.com/awsconn:sub": out["subject"],
        }
    }


@pytest.mark.parametrize(
    ("args", "subject"),
    [
        (("--scope", "eng/web"), "account/acme:org/eng:project/web:connector/*"),
        (("--scope", "eng"), "account/acme:org/eng:*"),
        (("--scope", "*"), "account/acme:*"),
        (("--scope", "eng", "--connector", "shared"), "account/acme:org/eng:connector/shared"),
        (("--scope", "*", "--connector", "root"), "account/acme:connector/root"),
    ],
)
def test_a_scope_is_matched_with_string_like(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], subject: str
) -> None:
    monkeypatch.setenv("AWSCONN_ACCOUNT", "acme")
    monkeypatch.setenv("AWSCONN_OIDC_ISSUER_URL", ISSUER)  # the setting stands for the flag
    r = cli(*BASE, *args, "--audience", "aws-prod", "--partition", "aws-us-gov")
    assert r.code == 0, r.text
    out = json.loads(r.out)
    assert out["subject"] == subject
    assert out["oidcProvider"]["arn"].startswith("arn:aws-us-gov:iam::123456789012:")
    condition = out["trustPolicy"]["Statement"][0]["Condition"]
    key = "awsconn.example.com/awsconn"
    wildcard = "*" in subject
    assert condition["StringEquals"][f"{key}:aud"] == "aws-prod"
    assert (condition.get("StringLike") or condition["StringEquals"])[f"{key}:sub"] == subject
    assert ("StringLike" in condition) is wildcard


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--issuer-url", "http://example.com", "--scope", "eng"), "issuerUrl"),
        (("--scope", "eng"), "issuerUrl"),
        (("--issuer-url", ISSUER), "scope"),
        (("--issuer-url", ISSUER, "--scope", "a/b/c/d"), "scope"),
        (("--issuer-url", ISSUER, "--scope", "e/w/c", "--connector", "d"), "connector"),
        (("--issuer-url", ISSUER, "--scope", "eng", "--audience", "a b"), "audience"),
    ],
)
def test_bad_input_is_exit_2_naming_the_setting(
    cli: Runner, args: tuple[str, ...], says: str
) -> None:
    r = cli(*BASE, *args)
    assert r.code == 2, r.text
    assert says in r.err and "Traceback" not in r.err


def test_the_aws_account_is_required(cli: Runner) -> None:
    r = cli("permissions", "trust-policy", "--oidc", "--issuer-url", ISSUER, "--scope", "e")
    assert r.code == 2 and "awsAccount" in r.err


def test_oidc_settings_without_oidc_are_refused(cli: Runner) -> None:
    r = cli("permissions", "trust-policy", "--trusted-principal", "123456789012", "--scope", "e")
    assert r.code == 2 and "--scope go with --oidc" in r.err


def test_init_writes_an_oidc_skeleton_that_runs_where_awsconn_runs(cli: Runner) -> None:
    r = cli("connector", "init", "--type", "OidcAuthentication", "--name", "d", "--id", "d")
    assert r.code == 0, r.text
    assert "type: OidcAuthentication" in r.out and "executeOnDelegate: false" in r.out
    filled = r.out.replace("<account-id>", "123456789012").replace("<role-name>", "deploy")
    done = cli("connector", "create", "--dry-run", "-f", "-", input=filled)
    assert done.code == 0, done.text
    assert "trust-policy --oidc" in r.err
