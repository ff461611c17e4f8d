"""How a connector authenticates: the credential variants, cross-account access, SDK backoff."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from awsconn.model.regions import PARTITION_NAMES
from awsconn.model.secret_refs import SecretRef

__all__ = [
    "ACCESS_KEY_PATTERN",
    "ACCESS_KEY_RULE",
    "BACKOFF_KINDS",
    "EXTERNAL_ID_PATTERN",
    "EXTERNAL_ID_RULE",
    "MAX_CHAIN_HOPS",
    "ROLE_ARN_PATTERN",
    "AwsCredential",
    "BackoffStrategy",
    "CredentialType",
    "CrossAccountAccess",
    "ManualConfig",
    "OidcConfig",
    "RoleHop",
    "is_temporary_access_key",
]


class CredentialType(StrEnum):
    MANUAL = "ManualConfig"
    INHERIT_FROM_DELEGATE = "InheritFromDelegate"
    IRSA = "Irsa"
    OIDC = "OidcAuthentication"

    @property
    def uses_delegate_identity(self) -> bool:
        """Whether the AWS identity is the delegate's own (so the task must run on one)."""
        return self in (CredentialType.INHERIT_FROM_DELEGATE, CredentialType.IRSA)


# An IAM role ARN in any partition: arn:PARTITION:iam::ACCOUNT:role[/path/]NAME.
# ASCII: IAM's \d and \w are ASCII only; \Z: $ would accept a trailing newline.
ROLE_ARN_PATTERN = re.compile(
    r"^arn:(?P<partition>" + "|".join(map(re.escape, PARTITION_NAMES)) + r"):iam::"
    r"(?P<account>\d{12}):role/"
    r"(?P<path>(?:[\x21-\x7e]+/)*)(?P<name>[\w+=,.@-]{1,64})\Z",
    re.ASCII,
)


# Access key IDs as AWS issues them (IAM AccessKeyId: 16-128 characters): upper-case
# letters and digits, AKIA for an IAM user's long-term key, ASIA for temporary (STS) keys.
ACCESS_KEY_PATTERN = re.compile(r"^A[KS]IA[A-Z0-9]{12,124}\Z", re.ASCII)
ACCESS_KEY_RULE = (
    "16 to 128 upper-case letters and digits starting with AKIA (an IAM user's key) "
    "or ASIA (a temporary key, with sessionTokenRef)"
)
# sts:AssumeRole ExternalId: 2-1224 characters of [\w+=,.@:/-].
EXTERNAL_ID_PATTERN = re.compile(r"^[\w+=,.@:/-]{2,1224}\Z", re.ASCII)
EXTERNAL_ID_RULE = "2 to 1224 characters: letters, digits and _+=,.@:/-"


def is_temporary_access_key(access_key: str) -> bool:
    """Whether an access key ID is an STS temporary key (which needs its session token)."""
    return access_key.startswith("ASIA")


@dataclass(frozen=True)
class ManualConfig:
    """Access keys: the key id as plain text or a secret, the secret key (and token) as secrets."""

    secret_key_ref: SecretRef
    access_key: str | None = None
    access_key_ref: SecretRef | None = None
    session_token_ref: SecretRef | None = None

    def secret_refs(self) -> dict[str, SecretRef]:
        """Every secret this config names, keyed by its field name in the YAML."""
        refs: dict[str, SecretRef] = {"secretKeyRef": self.secret_key_ref}
        if self.access_key_ref is not None:
            refs["accessKeyRef"] = self.access_key_ref
        if self.session_token_ref is not None:
            refs["sessionTokenRef"] = self.session_token_ref
        return refs


MAX_CHAIN_HOPS = 5
"""Roles a chain may add after ``crossAccountAccess`` (each hop is one more AssumeRole)."""


@dataclass(frozen=True)
class OidcConfig:
    """OidcAuthentication: the role assumed with an ID token awsconn signs (AWS STS
    AssumeRoleWithWebIdentity); ``audience`` is awsconn's extension (default
    ``sts.amazonaws.com``), the ``aud`` the role's trust policy pins."""

    iam_role_arn: str
    audience: str | None = None

    @property
    def partition(self) -> str:
        match = ROLE_ARN_PATTERN.match(self.iam_role_arn)
        return match.group("partition") if match else "aws"


@dataclass(frozen=True)
class RoleHop:
    """One further role of a chain: assumed with the previous role's credentials."""

    role_arn: str
    external_id: str | None = None


@dataclass(frozen=True)
class CrossAccountAccess:
    """The STS role to assume on top of the base credentials, with its optional External ID,
    and (awsconn's extension, ``chain``) further roles assumed one after the other.
    AWS caps a session reached through another role at one hour."""

    role_arn: str
    external_id: str | None = None
    chain: tuple[RoleHop, ...] = ()

    @property
    def hops(self) -> tuple[RoleHop, ...]:
        """Every role assumed, in order: this one first, then the chain."""
        return (RoleHop(self.role_arn, self.external_id), *self.chain)

    @property
    def partition(self) -> str:
        match = ROLE_ARN_PATTERN.match(self.role_arn)
        return match.group("partition") if match else "aws"

    @property
    def account(self) -> str | None:
        match = ROLE_ARN_PATTERN.match(self.role_arn)
        return match.group("account") if match else None


BACKOFF_KINDS = (
    "FixedDelayBackoffStrategy",
    "EqualJitterBackoffStrategy",
    "FullJitterBackoffStrategy",
)


@dataclass(frozen=True)
class BackoffStrategy:
    """``awsSdkClientBackOffStrategyOverride``: how every AWS call retries; times in ms."""

    kind: str
    retry_count: int
    fixed_backoff: int | None = None  # FixedDelay only
    base_delay: int | None = None  # the jitter strategies
    max_backoff_time: int | None = None


@dataclass(frozen=True)
class AwsCredential:
    type: CredentialType
    region: str
    manual: ManualConfig | None = None
    cross_account: CrossAccountAccess | None = None
    oidc: OidcConfig | None = None
