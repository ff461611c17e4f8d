"""awsconn as an OpenID Connect issuer: what its ID tokens say, and who AWS must trust.

Pure rules (no I/O, no JOSE library): the issuer URL AWS may fetch, the ``sub`` of a
connector's token (what a role's trust policy pins), the pattern a trust policy uses for
a scope, and the IAM OIDC provider's condition keys. Signing and the keys are the
service's (``service/oidc_issuer.py``).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from awsconn.model.scope import Scope

__all__ = [
    "AUDIENCE_PATTERN",
    "AUDIENCE_RULE",
    "DEFAULT_AUDIENCE",
    "ISSUER_URL_RULE",
    "KEY_OVERLAP_S",
    "TOKEN_LIFETIME_S",
    "IssuerUrl",
    "OidcTrustScope",
    "check_issuer_url",
    "provider_host_path",
    "subject_of",
    "web_identity_trust_policy",
]

DEFAULT_AUDIENCE = "sts.amazonaws.com"
"""The ``aud`` of a token when the connector names none (what AWS's console proposes)."""
TOKEN_LIFETIME_S = 300
"""An ID token is good for 5 minutes: long enough for STS, short if it leaks."""
KEY_OVERLAP_S = TOKEN_LIFETIME_S + 60
"""How long a rotated-out key stays in the JWKS: every token it signed has expired by then
(with a minute for clock skew)."""
# IAM: an OIDC provider's client id (audience) is 1-255 characters without spaces.
AUDIENCE_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}\Z", re.ASCII)
AUDIENCE_RULE = "1 to 255 printable ASCII characters without spaces (default sts.amazonaws.com)"
ISSUER_URL_RULE = (
    "an https:// URL without query or fragment (AWS fetches {issuer}/.well-known/"
    "openid-configuration from it); http:// only for 127.0.0.1, ::1 or localhost"
)


@dataclass(frozen=True)
class IssuerUrl:
    """A checked issuer URL: ``url`` without a trailing slash, ``warning`` for plain HTTP."""

    url: str
    path: str
    warning: str | None = None

    @property
    def discovery_url(self) -> str:
        return f"{self.url}/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/.well-known/jwks.json"


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_issuer_url(raw: str) -> tuple[IssuerUrl | None, str | None]:
    """(the issuer URL, None), or (None, why it cannot be one) — see ``ISSUER_URL_RULE``."""
    text = raw.strip()
    if not text or len(text) > 255 or not text.isascii() or any(c.isspace() for c in text):
        return None, "is not a URL of at most 255 ASCII characters without spaces"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None, "is not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return None, "must be an https:// URL with a host"
    if parts.query or parts.fragment or "@" in parts.netloc:
        return None, "must have no query, fragment or user name"
    url = text.rstrip("/")
    path = parts.path.rstrip("/")
    if parts.scheme == "http":
        if not _is_loopback(host):
            return None, "must use https: AWS fetches the issuer's keys over HTTPS only"
        return IssuerUrl(
            url,
            path,
            f"the OIDC issuer {url} is plain HTTP on a loopback address: only this machine "
            "can reach it, and AWS cannot; use the public https:// URL for real roles",
        ), None
    return IssuerUrl(url, path), None


def provider_host_path(issuer: str) -> str:
    """The issuer as IAM names its OIDC provider and condition keys: no scheme, no slash."""
    parts = urlsplit(issuer)
    return f"{parts.netloc}{parts.path}".rstrip("/")


def subject_of(account: str, scope: Scope, identifier: str) -> str:
    """The ``sub`` of a connector's ID token: ``account/ACC:org/ORG:project/PROJ:connector/ID``,
    without the org and project parts for connectors at org or account scope."""
    parts = [f"account/{account}"]
    if scope.org is not None:
        parts.append(f"org/{scope.org}")
    if scope.project is not None:
        parts.append(f"project/{scope.project}")
    parts.append(f"connector/{identifier}")
    return ":".join(parts)


@dataclass(frozen=True)
class OidcTrustScope:
    """What a trust policy admits: one connector, or every connector of a scope."""

    account: str
    scope: Scope
    connector: str | None = None

    @property
    def subject(self) -> str:
        """The exact ``sub`` (one connector) or a StringLike pattern (a scope)."""
        if self.connector is not None:
            return subject_of(self.account, self.scope, self.connector)
        parts = [f"account/{self.account}"]
        if self.scope.org is not None:
            parts.append(f"org/{self.scope.org}")
        if self.scope.project is not None:
            parts.append(f"project/{self.scope.project}")
            parts.append("connector/*")
        else:
            parts.append("*")
        return ":".join(parts)


def web_identity_trust_policy(
    provider_arn: str, issuer: str, audience: str, subject: str
) -> dict[str, Any]:
    """The trust policy of a role assumed with awsconn's tokens: the provider as the
    federated principal, ``aud`` pinned with StringEquals, ``sub`` with StringEquals (one
    connector) or StringLike (a pattern with ``*``)."""
    key = provider_host_path(issuer)
    conditions: dict[str, dict[str, str]] = {"StringEquals": {f"{key}:aud": audience}}
    if "*" in subject:
        conditions["StringLike"] = {f"{key}:sub": subject}
    else:
        conditions["StringEquals"][f"{key}:sub"] = subject
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": provider_arn},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": conditions,
            }
        ],
    }
