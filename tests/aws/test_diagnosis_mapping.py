"""Every failure maps to one taxonomy code; codes moto cannot produce are built here."""

from __future__ import annotations

import pytest
from botocore import exceptions as bce
from botocore.parsers import ResponseParserError
from botocore.stub import Stubber

from awsconn.aws.connectivity import run_connection_test
from awsconn.aws.diagnosis import CODES, CallContext, diagnose, partition_mismatch, raise_for
from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys
from awsconn.errors import AwsCallFailed, InvalidInput

CTX = CallContext(region="us-east-1", stage="identity", secrets=("s3cr3t",))


def client_error(code: str, op: str = "GetCallerIdentity", status: int = 400, msg: str = "m"):
    response = {
        "Error": {"Code": code, "Message": msg},
        "ResponseMetadata": {"RequestId": "req-1", "HTTPStatusCode": status},
    }
    return bce.ClientError(response, op)


@pytest.mark.parametrize(
    ("code", "op", "status", "expected"),
    [
        ("Throttling", "GetCallerIdentity", 400, "THROTTLED"),
        ("RequestLimitExceeded", "DescribeRegions", 503, "THROTTLED"),
        ("RequestTimeTooSkewed", "DescribeRegions", 403, "CLOCK_SKEW"),
        ("RequestExpired", "DescribeRegions", 400, "CLOCK_SKEW"),
        ("ExpiredToken", "GetCallerIdentity", 403, "EXPIRED_CREDENTIALS"),
        ("ExpiredToken", "AssumeRole", 403, "EXPIRED_CREDENTIALS"),
        ("RegionDisabledException", "GetCallerIdentity", 403, "REGION_NOT_ENABLED"),
        ("OptInRequired", "DescribeRegions", 401, "REGION_NOT_ENABLED"),
        ("InvalidClientTokenId", "GetCallerIdentity", 403, "INVALID_CREDENTIALS"),
        ("AuthFailure", "DescribeRegions", 401, "INVALID_CREDENTIALS"),
        ("SignatureDoesNotMatch", "GetCallerIdentity", 403, "INVALID_CREDENTIALS"),
        ("UnauthorizedOperation", "DescribeRegions", 403, "DESCRIBE_REGIONS_DENIED"),
        ("AccessDenied", "DescribeRegions", 403, "DESCRIBE_REGIONS_DENIED"),
        ("AccessDenied", "AssumeRole", 403, "ASSUME_ROLE_FAILED"),
        ("InvalidClientTokenId", "AssumeRole", 403, "INVALID_CREDENTIALS"),
        ("InvalidIdentityToken", "AssumeRoleWithWebIdentity", 400, "WEB_IDENTITY_FAILED"),
        ("ExpiredTokenException", "AssumeRoleWithWebIdentity", 400, "WEB_IDENTITY_FAILED"),
        ("InternalFailure", "DescribeRegions", 500, "ENDPOINT_UNREACHABLE"),
    ],
)
def test_client_error_codes(code, op, status, expected):
    failure = diagnose(client_error(code, op, status), CTX)
    assert failure.code == expected
    assert failure.aws_error_code == code
    assert failure.request_id == "req-1"
    assert failure.hint


def test_signature_expired_message_is_clock_skew():
    exc = client_error("InvalidSignatureException", msg="Signature expired: 20200101T000000Z")
    assert diagnose(exc, CTX).code == "CLOCK_SKEW"


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (bce.NoCredentialsError(), "NO_CREDENTIALS"),
        (bce.PartialCredentialsError(provider="env", cred_var="x"), "NO_CREDENTIALS"),
        (bce.EndpointConnectionError(endpoint_url="http://x"), "ENDPOINT_UNREACHABLE"),
        (bce.ConnectTimeoutError(endpoint_url="http://x"), "TIMEOUT"),
        (bce.ReadTimeoutError(endpoint_url="http://x"), "TIMEOUT"),
        (bce.ProxyConnectionError(proxy_url="http://p"), "ENDPOINT_UNREACHABLE"),
        (bce.SSLError(endpoint_url="https://x", error="bad cert"), "ENDPOINT_UNREACHABLE"),
        (ResponseParserError("<html>"), "ENDPOINT_UNREACHABLE"),
        (bce.InvalidRegionError(region_name="x y"), "REGION_INVALID"),
        (bce.ProfileNotFound(profile="p"), "NO_CREDENTIALS"),
        (bce.CredentialRetrievalError(provider="p", error_msg="e"), "NO_CREDENTIALS"),
        (InvalidInput("missing"), "NO_CREDENTIALS"),
    ],
)
def test_botocore_exceptions(exc, expected):
    failure = diagnose(exc, CTX)
    assert failure.code == expected
    assert failure.code in CODES


