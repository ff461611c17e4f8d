"""Policy generation: least-privilege identity policies from the catalog, and trust policies.

A generated identity policy has one statement per resource (the "resource shape"), with a
readable Sid taken from the catalog's shape names, actions sorted and deduplicated
case-insensitively, and a concrete action left out when a wildcard in the same
statement already covers it. Trust policies are the two the seed describes: the
cross-account role (with an External ID) and IRSA's web-identity role.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.iam.capabilities import RequiredPermission

__all__ = [
    "ServiceAccount",
    "cross_account_trust_policy",
    "generate_external_id",
    "irsa_trust_policy",
    "least_privilege_policy",
    "parse_service_account",
]

VERSION = "2012-10-17"
_PRINCIPAL = re.compile(
    r"^arn:(?P<partition>aws(-[a-z]+)*):(iam|sts)::(?P<account>\d{12}):"
    r"(root|user/[\w+=,.@/-]+|role/[\w+=,.@/-]+|assumed-role/[\w+=,.@/-]+)$"
)
_ACCOUNT = re.compile(r"^\d{12}$")
_EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
_OIDC = re.compile(
    r"^arn:(?P<partition>aws(-[a-z]+)*):iam::\d{12}:oidc-provider/(?P<issuer>[A-Za-z0-9.\-_/]+)$"
)
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_SA_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")


def least_privilege_policy(requirements: Sequence[RequiredPermission]) -> dict[str, Any]:
    """One statement per resource, ``*`` first, in catalog order after that."""
    by_resource: dict[str, list[RequiredPermission]] = {}
    for req in requirements:
        by_resource.setdefault(req.resource, []).append(req)
    order = sorted(by_resource, key=lambda r: (r != "*", list(by_resource).index(r)))
    statements: list[dict[str, Any]] = []
    used_sids: set[str] = set()
    for resource in order:
        reqs = by_resource[resource]
        shapes = list(dict.fromkeys(r.shape for r in reqs))
        base = shapes[0] if len(shapes) == 1 or resource != "*" else "AccountWide"
        sid, n = base, 2
        while sid in used_sids:
            sid, n = f"{base}{n}", n + 1
        used_sids.add(sid)
        actions = _compact_actions([r.action for r in reqs])
        statements.append(
            {
                "Sid": sid,
                "Effect": "Allow",
                "Action": actions[0] if len(actions) == 1 else actions,
                "Resource": resource,
            }
        )
    return {"Version": VERSION, "Statement": statements}


def _compact_actions(actions: Sequence[str]) -> list[str]:
    """Dedupe case-insensitively; drop an action a wildcard in the same list covers."""
    unique: dict[str, str] = {}
    for action in actions:
        unique.setdefault(action.lower(), action)
    wildcards = [a for a in unique if "*" in a or "?" in a]
    kept = [
        original
        for lowered, original in unique.items()
        if not any(w != lowered and fnmatchcase(lowered, w) for w in wildcards)
    ]
    return sorted(kept, key=str.lower)


def generate_external_id() -> str:
    """A strong random External ID (256 bits, URL-safe), as AWS's guidance asks."""
    return secrets.token_urlsafe(32)


def cross_account_trust_policy(
    trusted_principal: str, *, external_id: str | None = None
) -> dict[str, Any]:
    """Trust policy of the cross-account role: who may assume it, with the External ID."""
    problems: list[Problem] = []
    principal = trusted_principal.strip()
    # A bare account ID stays as given: AWS reads it as the account in the role's own
    # partition, where arn:aws:iam::ID:root would exclude GovCloud and China.
    if not _ACCOUNT.match(principal) and not _PRINCIPAL.match(principal):
        problems.append(
            Problem(
                "trusted-principal",
                "not an IAM principal ARN",
                trusted_principal,
                "arn:PARTITION:iam::ACCOUNT:root, ...:user/NAME or ...:role/NAME",
            )
        )
    if external_id is not None and not _EXTERNAL_ID.match(external_id):
        problems.append(
            Problem(
                "external-id",
                "not a valid External ID",
                external_id,
                "2-1224 characters of letters, digits and +=,.@:/-_, or 'generate'",
            )
        )
    if problems:
        raise ValidationFailed(problems, what="trust policy input")
    statement: dict[str, Any] = {
        "Sid": "TrustConnectorIdentity",
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": VERSION, "Statement": [statement]}


@dataclass(frozen=True)
class ServiceAccount:
    namespace: str
    name: str

    @property
    def subject(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.name}"


def parse_service_account(text: str) -> ServiceAccount:
    """``NAMESPACE:NAME`` with Kubernetes naming rules, or a problem at ``service-account``."""
    namespace, sep, name = text.partition(":")
    if not sep or not _NAMESPACE.match(namespace) or not _SA_NAME.match(name):
        raise ValidationFailed(
            [
                Problem(
                    "service-account",
                    "not NAMESPACE:NAME",
                    text,
                    "a DNS label (a-z 0-9 -), a colon, then a name (a-z 0-9 - .)",
                )
            ],
            what="trust policy input",
        )
    return ServiceAccount(namespace, name)


def irsa_trust_policy(oidc_provider_arn: str, service_account: str) -> dict[str, Any]:
    """Web-identity trust for IRSA: only this cluster's service account, audience STS."""
    problems: list[Problem] = []
    match = _OIDC.match(oidc_provider_arn.strip())
    if match is None:
        problems.append(
            Problem(
                "oidc-provider",
                "not an IAM OIDC provider ARN",
                oidc_provider_arn,
                "arn:PARTITION:iam::ACCOUNT:oidc-provider/oidc.eks.REGION.amazonaws.com/id/ID",
            )
        )
    try:
        account = parse_service_account(service_account)
    except ValidationFailed as exc:
        problems.extend(exc.problems)
    if problems or match is None:
        raise ValidationFailed(problems, what="trust policy input")
    issuer = match.group("issuer")
    return {
        "Version": VERSION,
        "Statement": [
            {
                "Sid": "TrustServiceAccount",
                "Effect": "Allow",
                "Principal": {"Federated": oidc_provider_arn.strip()},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {
                        f"{issuer}:sub": account.subject,
                        f"{issuer}:aud": "sts.amazonaws.com",
                    }
                },
            }
        ],
    }
