"""The error taxonomy: every failure of an AWS call becomes one code with a hint.

Why here: botocore raises dozens of exception classes and AWS hundreds of error
codes, differing per service (EC2 ``AuthFailure`` vs STS ``InvalidClientTokenId``,
EC2 ``UnauthorizedOperation`` vs ``AccessDenied``). Users need one code that says
what is wrong and a hint that says what to change; the AWS code and request id
stay for support. Nothing from botocore passes this boundary unconverted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any, Literal

from botocore import exceptions as bce
from botocore.parsers import ResponseParserError

from awsconn.aws.preflight import partition_mismatch
from awsconn.aws.redaction import Redactor
from awsconn.errors import AwsCallFailed, AwsconnError, AwsFailure, InternalError, InvalidInput

__all__ = [
    "CODES",
    "DESCRIBE_REGIONS_POLICY",
    "OTHER_CODES",
    "CallContext",
    "RoleHopFailed",
    "diagnose",
    "partition_mismatch",
    "raise_for",
]

CODES = (
    "NO_CREDENTIALS",
    "INVALID_CREDENTIALS",
    "EXPIRED_CREDENTIALS",
    "ASSUME_ROLE_FAILED",
    "WEB_IDENTITY_FAILED",
    "DESCRIBE_REGIONS_DENIED",
    "PARTITION_MISMATCH",
    "REGION_INVALID",
    "REGION_NOT_ENABLED",
    "ENDPOINT_UNREACHABLE",
    "TIMEOUT",
    "THROTTLED",
    "CLOCK_SKEW",
)
# Outside the connection test's fixed taxonomy: other calls (IAM reads for the
# permission check) can be denied, and AWS can answer with a code nobody mapped.
OTHER_CODES = ("ACCESS_DENIED", "AWS_ERROR")

DESCRIBE_REGIONS_POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:DescribeRegions", "Resource": "*"}],
}

_THROTTLING = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "BandwidthLimitExceeded",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
}
_CLOCK = {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired"}
_INVALID = {
    "InvalidClientTokenId",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "IncompleteSignature",
    "InvalidSignatureException",
    "MissingAuthenticationToken",
}
_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "Forbidden"}
_NOT_ENABLED = {"OptInRequired", "RegionDisabledException", "InvalidRegion"}
_WEB_IDENTITY_OPS = {"AssumeRoleWithWebIdentity"}
_ASSUME_OPS = {"AssumeRole"}

Stage = Literal["credentials", "identity", "regions", "call"]


@dataclass(frozen=True)
class CallContext:
    """What was being attempted, so the hint can name the role, region and endpoint."""

    region: str
    stage: Stage = "call"
    role_arn: str | None = None
    external_id_sent: bool = False
    endpoint_url: str | None = None
    credential_type: str | None = None
    secrets: tuple[str, ...] = ()
    web_identity: tuple[str, str, str, str] | None = None
    """OidcAuthentication: (role ARN, issuer URL, audience, subject) of the token sent."""


def _aws_ids(exc: bce.ClientError) -> tuple[str, str, str | None, int | None]:
    response: dict[str, Any] = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) or {}
    meta = response.get("ResponseMetadata", {}) or {}
    headers = meta.get("HTTPHeaders", {}) or {}
    request_id = (
        meta.get("RequestId") or headers.get("x-amzn-requestid") or headers.get("x-amz-request-id")
    )
    return (
        str(error.get("Code") or "Unknown"),
        str(error.get("Message") or ""),
        request_id,
        meta.get("HTTPStatusCode"),
    )


def _assume_role_hint(ctx: CallContext) -> str:
    sent = "an External ID was sent" if ctx.external_id_sent else "no External ID was sent"
    return (
        f"AssumeRole of {ctx.role_arn} was refused ({sent}). Check the three usual causes: "
        "(1) the role's trust policy does not trust the caller (add the caller's account or "
        "ARN as Principal); (2) the External ID is wrong or missing (it must equal the "
        "trust policy's sts:ExternalId condition); (3) the caller lacks sts:AssumeRole on "
        "this role in its own identity policy."
    )


def _oidc_hint(web: tuple[str, str, str, str]) -> str:
    role, issuer, audience, subject = web
    host_path = issuer.split("://", 1)[-1].rstrip("/")
    return (
        f"AWS STS refused awsconn's ID token for {role}. AWS needs (1) an IAM OIDC identity "
        f"provider with URL {issuer} and audience {audience}, able to fetch "
        f"{issuer}/.well-known/openid-configuration over HTTPS; (2) the role's trust policy "
        f"allowing sts:AssumeRoleWithWebIdentity for that provider with {host_path}:aud = "
        f"{audience} and {host_path}:sub matching {subject} ('awsconn permissions "
        "trust-policy' prints both)."
    )


def _network_hint(ctx: CallContext) -> str:
    where = ctx.endpoint_url or f"the AWS endpoints of {ctx.region}"
    return (
        f"Could not reach {where}. Check network access, firewall and DNS; HTTPS_PROXY if a "
        "proxy is needed; AWS_CA_BUNDLE if TLS is intercepted; AWS_ENDPOINT_URL if it is set."
    )


def _client_error(exc: bce.ClientError, ctx: CallContext) -> AwsFailure:
    code, message, request_id, status = _aws_ids(exc)
    op = getattr(exc, "operation_name", "") or ""

    def fail(tax: str, hint: str, text: str | None = None) -> AwsFailure:
        body = text or f"{op or 'AWS call'} failed: {code}: {message}".strip()
        return AwsFailure(tax, body, hint, code, request_id)

    if code in _THROTTLING or status == 429:
        return fail(
            "THROTTLED",
            "AWS is throttling these calls; retry later, or raise the "
            "connector's retry count / back-off (awsSdkClientBackOffStrategyOverride).",
        )
    if code in _CLOCK or "signature expired" in message.lower():
        return fail(
            "CLOCK_SKEW",
            "The clock of the machine making the call is off; "
            "synchronise it with NTP (AWS allows about 5 minutes of skew).",
        )
    if op in _WEB_IDENTITY_OPS and ctx.web_identity is not None:
        return fail("WEB_IDENTITY_FAILED", _oidc_hint(ctx.web_identity))
    if op in _WEB_IDENTITY_OPS:
        return fail(
            "WEB_IDENTITY_FAILED",
            "AssumeRoleWithWebIdentity failed: check that the "
            "role named by AWS_ROLE_ARN trusts the cluster's OIDC provider and this "
            "service account, and that the token in AWS_WEB_IDENTITY_TOKEN_FILE is "
            "current.",
        )
    if code in _EXPIRED:
        return fail(
            "EXPIRED_CREDENTIALS",
            "The credentials (session token) have expired; "
            "issue new ones, or use a credential type that refreshes itself.",
        )
    if code in _NOT_ENABLED:
        return fail(
            "REGION_NOT_ENABLED",
            f"Region {ctx.region} is not enabled for this "
            "account: enable it (Account settings > AWS Regions) or pick another "
            "test region.",
        )
    if op in _ASSUME_OPS:
        if code in _INVALID:
            return fail(
                "INVALID_CREDENTIALS",
                f"The credentials used to assume {ctx.role_arn} "
                "were refused: check the access key id and secret of the connector.",
            )
        return fail("ASSUME_ROLE_FAILED", _assume_role_hint(ctx))
    if code in _INVALID:
        return fail(
            "INVALID_CREDENTIALS",
            "AWS does not recognise these credentials: check "
            "the access key id and secret (and that the key is active); keys of one "
            "partition do not work in another.",
        )
    if code in _DENIED or status == 403:
        if op in ("DescribeRegions", ""):
            return fail(
                "DESCRIBE_REGIONS_DENIED",
                "The identity may not call ec2:DescribeRegions, which every AWS "
                f"connector needs. Attach this policy: {json.dumps(DESCRIBE_REGIONS_POLICY)}",
            )
        return fail(
            "ACCESS_DENIED",
            f"The identity may not call {op}: grant that action in its identity policy "
            "(and check that no SCP, permission boundary or resource policy denies it).",
        )
    if status is not None and status >= 500:
        return fail(
            "ENDPOINT_UNREACHABLE",
            _network_hint(ctx),
            f"{op or 'AWS call'} failed: the endpoint answered HTTP {status} ({code})",
        )
    return fail("AWS_ERROR", "AWS refused the call; the AWS error code and message say why.")


class RoleHopFailed(Exception):
    """A role of a chain (``crossAccountAccess`` then ``chain``) could not be assumed:
    which hop (1-based, of ``of``), its role, and the cause. Diagnosed as the cause,
    with the hop's role in the hint and the hop named in the message."""

    def __init__(
        self, hop: int, of: int, role_arn: str, external_id_sent: bool, cause: BaseException
    ) -> None:
        super().__init__(str(cause))
        self.hop = hop
        self.of = of
        self.role_arn = role_arn
        self.external_id_sent = external_id_sent
        self.cause = cause


