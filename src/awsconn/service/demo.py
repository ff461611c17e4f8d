"""The demo scenario: a local AWS endpoint, connectors of every kind, good and broken, tested.

Everything lives in a home of its own (its own database and master key) and two local
moto servers. :func:`run_demo` (``awsconn demo``) builds it in a temporary home, tests
every connector and removes it all; :func:`demo_world` builds it and keeps it while its
``with`` block runs (``awsconn demo-server`` serves it).
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from awsconn.model import parse_ref
from awsconn.service import connectivity, connectors, secrets
from awsconn.service.context import AppContext
from awsconn.service.oidc_issuer import ISSUER_URL_ENV

__all__ = ["DemoCase", "DemoWorld", "demo_world", "run_demo"]

EXTERNAL_ID = "demo-external-id-7f3a"
DEMO_ISSUER_URL = "http://127.0.0.1:7420"
"""The issuer URL the demo's OIDC tokens carry when nothing serves them (``awsconn demo``:
the local endpoint does not fetch the issuer's keys); ``demo-server`` uses its own URL."""
DELEGATE_TAG = "demo-delegate"


@dataclass(frozen=True)
class DemoCase:
    identifier: str
    story: str
    expect: str  # the status or error code this case is built to show
    context: str  # which AppContext runs it: main, irsa, unreachable


CASES = (
    DemoCase("keys_ok", "access keys of a user allowed ec2:DescribeRegions", "SUCCESS", "main"),
    DemoCase(
        "delegate_identity", "InheritFromDelegate: the delegate's own keys", "SUCCESS", "main"
    ),
    DemoCase("cross_account_ok", "keys + STS role with the right External ID", "SUCCESS", "main"),
    DemoCase("irsa_pod", "IRSA: web identity token file + AWS_ROLE_ARN", "SUCCESS", "irsa"),
    DemoCase(
        "keyless_oidc",
        "OidcAuthentication: an ID token awsconn signs, exchanged for a role",
        "SUCCESS",
        "irsa",
    ),
    DemoCase("keys_invalid", "a secret key that AWS does not know", "INVALID_CREDENTIALS", "main"),
    DemoCase(
        "no_describe_regions",
        "a user without ec2:DescribeRegions",
        "DESCRIBE_REGIONS_DENIED",
        "main",
    ),
    DemoCase(
        "cross_account_bad_external_id",
        "STS role with a wrong External ID",
        "ASSUME_ROLE_FAILED",
        "main",
    ),
    DemoCase(
        "govcloud_with_standard_keys",
        "standard keys, GovCloud test region",
        "PARTITION_MISMATCH",
        "main",
    ),
    DemoCase(
        "endpoint_down",
        "an AWS endpoint that does not answer",
        "ENDPOINT_UNREACHABLE",
        "unreachable",
    ),
)


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _connector_yaml(
    identifier: str, credential: str, *, region: str = "us-east-1", selectors: tuple[str, ...] = ()
) -> str:
    """One demo connector's YAML. Those whose identity is a delegate's (selectors given)
    run on a delegate, as the seed's examples do; access-key connectors run where awsconn
    runs (``executeOnDelegate: false``), so under ``demo-server`` the server tests them
    against the endpoint their keys belong to, whichever delegates are connected."""
    sel = "".join(f"\n      - {s}" for s in selectors) or " []"
    on_delegate = "true" if selectors else "false"
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  description: demo\n"
        f"  tags:\n    demo: ''\n  type: Aws\n  spec:\n    credential:\n{credential}"
        f"      region: {region}\n    delegateSelectors:{sel}\n"
        f"    executeOnDelegate: {on_delegate}\n"
    )


def _manual(access_key: str, secret_ref: str, cross: str = "") -> str:
    return (
        f"{cross}      type: ManualConfig\n      spec:\n        accessKey: {access_key}\n"
        f"        secretKeyRef: {secret_ref}\n"
    )


def _cross(role_arn: str, external_id: str) -> str:
    return (
        f"      crossAccountAccess:\n        crossAccountRoleArn: {role_arn}\n"
        f"        externalId: {external_id}\n"
    )


@contextmanager
def _endpoints() -> Iterator[tuple[Any, Any]]:
    from awsconn.aws.local_endpoint import LocalAwsEndpoint

    with LocalAwsEndpoint(enforce_auth=True) as auth, LocalAwsEndpoint(enforce_auth=False) as open_:
        yield auth, open_


@dataclass
class DemoWorld:
    """The demo built: its home, its two endpoints, the delegate host's AWS environment
    (keys of a user allowed DescribeRegions, against the enforcing endpoint), a pod's
    (IRSA: a web identity token file and ``AWS_ROLE_ARN``, against the endpoint that takes
    unsigned AssumeRoleWithWebIdentity) and one result row per case."""

    home: Path
    auth: Any
    open_: Any
    delegate_environ: dict[str, str]
    rows: list[dict[str, Any]]
    irsa_environ: dict[str, str]


def run_demo(progress: Callable[[str], None] = lambda _: None) -> list[dict[str, Any]]:
    """Build the scenario, test every connector, return one row per case; clean up."""
    home = Path(tempfile.mkdtemp(prefix="awsconn-demo-"))
    try:
        with demo_world(home, progress) as world:
            return world.rows
    finally:
        shutil.rmtree(home, ignore_errors=True)