def test_secrets_are_scrubbed_from_messages():
    exc = client_error("SignatureDoesNotMatch", msg="string to sign had s3cr3t in it")
    assert "s3cr3t" not in diagnose(exc, CTX).message


def test_raise_for_wraps_in_aws_call_failed():
    with pytest.raises(AwsCallFailed) as err:
        raise raise_for(client_error("Throttling"), CTX) from None
    assert err.value.code == "THROTTLED"
    assert err.value.to_dict()["awsErrorCode"] == "Throttling"


def test_partition_mismatch_helper():
    assert partition_mismatch("arn:aws-us-gov:iam::1:role/r", "us-east-1")
    assert partition_mismatch("arn:aws:iam::1:role/r", "cn-north-1")
    assert partition_mismatch("arn:aws:iam::1:role/r", "us-west-2") is None
    assert partition_mismatch(None, "us-gov-west-1") is None


def _stubbed_test(monkeypatch, code: str, op: str) -> str:
    """Run a connection test whose clients answer through a Stubber."""
    factory = SessionFactory({"AWS_EC2_METADATA_DISABLED": "true"})
    spec = SessionSpec(
        "a/b", "ManualConfig", "us-east-1", static_keys=StaticKeys("AKIASTUBBED000000001", "s")
    )
    real_client = factory.client

    def client(spec_, service, region=None, *, config=None):
        c = real_client(spec_, service, region, config=config)
        stub = Stubber(c)
        if service == "sts":
            if op == "GetCallerIdentity":
                stub.add_client_error("get_caller_identity", code, http_status_code=400)
            else:
                stub.add_response(
                    "get_caller_identity",
                    {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/u"},
                )
        else:
            stub.add_client_error("describe_regions", code, http_status_code=400)
        stub.activate()
        return c

    monkeypatch.setattr(factory, "client", client)
    [error] = run_connection_test(spec, factory).errors
    return error.code


def test_stubbed_throttling_and_skew_in_a_connection_test(monkeypatch):
    assert _stubbed_test(monkeypatch, "Throttling", "GetCallerIdentity") == "THROTTLED"
    assert _stubbed_test(monkeypatch, "RequestTimeTooSkewed", "DescribeRegions") == "CLOCK_SKEW"
    assert _stubbed_test(monkeypatch, "ExpiredToken", "GetCallerIdentity") == "EXPIRED_CREDENTIALS"
    assert _stubbed_test(monkeypatch, "OptInRequired", "DescribeRegions") == "REGION_NOT_ENABLED"


def test_a_denied_call_other_than_describe_regions_is_access_denied_naming_it():
    ctx = CallContext(region="us-east-1", stage="call")
    failure = diagnose(client_error("AccessDenied", op="ListAttachedUserPolicies", status=403), ctx)
    assert failure.code == "ACCESS_DENIED"
    assert "ListAttachedUserPolicies" in failure.hint
    denied = diagnose(client_error("UnauthorizedOperation", op="DescribeRegions", status=403), ctx)
    assert denied.code == "DESCRIBE_REGIONS_DENIED"


def test_an_unmapped_aws_error_keeps_its_code_and_is_not_called_unreachable():
    ctx = CallContext(region="us-east-1", stage="call")
    failure = diagnose(client_error("SomethingNew", op="DescribeRegions", status=400), ctx)
    assert failure.code == "AWS_ERROR"
    assert failure.aws_error_code == "SomethingNew"


@pytest.mark.parametrize("url", ["not-a-url", "ftp//nohost"])
def test_a_malformed_endpoint_url_is_a_classified_failure_not_a_crash(url):
    factory = SessionFactory({"AWS_EC2_METADATA_DISABLED": "true", "AWS_ENDPOINT_URL": url})
    spec = SessionSpec(
        "a/b",
        "ManualConfig",
        "us-east-1",
        static_keys=StaticKeys("AKIASTUBBED000000001", "secret-value-1"),
    )
    [error] = run_connection_test(spec, factory).errors
    assert error.code == "ENDPOINT_UNREACHABLE"
    assert "AWS_ENDPOINT_URL" in error.hint
    assert url in error.message
    with pytest.raises(AwsCallFailed) as err:
        factory.list_regions(spec)
    assert err.value.code == "ENDPOINT_UNREACHABLE"
