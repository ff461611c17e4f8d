"""What the aws layer needs to know about one connector, as plain data (no AWS SDK).

Why a module of its own: building a spec (decrypting secrets, checking them, the
offline preflight) must not import boto3, so a fast path such as ``awsconn
credentials`` of static keys can use the same checks without loading the SDK.
``aws.sessions`` turns a spec into sessions and clients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "CHAINED_SESSION_S",
    "Backoff",
    "BackoffKind",
    "ChainHop",
    "CredentialType",
    "SessionSpec",
    "StaticKeys",
    "WebIdentity",
]

BackoffKind = Literal[
    "FixedDelayBackoffStrategy", "EqualJitterBackoffStrategy", "FullJitterBackoffStrategy"
]


@dataclass(frozen=True)
class Backoff:
    """A retry strategy; all durations in milliseconds, as in the connector YAML."""

    kind: BackoffKind
    retry_count: int
    fixed_backoff_ms: int = 0
    base_delay_ms: int = 0
    max_backoff_ms: int = 0


CredentialType = Literal["ManualConfig", "InheritFromDelegate", "Irsa", "OidcAuthentication"]


@dataclass(frozen=True)
class StaticKeys:
    """An access key pair (and optional session token); the repr never shows secrets."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        token = ", session_token=***" if self.session_token else ""
        return f"StaticKeys(access_key_id={self.access_key_id!r}, secret_access_key=***{token})"


CHAINED_SESSION_S = 3600
"""AWS caps a role session reached with another role's credentials at one hour."""


@dataclass(frozen=True)
class ChainHop:
    """A further role assumed with the previous role's credentials (``chain``)."""

    role_arn: str
    external_id: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class WebIdentity:
    """OidcAuthentication: the role, the ID token awsconn signed for it (never in a repr),
    and what the role's trust policy must match (said when AWS refuses the token)."""

    role_arn: str
    token: str = field(repr=False)
    issuer: str
    audience: str
    subject: str

    def __repr__(self) -> str:
        return (
            f"WebIdentity(role_arn={self.role_arn!r}, token=***, issuer={self.issuer!r}, "
            f"audience={self.audience!r}, subject={self.subject!r})"
        )


@dataclass(frozen=True)
class SessionSpec:
    """What the aws layer needs to know about one connector to reach AWS."""

    connector: str
    credential_type: CredentialType
    region: str
    static_keys: StaticKeys | None = None
    role_arn: str | None = None
    external_id: str | None = field(default=None, repr=False)
    backoff: Backoff | None = None
    web_identity: WebIdentity | None = None
    chain: tuple[ChainHop, ...] = ()
    """Roles assumed after ``role_arn``, in order (only with ``role_arn``)."""

    @property
    def role_chain(self) -> tuple[str, ...]:
        """Every role ARN assumed, in order (empty without a role)."""
        if self.role_arn is None:
            return ()
        return (self.role_arn, *(hop.role_arn for hop in self.chain))

    def secrets(self) -> tuple[str, ...]:
        """Every value of this spec that no message may show (key material, ID tokens)."""
        keys = self.static_keys
        token = self.web_identity.token if self.web_identity is not None else None
        if keys is None:
            return (token,) if token else ()
        values = (keys.access_key_id, keys.secret_access_key, keys.session_token, token)
        return tuple(v for v in values if v)
