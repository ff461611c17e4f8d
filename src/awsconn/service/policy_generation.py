"""Policies awsconn writes: least-privilege identity policies and role trust policies.

No stored data is read (so no permission is asked): these turn capability names and
parameters, or a trust relationship, into policy documents. The rules that pick
between variants live here, once, for every entry point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awsconn.service.refusals import TrustPolicyChoice

if TYPE_CHECKING:
    from awsconn.iam.capabilities import Parameters

__all__ = [
    "GeneratedPolicy",
    "ParameterValues",
    "oidc_trust_policy",
    "parameters_of",
    "policy_for",
    "trust_policy",
]

ParameterValues = Mapping[str, str | None]
"""Capability parameters by name (bucket, repository, region, account, role); None or
absent: the default (any)."""


def parameters_of(values: ParameterValues | None) -> Parameters:
    """The capability parameters, validated (every problem at once, named by setting)."""
    from awsconn.iam.capabilities import Parameters

    given = {k: v for k, v in (values or {}).items() if v is not None}
    return Parameters.build(**given)


@dataclass(frozen=True)
class GeneratedPolicy:
    """A least-privilege identity policy, and the parameters it leaves open (``*``)."""

    policy: dict[str, Any]
    unscoped: list[str]
    """Parameters the capabilities take that were not given: the policy covers any."""


def policy_for(
    capabilities: Sequence[str], parameters: ParameterValues | None = None
) -> GeneratedPolicy:
    """The least-privilege identity policy for ``capabilities`` (describe-regions
    included); ValidationFailed at ``capabilities`` or the parameter named otherwise."""
    from awsconn.service.permissions import generate, unscoped_parameters

    params = parameters_of(parameters)
    return GeneratedPolicy(
        generate(capabilities, params), unscoped_parameters(capabilities, params)
    )


def trust_policy(
    *,
    trusted_principal: str | None = None,
    external_id: str | None = None,
    oidc_provider: str | None = None,
    service_account: str | None = None,
) -> dict[str, Any]:
    """The trust policy of a connector's role: for a cross-account role
    (``trusted_principal``, and ``external_id``, where ``"generate"`` makes a strong
    random one), or for IRSA (``oidc_provider`` and ``service_account``
    NAMESPACE:NAME). Settings of both kinds, or of neither: TrustPolicyChoice."""
    from awsconn.iam.generate import (
        cross_account_trust_policy,
        generate_external_id,
        irsa_trust_policy,
    )

    irsa = oidc_provider is not None or service_account is not None
    if trusted_principal and not irsa:
        ext = generate_external_id() if external_id == "generate" else external_id
        return cross_account_trust_policy(trusted_principal, external_id=ext)
    if oidc_provider and service_account and not trusted_principal and external_id is None:
        return irsa_trust_policy(oidc_provider, service_account)
    raise TrustPolicyChoice()


def oidc_trust_policy(
    *,
    account: str,
    issuer_url: str | None,
    scope: str | None,
    connector: str | None = None,
    audience: str | None = None,
    aws_account: str | None = None,
    partition: str = "aws",
) -> dict[str, Any]:
    """The IAM OIDC provider for awsconn's issuer and the trust policy of a role assumed
    with its ID tokens (``OidcAuthentication``): ``aud`` pinned, ``sub`` pinned to one
    connector or matched for a scope (``*`` for the whole account, ``ORG``,
    ``ORG/PROJECT`` or ``ORG/PROJECT/CONNECTOR``; ``connector`` names one in the scope).
    Every problem is named by its setting (ValidationFailed)."""
    from awsconn.errors import Problem, ValidationFailed
    from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
    from awsconn.model.oidc import (
        AUDIENCE_PATTERN,
        AUDIENCE_RULE,
        DEFAULT_AUDIENCE,
        ISSUER_URL_RULE,
        OidcTrustScope,
        check_issuer_url,
        provider_host_path,
        web_identity_trust_policy,
    )
    from awsconn.model.regions import PARTITION_NAMES
    from awsconn.model.scope import Scope

    problems: list[Problem] = []
    issuer, why = check_issuer_url(issuer_url or "")
    if issuer is None:
        problems.append(Problem("issuerUrl", why or "is required", issuer_url, ISSUER_URL_RULE))
    aud = audience or DEFAULT_AUDIENCE
    if not AUDIENCE_PATTERN.match(aud):
        problems.append(Problem("audience", "is not an OIDC audience", aud, AUDIENCE_RULE))
    if (
        not aws_account
        or not (aws_account.isascii() and aws_account.isdigit())
        or len(aws_account) != 12
    ):
        problems.append(
            Problem(
                "awsAccount",
                "is required: the AWS account the IAM OIDC provider is in",
                aws_account,
                "a 12-digit AWS account id",
            )
        )
    if partition not in PARTITION_NAMES:
        problems.append(
            Problem("partition", "is not an AWS partition", partition, ", ".join(PARTITION_NAMES))
        )
    scope_rule = "*, ORG, ORG/PROJECT or ORG/PROJECT/CONNECTOR"
    text = (scope or "").strip()
    names = [] if text == "*" else text.split("/")
    if not text or len(names) > 3 or any(not n for n in names):
        problems.append(Problem("scope", "is not a scope", scope, scope_rule))
        names = []
    one = names.pop() if len(names) == 3 else None
    if connector is not None:
        if one is not None:
            problems.append(Problem("connector", "is named in scope already", connector))
        one = connector
    for name in [*names, *([one] if one is not None else [])]:
        if bad := identifier_problem(name):
            problems.append(Problem("scope", f"{name!r} {bad}", scope, IDENTIFIER_RULE))
    if problems or issuer is None:
        raise ValidationFailed(problems, what="OIDC trust policy input")
    org = names[0] if names else None
    project = names[1] if len(names) > 1 else None
    trust = OidcTrustScope(account, Scope(org, project), one)
    host_path = provider_host_path(issuer.url)
    provider_arn = f"arn:{partition}:iam::{aws_account}:oidc-provider/{host_path}"
    return {
        "oidcProvider": {"url": issuer.url, "audience": aud, "arn": provider_arn},
        "subject": trust.subject,
        "trustPolicy": web_identity_trust_policy(provider_arn, issuer.url, aud, trust.subject),
    }
