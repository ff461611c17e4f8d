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

__all__ = ["GeneratedPolicy", "ParameterValues", "parameters_of", "policy_for", "trust_policy"]

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
