"""The service owns the connector flows: ``diff_connector`` for ``permissions diff``, and a
``connector test --for`` that loads and decrypts the connector once."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from permission_setup import READER, add_connector, allow, app_context, doc

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.cli import main
from awsconn.secrets.store import SecretStore
from awsconn.service.connector_permissions import diff_connector

pytestmark = pytest.mark.aws


def test_diff_connector_compares_the_identity_with_a_new_policy_set(
    moto_auth: LocalAwsEndpoint, unique_name: str, aws_env: dict[str, str], tmp_path: Path
) -> None:
    keys = moto_auth.create_user(
        unique_name, doc(READER, allow("Read", ["s3:Get*", "s3:List*", "ec2:DescribeRegions"]))
    )
    assert keys is not None
    ctx = app_context(aws_env, tmp_path)
    ref = add_connector(ctx, unique_name, keys)
    new = doc(
        allow(
            "Regions", ["ec2:DescribeRegions"], condition={"Bool": {"aws:SecureTransport": "true"}}
        )
    )

    report = diff_connector(ctx, ref, ["s3-read"], new_policies=[("new.json", new)])

    changes = {c.capability: c for c in report.changes}
    assert changes["describe-regions"].change == "same"  # HTTPS is known, not guessed
    assert (changes["s3-read"].before, changes["s3-read"].after) == ("GRANTED", "NOT_GRANTED")
    assert changes["s3-read"].change == "loses"
    assert not report.ok
    assert report.after.principal is not None
    assert report.after.principal.arn == report.before.context["connector"].principal


def test_connector_test_for_decrypts_the_connector_once(
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
    aws_env: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keys = moto_auth.create_user(unique_name, doc(READER, allow("R", ["ec2:DescribeRegions"])))
    assert keys is not None
    add_connector(app_context(aws_env, tmp_path), "once", keys)
    for name in list(__import__("os").environ):
        if name.startswith(("AWS_", "AWSCONN_")):
            monkeypatch.delenv(name, raising=False)
    for key, value in aws_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWSCONN_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    reveals: list[str] = []
    real = SecretStore.reveal

    def counted(self: SecretStore, **kwargs: Any) -> Any:
        reveals.append(kwargs["identifier"])
        return real(self, **kwargs)

    monkeypatch.setattr(SecretStore, "reveal", counted)

    code = main(["connector", "test", "once", "--for", "describe-regions", "-o", "json"])

    assert code == 0
    assert json.loads(capsys.readouterr().out)["permissions"]["status"] == "GRANTED"
    assert reveals == ["once_sk"]