def diagnose(exc: BaseException, ctx: CallContext) -> AwsFailure:
    """Classify ``exc`` (raised while calling AWS in ``ctx``) into the taxonomy.

    No secret of ``ctx`` survives in the message or hint, in any spelling. An exception
    nobody can classify is a bug: it becomes InternalError, cleaned the same way.
    """
    redactor = Redactor(ctx.secrets)
    try:
        return redactor.failure(_classify(exc, ctx, redactor.text(str(exc))))
    except Exception:
        raise InternalError(
            f"unexpected {type(exc).__name__} from the AWS SDK: {redactor.text(str(exc))}"
        ) from exc


def _classify(exc: BaseException, ctx: CallContext, text: str) -> AwsFailure:
    if isinstance(exc, RoleHopFailed):
        hop_ctx = replace(ctx, role_arn=exc.role_arn, external_id_sent=exc.external_id_sent)
        found = _classify(exc.cause, hop_ctx, text)
        where = f"role chain hop {exc.hop} of {exc.of} ({exc.role_arn})"
        return replace(found, message=f"{where}: {found.message}")
    if isinstance(exc, AwsCallFailed):
        return exc.failure
    if isinstance(exc, bce.ClientError):
        return _client_error(exc, ctx)
    if isinstance(exc, InvalidInput):
        web = ctx.credential_type in ("Irsa", "OidcAuthentication")
        code = "WEB_IDENTITY_FAILED" if web else "NO_CREDENTIALS"
        return AwsFailure(code, exc.message, exc.hint or "")
    if isinstance(exc, AwsconnError):
        return AwsFailure("NO_CREDENTIALS", exc.message, exc.hint or "")
    if isinstance(exc, bce.NoCredentialsError | bce.PartialCredentialsError):
        return AwsFailure(
            "NO_CREDENTIALS",
            f"No AWS credentials were found: {text}",
            "For InheritFromDelegate the delegate needs an identity: environment variables, "
            "a profile in the shared config, a container/Pod Identity role or an instance "
            "role. For ManualConfig set the access key and secret.",
        )
    if isinstance(exc, bce.ConnectTimeoutError | bce.ReadTimeoutError):
        return AwsFailure(
            "TIMEOUT",
            f"The call timed out: {text}",
            "The endpoint did not answer in time: check the network path and proxy, or raise "
            "the timeout.",
        )
    if isinstance(exc, bce.InvalidRegionError | bce.UnknownRegionError):
        return AwsFailure("REGION_INVALID", text, "Use a region name such as us-east-1.")
    if isinstance(exc, bce.CredentialRetrievalError | bce.ProfileNotFound):
        return AwsFailure(
            "NO_CREDENTIALS",
            f"Credentials could not be loaded: {text}",
            "Check the delegate's AWS profile / credential source configuration.",
        )
    if isinstance(exc, bce.EndpointConnectionError | bce.ConnectionError | bce.HTTPClientError):
        return AwsFailure("ENDPOINT_UNREACHABLE", text, _network_hint(ctx))
    if isinstance(exc, ResponseParserError):
        return AwsFailure(
            "ENDPOINT_UNREACHABLE",
            f"The endpoint answered something that is not an AWS response: {text[:300]}",
            _network_hint(ctx) + " A proxy or portal may be answering instead of AWS.",
        )
    if isinstance(exc, OSError):
        stage_code = "WEB_IDENTITY_FAILED" if ctx.credential_type == "Irsa" else "NO_CREDENTIALS"
        return AwsFailure(
            stage_code,
            f"Could not read a credential file: {text}",
            "Check that the file exists and is readable by the delegate.",
        )
    if isinstance(exc, bce.BotoCoreError):
        code = "NO_CREDENTIALS" if ctx.stage == "credentials" else "ENDPOINT_UNREACHABLE"
        return AwsFailure(code, text, _network_hint(ctx))
    if isinstance(exc, ValueError) and text.startswith("Invalid endpoint"):
        # botocore's check of a configured endpoint URL: a setting error, not a bug.
        return AwsFailure(
            "ENDPOINT_UNREACHABLE",
            f"{text} (the configured endpoint is not a URL)",
            "Set AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_<SERVICE>, or endpoint_url in the "
            "profile) to a full URL such as https://host:port, or unset it to use AWS.",
        )
    raise exc


def raise_for(exc: BaseException, ctx: CallContext) -> AwsCallFailed:
    """The AwsCallFailed to raise (``raise raise_for(e, ctx) from e``) outside a test."""
    return AwsCallFailed(diagnose(exc, ctx))
