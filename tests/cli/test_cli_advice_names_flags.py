"""The service names settings (``here``, ``force``, ``capabilities``); the CLI says which
of its flags set them, in its own advice, and the JSON error keeps the service's words."""

from __future__ import annotations

import json

from cli_fixtures import Runner

DOC = (
    "connector:\n  name: {id}\n  identifier: {id}\n  type: Aws\n  spec:\n    credential:\n"
    "      type: ManualConfig\n      spec:\n        accessKey: AKIAIOSFODNN7EXAMPLE\n"
    "        secretKeyRef: sk\n      region: us-east-1\n    delegateSelectors: [{selectors}]\n"
)


def _store(cli: Runner) -> None:
    assert cli("secret", "create", "sk", input="not-a-real-secret").code == 0
    text = DOC.format(id="on_gpu", selectors="gpu") + "---\n" + DOC.format(id="c", selectors="")
    assert cli("connector", "import", "-f", "-", input=text).code == 0


def test_work_for_another_delegate_points_at_here(cli: Runner) -> None:
    _store(cli)
    r = cli("connector", "regions", "on_gpu")
    assert r.code == 1 and "DELEGATE_UNAVAILABLE" in r.err
    assert "executeOnDelegate: true" in r.err and "lacks gpu" in r.err
    assert "pass --here" in r.err
    r = cli("connector", "test", "--all", "-o", "json")
    skipped = {o["connector"]: o for o in map(json.loads, r.out.splitlines())}["on_gpu"]
    assert skipped["status"] == "SKIPPED"
    assert "--here" not in skipped["errors"][0]["hint"]  # data keeps the service's words
    table = cli("connector", "test", "--all")
    assert "SKIPPED on_gpu" in table.out and "hint: set AWSCONN_DELEGATE_TAGS" in table.out
    assert "pass --here" in table.out


def test_a_secret_in_use_points_at_force(cli: Runner) -> None:
    _store(cli)
    r = cli("secret", "delete", "sk", "--yes")
    assert r.code == 2 and "CONFLICT" in r.err and "pass --force" in r.err


def test_no_capability_to_check_points_at_for(cli: Runner) -> None:
    _store(cli)
    r = cli("permissions", "check", "c")
    assert r.code == 2 and "spec.capabilities" in r.err and "pass --for" in r.err
    r = cli("connector", "test", "c", "--for", "s3-reed", "-o", "json")
    assert r.code == 2 and "unknown capability" in r.err and "--for" in r.err
    assert json.loads(r.out)["error"]["problems"][0]["path"] == "capabilities"
    assert cli("connector", "history", "c", "-o", "json").out.strip() == "[]"  # not tested


def test_a_trust_policy_of_both_kinds_names_the_flags_of_each(cli: Runner) -> None:
    r = cli("permissions", "trust-policy", "--oidc-provider", "arn:x")
    assert r.code == 2 and "--trusted-principal" in r.err and "--service-account" in r.err