@contextmanager
def demo_world(
    home: Path,
    progress: Callable[[str], None] = lambda _: None,
    *,
    delegate_tag: str = DELEGATE_TAG,
    irsa_tag: str = DELEGATE_TAG,
    issuer_url: str = DEMO_ISSUER_URL,
) -> Iterator[DemoWorld]:
    """Build the scenario in ``home`` (its store, its master key), test every connector
    (the results are stored in their history) and keep the endpoints up inside the block.
    ``delegate_tag`` and ``irsa_tag``: the delegateSelectors of the InheritFromDelegate and
    the Irsa and OidcAuthentication connectors; ``issuer_url``: what the OIDC connector's
    ID tokens name as their issuer."""
    from awsconn.aws.local_endpoint import allow_policy

    progress("starting two local AWS endpoints (moto server; one enforcing IAM auth)")
    with _endpoints() as (auth, open_):
        progress("creating IAM users, a cross-account role and an IRSA role")
        deployer = auth.create_user(
            "demo-deployer",
            allow_policy("ec2:DescribeRegions", "sts:GetCallerIdentity", "sts:AssumeRole"),
        )
        narrow = auth.create_user("demo-no-regions", allow_policy("sts:GetCallerIdentity"))
        delegate = auth.create_user(
            "demo-delegate-host", allow_policy("ec2:DescribeRegions", "sts:GetCallerIdentity")
        )
        role = auth.create_role(
            "demo-cross-account",
            trust_principal="arn:aws:iam::123456789012:user/demo-deployer",
            external_id=EXTERNAL_ID,
            policy=allow_policy("ec2:DescribeRegions"),
        )
        irsa_role = open_.create_role("demo-irsa", web_identity=True)
        oidc_role = open_.create_role("demo-keyless", web_identity=True)
        assert deployer and narrow and delegate
        token = home / "irsa-token"
        token.write_text("eyJhbGciOiJSUzI1NiJ9.demo.token")

        base = {"AWSCONN_HOME": str(home), "AWSCONN_DELEGATE_TAGS": f"{delegate_tag},{irsa_tag}"}
        delegate_keys = {
            "AWS_ACCESS_KEY_ID": delegate.access_key_id,
            "AWS_SECRET_ACCESS_KEY": delegate.secret_access_key,
        }
        main_env = {**auth.environ(home / "env-main"), **base, **delegate_keys}
        irsa_env = {
            **open_.environ(home / "env-irsa"),
            **base,
            "AWS_ROLE_ARN": irsa_role.arn,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
            ISSUER_URL_ENV: issuer_url,
        }
        down_env = {
            **auth.environ(home / "env-down"),
            **base,
            "AWS_ENDPOINT_URL": _closed_port_url(),
        }
        contexts = {
            "main": AppContext(environ=main_env),
            "irsa": AppContext(environ=irsa_env),
            "unreachable": AppContext(environ=down_env),
        }
        try:
            ctx = contexts["main"]
            progress("storing secrets (encrypted) and connectors")
            _store(ctx, deployer, narrow, role.arn, delegate_tag, irsa_tag, oidc_role.arn)
            rows: list[dict[str, Any]] = []
            for case in CASES:
                progress(f"testing {case.identifier}: {case.story}")
                outcome = connectivity.run_connector_test(
                    contexts[case.context], parse_ref(case.identifier), timeout_s=10
                )
                data = outcome.wire()
                got = (
                    data["status"]
                    if data["status"] == "SUCCESS"
                    else (data["errors"][0]["code"] if data["errors"] else data["status"])
                )
                rows.append(
                    {"case": case, "result": data, "got": got, "asExpected": got == case.expect}
                )
        finally:
            for c in contexts.values():
                c.close()
        delegate_environ = {**auth.environ(home / "env-delegate"), **delegate_keys}
        pod_environ = {
            **open_.environ(home / "env-irsa-delegate"),
            "AWS_ROLE_ARN": irsa_role.arn,
            "AWS_WEB_IDENTITY_TOKEN_FILE": str(token),
        }
        yield DemoWorld(home, auth, open_, delegate_environ, rows, pod_environ)


def _store(
    ctx: AppContext,
    deployer: Any,
    narrow: Any,
    role_arn: str,
    delegate_tag: str,
    irsa_tag: str,
    oidc_role_arn: str,
) -> None:
    for ident, value in (
        ("deployer_secret", deployer.secret_access_key),
        ("narrow_secret", narrow.secret_access_key),
        ("wrong_secret", "not-the-secret-key-of-anyone-0000000000"),
    ):
        secrets.create(ctx, parse_ref(ident), value.encode(), description="demo")
    key = deployer.access_key_id
    docs = [
        _connector_yaml("keys_ok", _manual(key, "account.deployer_secret")),
        _connector_yaml(
            "delegate_identity", "      type: InheritFromDelegate\n", selectors=(delegate_tag,)
        ),
        _connector_yaml(
            "cross_account_ok", _manual(key, "deployer_secret", _cross(role_arn, EXTERNAL_ID))
        ),
        _connector_yaml("irsa_pod", "      type: Irsa\n", selectors=(irsa_tag,)),
        _connector_yaml(
            "keyless_oidc",
            f"      type: OidcAuthentication\n      spec:\n        iamRoleArn: {oidc_role_arn}\n",
            selectors=(irsa_tag,),
        ),
        _connector_yaml("keys_invalid", _manual(key, "wrong_secret")),
        _connector_yaml("no_describe_regions", _manual(narrow.access_key_id, "narrow_secret")),
        _connector_yaml(
            "cross_account_bad_external_id",
            _manual(key, "deployer_secret", _cross(role_arn, "wrong-external-id")),
        ),
        _connector_yaml(
            "govcloud_with_standard_keys",
            _manual(key, "deployer_secret"),
            region="us-gov-west-1",
        ),
        _connector_yaml("endpoint_down", _manual(key, "deployer_secret")),
    ]
    connectors.apply_yaml(ctx, "---\n".join(docs), mode="import", source="demo")
