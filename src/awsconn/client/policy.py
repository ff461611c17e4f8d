"""``client.policy``: the server's offline IAM policy engine and policy generation.

These read no stored data; the answers are the engine's reports as JSON, the documents
``awsconn policy ... -o json`` and ``awsconn permissions policy`` print.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from awsconn.client import routes
from awsconn.client.connectors import named_policies, named_policy
from awsconn.client.transport import Transport

__all__ = ["Policy"]


def _drop_none(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


class Policy:
    """evaluate, simulate, lint, expand; generate a least-privilege or a trust policy."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Policy({self._t.url!r})"

    def evaluate(
        self,
        action: str,
        resource: str = "*",
        *,
        policies: Iterable[tuple[str, Any]] = (),
        boundaries: Iterable[tuple[str, Any]] = (),
        scps: Iterable[tuple[str, Any]] = (),
        resource_policy: tuple[str, Any] | None = None,
        session_policy: tuple[str, Any] | None = None,
        principal: str | None = None,
        resource_account: str | None = None,
        context: Mapping[str, str | list[str]] | None = None,
        unknown_keys: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The decision on one request, with its explanation."""
        body = _drop_none(
            {
                "action": action,
                "resource": resource,
                "principal": principal,
                "resourceAccount": resource_account,
                "policies": named_policies(policies) or None,
                "boundaries": named_policies(boundaries) or None,
                "scps": named_policies(scps) or None,
                "resourcePolicy": named_policy(resource_policy) if resource_policy else None,
                "sessionPolicy": named_policy(session_policy) if session_policy else None,
                "context": dict(context) if context else None,
                "unknownKeys": list(unknown_keys) or None,
            }
        )
        result: dict[str, Any] = self._t.call("POST", routes.POLICY_EVALUATE, body=body)
        return result

    def simulate(self, cases: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """One result per case (each case as ``awsconn.iam.cases`` reads it)."""
        result: list[dict[str, Any]] = self._t.call(
            "POST", routes.POLICY_SIMULATE, body={"cases": [dict(c) for c in cases]}
        )
        return result

    def lint(
        self, policies: Iterable[tuple[str, Any]], *, kind: str = "identity"
    ) -> dict[str, Any]:
        """Findings per policy: grammar, what the kind needs, the IAM catalog."""
        body = {"policies": named_policies(policies), "kind": kind}
        result: dict[str, Any] = self._t.call("POST", routes.POLICY_LINT, body=body)
        return result

    def expand(self, pattern: str) -> list[Any]:
        """The catalog actions an action pattern (``s3:Get*``) matches."""
        result: list[Any] = self._t.call("GET", routes.POLICY_ACTIONS, params={"pattern": pattern})
        return result

    def generate(
        self, capabilities: Sequence[str], *, parameters: Mapping[str, str | None] | None = None
    ) -> dict[str, Any]:
        """The least-privilege identity policy for ``capabilities``."""
        body: dict[str, Any] = {"capabilities": list(capabilities)}
        kept = _drop_none(parameters or {})
        if kept:
            body["parameters"] = kept
        result: dict[str, Any] = self._t.call("POST", routes.POLICY_GENERATE, body=body)
        return result

    def trust_policy(
        self,
        *,
        trusted_principal: str | None = None,
        external_id: str | None = None,
        oidc_provider: str | None = None,
        service_account: str | None = None,
    ) -> dict[str, Any]:
        """A cross-account role's trust policy (``external_id="generate"`` makes one), or
        IRSA's."""
        body = _drop_none(
            {
                "trustedPrincipal": trusted_principal,
                "externalId": external_id,
                "oidcProvider": oidc_provider,
                "serviceAccount": service_account,
            }
        )
        result: dict[str, Any] = self._t.call("POST", routes.POLICY_TRUST, body=body)
        return result

    def capabilities(self) -> list[dict[str, Any]]:
        """Every use the catalog knows and what it requires."""
        result: list[dict[str, Any]] = self._t.call("GET", routes.CAPABILITIES)
        return result
