"""The connection test against a real moto server, one behaviour per test."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

import pytest

from awsconn.aws.connectivity import run_connection_test, run_connection_tests
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, isolated_environ, user_arn
from awsconn.aws.sessions import Backoff, SessionFactory, SessionSpec, StaticKeys
from awsconn.service.connectivity import history_entry  # the stored, shown form

pytestmark = pytest.mark.aws
NO_RETRY = Backoff("FixedDelayBackoffStrategy", retry_count=0)


def fixed_clock() -> datetime:
    return datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def manual(keys: StaticKeys, region: str = "us-east-1", **kw) -> SessionSpec:
    return SessionSpec("account/conn", "ManualConfig", region, static_keys=keys, **kw)


@pytest.fixture
def reader(moto_auth: LocalAwsEndpoint, unique_name: str) -> tuple[str, StaticKeys]:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions", "sts:AssumeRole"))
    assert keys is not None
    return unique_name, keys


def test_good_keys_succeed_with_the_documented_shape(reader, aws_factory):
    name, keys = reader
    out = history_entry(run_connection_test(manual(keys), aws_factory, clock=fixed_clock)).wire()
    assert set(out) == {
        "connector", "status", "identity", "region", "testedAt", "durationMs", "errors",
    }  # fmt: skip
    assert out["status"] == "SUCCESS" and out["errors"] == []
    assert out["identity"] == {
        "account": "123456789012",
        "arn": user_arn(name),
        "partition": "aws",
        "credentialMethod": "explicit",
    }
    assert out["testedAt"] == "2025-01-02T03:04:05Z"
    assert keys.secret_access_key not in json.dumps(out)


def test_unknown_keys_are_invalid_credentials(aws_factory):
    spec = manual(StaticKeys("AKIAUNKNOWN000000000", "wrong-secret"), backoff=NO_RETRY)
    out = history_entry(run_connection_test(spec, aws_factory)).wire()
    assert out["status"] == "FAILURE"
    [error] = out["errors"]
    assert error["code"] == "INVALID_CREDENTIALS"
    assert error["awsErrorCode"] == "InvalidClientTokenId"
    assert error["requestId"]
    assert "wrong-secret" not in json.dumps(out)


def test_right_key_wrong_secret_is_invalid_credentials(reader, aws_factory):
    _, keys = reader
    spec = manual(StaticKeys(keys.access_key_id, "not-the-secret"), backoff=NO_RETRY)
    [error] = run_connection_test(spec, aws_factory).errors
    assert error.code == "INVALID_CREDENTIALS"


def test_describe_regions_denied_hint_carries_the_policy(moto_auth, aws_factory, unique_name):
    keys = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    result = run_connection_test(manual(keys), aws_factory)
    [error] = result.errors
    assert error.code == "DESCRIBE_REGIONS_DENIED"
    assert error.aws_error_code == "AccessDenied"
    assert '"ec2:DescribeRegions"' in error.hint
    assert result.identity.arn == user_arn(unique_name)


def test_standard_keys_in_govcloud_are_a_partition_mismatch(reader, aws_factory):
    _, keys = reader
    [error] = run_connection_test(manual(keys, "us-gov-west-1"), aws_factory).errors
    assert error.code == "PARTITION_MISMATCH"
    assert "aws-us-gov" in error.hint


def test_role_arn_of_another_partition_fails_before_any_call(reader, tmp_path):
    _, keys = reader
    spec = manual(keys, role_arn="arn:aws-us-gov:iam::123456789012:role/x")
    factory = SessionFactory(isolated_environ("http://127.0.0.1:9", tmp_path))
    [error] = run_connection_test(spec, factory).errors
    assert error.code == "PARTITION_MISMATCH"


def test_unknown_region_is_region_invalid(reader, aws_factory):
    _, keys = reader
    for region in ("us-foo-1", "not a region"):
        [error] = run_connection_test(manual(keys, region), aws_factory).errors
        assert error.code == "REGION_INVALID"


def test_closed_port_is_endpoint_unreachable(reader, tmp_path):
    _, keys = reader
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    factory = SessionFactory(isolated_environ(f"http://127.0.0.1:{port}", tmp_path))
    [error] = run_connection_test(manual(keys, backoff=NO_RETRY), factory).errors
    assert error.code == "ENDPOINT_UNREACHABLE"
    assert f"127.0.0.1:{port}" in error.hint


def test_silent_server_is_a_timeout(reader, tmp_path, silent_endpoint):
    _, keys = reader
    factory = SessionFactory(isolated_environ(silent_endpoint, tmp_path))
    spec = manual(keys, backoff=NO_RETRY)
    [error] = run_connection_test(spec, factory, timeout_s=0.3).errors
    assert error.code == "TIMEOUT"


def test_cross_account_with_right_external_id(moto_auth, reader, aws_factory, unique_name):
    name, keys = reader
    role = moto_auth.create_role(
        f"{unique_name}-role",
        trust_principal=user_arn(name),
        external_id="ext-123",
        policy=allow_policy("ec2:DescribeRegions"),
    )
    spec = manual(keys, role_arn=role.arn, external_id="ext-123")
    out = history_entry(run_connection_test(spec, aws_factory)).wire()
    assert out["status"] == "SUCCESS", out
    assert ":assumed-role/" in out["identity"]["arn"]
    assert out["identity"]["credentialMethod"] == "explicit+assume-role"


def test_cross_account_with_wrong_external_id_names_the_causes(
    moto_auth, reader, aws_factory, unique_name
):
    name, keys = reader
    role = moto_auth.create_role(
        f"{unique_name}-role", trust_principal=user_arn(name), external_id="ext-123"
    )
    spec = manual(keys, role_arn=role.arn, external_id="wrong", backoff=NO_RETRY)
    [error] = run_connection_test(spec, aws_factory).errors
    assert error.code == "ASSUME_ROLE_FAILED"
    assert role.arn in error.hint
    assert "an External ID was sent" in error.hint
    assert "trust policy" in error.hint and "sts:AssumeRole" in error.hint
    assert "wrong" not in error.message


def test_cross_account_with_missing_external_id_is_let_through_by_moto(
    moto_auth, reader, aws_factory, unique_name
):
    # moto does not check a missing External ID (AWS would refuse it); pin that here.
    name, keys = reader
    role = moto_auth.create_role(
        f"{unique_name}-role",
        trust_principal=user_arn(name),
        external_id="ext-123",
        policy=allow_policy("ec2:DescribeRegions"),
    )
    result = run_connection_test(manual(keys, role_arn=role.arn), aws_factory)
    assert result.ok


def test_role_not_trusting_the_caller(moto_auth, reader, aws_factory, unique_name):
    _, keys = reader
    role = moto_auth.create_role(f"{unique_name}-role", trust_principal=user_arn("someone"))
    [error] = run_connection_test(manual(keys, role_arn=role.arn), aws_factory).errors
    assert error.code == "ASSUME_ROLE_FAILED"
    assert "no External ID was sent" in error.hint


def test_inherit_from_env_vars(reader, aws_env):
    name, keys = reader
    env = dict(aws_env, AWS_ACCESS_KEY_ID=keys.access_key_id)
    env["AWS_SECRET_ACCESS_KEY"] = keys.secret_access_key
    spec = SessionSpec("account/d", "InheritFromDelegate", "us-east-1")
    out = history_entry(run_connection_test(spec, SessionFactory(env))).wire()
    assert out["status"] == "SUCCESS"
    assert out["identity"]["credentialMethod"] == "env"
    assert out["identity"]["arn"] == user_arn(name)


def test_inherit_from_profile_in_shared_config(reader, aws_env):
    _, keys = reader
    with open(aws_env["AWS_SHARED_CREDENTIALS_FILE"], "w") as handle:
        handle.write(
            f"[ci]\naws_access_key_id = {keys.access_key_id}\n"
            f"aws_secret_access_key = {keys.secret_access_key}\n"
        )
    env = dict(aws_env, AWS_PROFILE="ci")
    spec = SessionSpec("account/d", "InheritFromDelegate", "us-east-1")
    out = history_entry(run_connection_test(spec, SessionFactory(env))).wire()
    assert out["status"] == "SUCCESS", out
    assert out["identity"]["credentialMethod"] == "shared-credentials-file"


def test_inherit_with_nothing_is_no_credentials(aws_factory):
    spec = SessionSpec("account/d", "InheritFromDelegate", "us-east-1")
    [error] = run_connection_test(spec, aws_factory).errors
    assert error.code == "NO_CREDENTIALS"


def test_irsa_with_token_file(moto_noauth, aws_env_noauth, tmp_path):
    role = moto_noauth.create_role("irsa-role", web_identity=True)
    token = tmp_path / "token"
    token.write_text("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")
    env = dict(aws_env_noauth, AWS_ROLE_ARN=role.arn, AWS_WEB_IDENTITY_TOKEN_FILE=str(token))
    spec = SessionSpec("org/proj/irsa", "Irsa", "us-east-1")
    out = history_entry(run_connection_test(spec, SessionFactory(env))).wire()
    assert out["status"] == "SUCCESS", out
    assert out["identity"]["credentialMethod"] == "assume-role-with-web-identity"


def test_irsa_without_its_variables_is_a_clear_error(aws_env_noauth):
    spec = SessionSpec("org/proj/irsa", "Irsa", "us-east-1")
    [error] = run_connection_test(spec, SessionFactory(aws_env_noauth)).errors
    assert error.code == "WEB_IDENTITY_FAILED"
    assert "AWS_ROLE_ARN" in error.message and "AWS_WEB_IDENTITY_TOKEN_FILE" in error.message


def test_irsa_with_missing_token_file(aws_env_noauth, tmp_path):
    env = dict(
        aws_env_noauth,
        AWS_ROLE_ARN="arn:aws:iam::123456789012:role/x",
        AWS_WEB_IDENTITY_TOKEN_FILE=str(tmp_path / "absent"),
    )
    spec = SessionSpec("org/proj/irsa", "Irsa", "us-east-1")
    [error] = run_connection_test(spec, SessionFactory(env)).errors
    assert error.code == "WEB_IDENTITY_FAILED"


def test_many_connectors_keep_their_order(reader, aws_factory):
    _, keys = reader
    bad = StaticKeys("AKIAUNKNOWN000000000", "x")
    specs = [
        SessionSpec(
            f"account/c{i}", "ManualConfig", "us-east-1", static_keys=keys if i % 2 else bad
        )
        for i in range(6)
    ]
    results = run_connection_tests(specs, aws_factory, concurrency=3)
    assert [r.connector for r in results] == [s.connector for s in specs]
    assert [r.ok for r in results] == [bool(i % 2) for i in range(6)]
