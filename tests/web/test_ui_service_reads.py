"""The service calls only the web UI makes, on a real store (both engines): a connector
saved with a Secret Key typed in the wizard (all checks first, the secret removed again
when the connector cannot be saved), the delegates that match a connector now, and the
stages a connection test went through."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from awsconn.errors import Conflict, ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.model.results import ConnectionTestOutcome, Failure, Identity
from awsconn.service import connectors, delegates
from awsconn.service.connector_pages import list_page
from awsconn.service.context import AppContext
from awsconn.service.inline_secrets import NewSecret, inline_secret_name, save_connector
from awsconn.service.tokens import authenticate, create_delegate_token
from awsconn.service.ui_queries import (
    matching_delegates,
    oidc_trust_view,
    role_hops,
    secret_choices,
    stages_of_test,
)

ROLE_ARN = "arn:aws:iam::210987654321:role/deploy"

ACCOUNT = Scope()


def _manual(identifier: str, secret: str, *, access_key: str = "AKIAIOSFODNN7EXAMPLE") -> Any:
    return {
        "connector": {
            "name": identifier,
            "identifier": identifier,
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "region": "us-east-1",
                    "spec": {"accessKey": access_key, "secretKeyRef": secret},
                },
                "executeOnDelegate": False,
            },
        }
    }


def test_a_typed_secret_key_is_created_with_its_connector(ui_session_ctx: AppContext) -> None:
    ctx = ui_session_ctx
    name = inline_secret_name("prod_aws")
    assert name == "prod_aws_secret_key"
    new = NewSecret(EntityRef(ACCOUNT, name), b"typed-value")
    assert b"typed-value" not in repr(new).encode()
    detail, _ = save_connector(ctx, _manual("prod_aws", name), mode="create", new_secret=new)
    assert detail.status.identifier == "prod_aws"
    value = ctx.secrets.reveal(org=None, project=None, identifier=name)
    assert value.reveal() == b"typed-value"
    assert [c.ref for c in secret_choices(ctx, ACCOUNT)] == [name]


def test_every_problem_is_reported_before_anything_is_written(ui_session_ctx: AppContext) -> None:
    ctx = ui_session_ctx
    name = "bad_secret_key"
    new = NewSecret(EntityRef(ACCOUNT, name), b"")
    with pytest.raises(ValidationFailed) as caught:
        save_connector(ctx, _manual("1bad", name, access_key="nope"), mode="create", new_secret=new)
    paths = {p.path for p in caught.value.problems}
    assert "newSecret.value" in paths and "identifier" in paths
    assert any("accessKey" in p for p in paths)
    assert not ctx.secrets.exists(org=None, project=None, identifier=name)
    assert list_page(ctx, ACCOUNT).total_items == 0


def test_a_secret_that_exists_is_never_replaced_by_a_typed_value(
    ui_session_ctx: AppContext,
) -> None:
    ctx = ui_session_ctx
    first = NewSecret(EntityRef(ACCOUNT, "shared_key"), b"first")
    save_connector(ctx, _manual("one", "shared_key"), mode="create", new_secret=first)
    second = NewSecret(EntityRef(ACCOUNT, "shared_key"), b"second")
    with pytest.raises(ValidationFailed, match="exists already"):
        save_connector(ctx, _manual("two", "shared_key"), mode="create", new_secret=second)
    assert ctx.secrets.reveal(org=None, project=None, identifier="shared_key").reveal() == b"first"


def test_a_connector_that_cannot_be_saved_takes_its_new_secret_with_it(
    ui_session_ctx: AppContext,
) -> None:
    ctx = ui_session_ctx
    save_connector(
        ctx,
        _manual("edited", "k1"),
        mode="create",
        new_secret=NewSecret(EntityRef(ACCOUNT, "k1"), b"v"),
    )
    new = NewSecret(EntityRef(ACCOUNT, "k2"), b"v2")
    with pytest.raises(Conflict):  # changed meanwhile: the version sent is not the stored one
        save_connector(
            ctx, _manual("edited", "k2"), mode="update", expected_version=99, new_secret=new
        )
    assert not ctx.secrets.exists(org=None, project=None, identifier="k2")
    kept = connectors.get(ctx, EntityRef(ACCOUNT, "edited")).connector
    assert kept["spec"]["credential"]["spec"]["secretKeyRef"] == "k1"  # type: ignore[index]


def _delegate(ctx: AppContext, name: str, tags: list[str]) -> None:
    token = create_delegate_token(ctx, name=f"token-{name}-{uuid.uuid4().hex[:6]}").token
    dctx = ctx.for_request(authenticate(ctx.runtime, token))
    caps = ["connection-test", "identity:InheritFromDelegate"]
    delegates.register(dctx, name=name, tags=tags, capabilities=caps, version="1.0.0")


def test_the_delegates_that_match_a_connector_now(ui_session_ctx: AppContext) -> None:
    ctx = ui_session_ctx
    _delegate(ctx, "prod-east", ["prod", "us-east"])
    _delegate(ctx, "dev", ["dev"])
    found = matching_delegates(ctx, ["prod"], "InheritFromDelegate")
    assert [d.name for d in found.matching] == ["prod-east"]
    assert [(d.name, "prod" in why) for d, why in found.others] == [("dev", True)]
    irsa = matching_delegates(ctx, [], "Irsa")  # no delegate offers the IRSA identity
    assert irsa.matching == [] and len(irsa.others) == 2
    assert matching_delegates(ctx, [], "InheritFromDelegate").matching != []


def _outcome(status: str, *codes: str, arn: str | None = None) -> ConnectionTestOutcome:
    errors = [Failure(code=c, message="m", hint="h") for c in codes]
    return ConnectionTestOutcome(
        connector="account.x",
        status=status,  # type: ignore[arg-type]
        identity=Identity(arn=arn) if arn else None,
        errors=errors or None,
    )


def test_the_stages_of_a_connection_test() -> None:
    denied = _outcome("FAILURE", "DESCRIBE_REGIONS_DENIED", arn="arn:aws:iam::1:user/u")
    assert [(s.name, s.state) for s in stages_of_test(denied, "ManualConfig", [ROLE_ARN])] == [
        ("credentials", "passed"),
        ("assume-role", "passed"),
        ("describe-regions", "failed"),
    ]
    role = _outcome("FAILURE", "ASSUME_ROLE_FAILED")
    assert [s.state for s in stages_of_test(role, "ManualConfig", [ROLE_ARN])] == [
        "passed",
        "failed",
        "not-run",
    ]
    keys = _outcome("FAILURE", "INVALID_CREDENTIALS")
    assert [s.state for s in stages_of_test(keys, "ManualConfig", [])] == [
        "failed",
        "not-run",
    ]
    ok = stages_of_test(_outcome("SUCCESS"), "Irsa", [])
    assert [s.state for s in ok] == ["passed", "passed"]
    assert "web identity" in ok[0].title
    skipped = stages_of_test(_outcome("SKIPPED"), "InheritFromDelegate", [])
    assert {s.state for s in skipped} == {"not-run"}


def test_a_role_chain_is_a_stage_per_hop_and_the_failed_hop_is_the_one_named() -> None:
    second = "arn:aws:iam::333333333333:role/last"
    hops = role_hops(
        {"crossAccountAccess": {"crossAccountRoleArn": ROLE_ARN, "chain": [{"roleArn": second}]}}
    )
    assert hops == [ROLE_ARN, second]
    failed = ConnectionTestOutcome(
        connector="account.x",
        status="FAILURE",
        errors=[Failure(code="ASSUME_ROLE_FAILED", message=f"role chain hop 2 of 2 ({second}): "
                        "denied", hint="h")],
    )  # fmt: skip
    stages = stages_of_test(failed, "ManualConfig", hops)
    assert [(s.hop, s.state) for s in stages] == [
        (0, "passed"), (1, "passed"), (2, "failed"), (0, "not-run")
    ]  # fmt: skip
    assert stages[2].title == f"Assume role 2 of 2: {second} (STS AssumeRole)"
    ok = stages_of_test(_outcome("SUCCESS"), "OidcAuthentication", [])
    assert "AssumeRoleWithWebIdentity" in ok[0].title


def test_the_oidc_trust_view_is_the_cli_s_trust_policy(ui_session_ctx: AppContext) -> None:
    ctx = ui_session_ctx
    project = Scope("eng", "web")
    none = oidc_trust_view(ctx, project, "deploy", ROLE_ARN, "")
    assert none.issuer_url is None and none.trust_policy is None
    assert none.subject == "account/default:org/eng:project/web:connector/deploy"
    assert none.audience == "sts.amazonaws.com"
    issuer_ctx = AppContext(
        environ={**ctx.environ, "AWSCONN_OIDC_ISSUER_URL": "https://awsconn.example.com/oidc"}
    )
    try:
        view = oidc_trust_view(issuer_ctx, Scope("eng", None), "deploy", ROLE_ARN, "my-aud")
        assert view.issuer_url == "https://awsconn.example.com/oidc"
        assert view.provider_arn == (
            "arn:aws:iam::210987654321:oidc-provider/awsconn.example.com/oidc"
        )
        policy = json.loads(view.trust_policy or "")
        condition = policy["Statement"][0]["Condition"]["StringEquals"]
        assert condition == {
            "awsconn.example.com/oidc:aud": "my-aud",
            "awsconn.example.com/oidc:sub": "account/default:org/eng:connector/deploy",
        }
        assert oidc_trust_view(issuer_ctx, project, "deploy", "not-an-arn", "").trust_policy is None
    finally:
        issuer_ctx.close()
