"""Rules that lived in the CLI, now in the service (so an API gets them too), each proved
where it lives: listing filters, the connection test's capability check, the trust
policy's variants, generated policies, the policy engine's verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.errors import ValidationFailed
from awsconn.iam import Request
from awsconn.model import parse_ref
from awsconn.secrets.store import SecretStore
from awsconn.service import connectivity, connectors, secrets
from awsconn.service.context import AppContext
from awsconn.service.policy_engine import evaluate, lint, simulate
from awsconn.service.policy_generation import policy_for, trust_policy
from awsconn.service.refusals import TrustPolicyChoice

DOC = (
    "connector:\n  name: c\n  identifier: c\n  type: Aws\n  spec:\n    credential:\n"
    "      type: ManualConfig\n      spec:\n        accessKey: {key}\n"
    "        secretKeyRef: sk\n      region: us-east-1\n    delegateSelectors: []\n"
)


def _context(environ: dict[str, str], tmp_path: Path, key: str, secret: str) -> AppContext:
    ctx = AppContext(environ={**environ, "AWSCONN_HOME": str(tmp_path / "home")})
    secrets.create(ctx, parse_ref("sk"), secret.encode())
    connectors.apply_yaml(ctx, DOC.format(key=key), mode="create")
    return ctx


def test_listing_filters_are_checked_naming_the_setting(tmp_path: Path) -> None:
    ctx = _context({}, tmp_path, "AKIAIOSFODNN7EXAMPLE", "s")
    with pytest.raises(ValidationFailed) as info:
        connectors.list_connectors(ctx, credential_type="Keys")
    [problem] = info.value.problems
    assert problem.path == "type" and problem.allowed is not None
    assert "InheritFromDelegate" in problem.allowed
    with pytest.raises(ValidationFailed, match="project: needs org"):
        connectors.list_connectors(ctx, project="web")
    with pytest.raises(ValidationFailed, match="limit"):
        connectors.history(ctx, parse_ref("c"), limit=0)
    assert [c.ref for c in connectors.list_connectors(ctx, credential_type="ManualConfig")] == ["c"]


def test_capabilities_are_checked_before_the_connector_is_tested(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx = _context({}, tmp_path, "AKIAIOSFODNN7EXAMPLE", "s")
    monkeypatch.setattr(SecretStore, "reveal", _never)
    for run in (
        lambda: connectivity.run_connector_test(ctx, parse_ref("c"), capabilities=["s3-reed"]),
        lambda: connectivity.run_all_tests(ctx, capabilities=["s3-reed"]),
    ):
        with pytest.raises(ValidationFailed) as info:
            run()
        assert info.value.problems[0].path == "capabilities"
        assert info.value.problems[0].given == "s3-reed"
    monkeypatch.undo()
    assert connectors.history(ctx, parse_ref("c")) == []


def _never(*_: Any, **__: Any) -> Any:
    raise AssertionError("decrypted before the input was checked")


def test_the_check_after_a_test_uses_the_tests_session_decrypted_once(
    aws_env: dict[str, str],
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reader = {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"}
    policy = allow_policy("ec2:DescribeRegions")
    policy["Statement"].append(reader)
    keys = moto_auth.create_user(unique_name, policy)
    assert keys is not None
    ctx = _context(aws_env, tmp_path, keys.access_key_id, keys.secret_access_key)
    revealed: list[str] = []
    real = SecretStore.reveal

    def counted(self: SecretStore, **kwargs: Any) -> Any:
        revealed.append(kwargs["identifier"])
        return real(self, **kwargs)

    monkeypatch.setattr(SecretStore, "reveal", counted)
    outcome = connectivity.run_connector_test(
        ctx, parse_ref("c"), capabilities=["describe-regions"]
    )
    assert outcome.status == "SUCCESS" and outcome.ok
    assert outcome.permissions is not None and outcome.permissions.ok
    assert revealed == ["sk"]


def test_a_trust_policy_is_of_one_kind() -> None:
    cross = trust_policy(trusted_principal="arn:aws:iam::123456789012:root", external_id="generate")
    [statement] = cross["Statement"]
    generated = statement["Condition"]["StringEquals"]["sts:ExternalId"]
    assert len(generated) >= 32
    irsa = trust_policy(
        oidc_provider="arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1."
        "amazonaws.com/id/ABC",
        service_account="delegates:harness",
    )
    assert irsa["Statement"][0]["Action"] == "sts:AssumeRoleWithWebIdentity"
    for mixed in (
        {},
        {"trusted_principal": "arn:aws:iam::123456789012:root", "oidc_provider": "arn:x"},
        {"oidc_provider": "arn:x"},
        {"oidc_provider": "arn:x", "service_account": "a:b", "external_id": "e"},
    ):
        with pytest.raises(TrustPolicyChoice, match="trustedPrincipal"):
            trust_policy(**mixed)


def test_a_generated_policy_says_which_parameters_it_left_open() -> None:
    wide = policy_for(["s3-read"])
    assert wide.unscoped == ["bucket"]
    scoped = policy_for(["s3-read"], {"bucket": "artifacts", "region": None})
    assert scoped.unscoped == []
    assert "arn:aws:s3:::artifacts" in json.dumps(scoped.policy)
    with pytest.raises(ValidationFailed) as info:
        policy_for(["s3-read"], {"bucket": "bad bucket"})
    assert info.value.problems[0].path == "bucket"


POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
}


def test_the_engine_decides_requests_and_cases_and_says_when_a_run_failed() -> None:
    request = Request.checked(
        principal="arn:aws:iam::111122223333:user/a", action="s3:GetObject", resource="*"
    )
    assert evaluate(request, identity=[("p.json", POLICY)]).allowed
    assert not evaluate(request, identity=[("p.json", POLICY)], scps=[("deny.json", {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}],
    })]).allowed  # fmt: skip
    case = {
        "name": "c1",
        "request": {
            "principal": "arn:aws:iam::111122223333:user/a",
            "action": "s3:GetObject",
            "resource": {"resource": "*", "accountId": "111122223333"},
        },
        "identityPolicies": [POLICY],
        "expected": {"response": "Allowed"},
    }
    failing = {**case, "name": "c2", "expected": {"response": "ExplicitlyDenied"}}
    broken = {**case, "name": "c3", "request": {"action": 5}}
    lines: list[dict[str, Any]] = []
    text = "\n".join(json.dumps(c) for c in (case, failing, broken))
    tally = simulate(text, lines.append)
    assert (tally.cases, tally.passed, tally.failed, tally.errors) == (3, 1, 1, 1)
    assert not tally.ok and [line.get("name") for line in lines][:2] == ["c1", "c2"]
    assert simulate(json.dumps([case]), lines.append).ok
    report = lint([("ok.json", json.dumps(POLICY)), ("bad.json", '{"Statement": 5}')], "identity")
    assert not report.ok and report.errors >= 1 and report.findings["ok.json"] == []
