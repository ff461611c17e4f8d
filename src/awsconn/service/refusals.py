"""Refusals an entry point may put in its own words.

The service names settings (``here``, ``force``, ``capabilities``); each entry point
knows them by its own names (the CLI's ``--here``, ``--force``, ``--for``; an API's
query parameters; a button) and adds that advice to these errors, which carry what it
needs. Stdlib and the error tree only: the CLI reads them on its fastest road too.
"""

from __future__ import annotations

from awsconn.errors import Conflict, DelegateUnavailable, InvalidInput, Problem, ValidationFailed

__all__ = ["NeedsDelegate", "NoCapabilities", "SecretInUse", "TrustPolicyChoice"]


class NeedsDelegate(DelegateUnavailable):
    """The connector's work must run on a delegate this process is not.

    ``overridable``: this process could run it with its own AWS identity, by the user's
    explicit choice (the local-identity override, ``here``).
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str,
        selectors: tuple[str, ...],
        missing: tuple[str, ...],
        overridable: bool,
    ) -> None:
        super().__init__(message, hint=hint)
        self.selectors = selectors
        self.missing = missing
        self.overridable = overridable


class SecretInUse(Conflict):
    """A secret that connectors name cannot be deleted without ``force``."""

    def __init__(self, ref: str, users: list[str]) -> None:
        plural = "s" * (len(users) > 1)
        super().__init__(
            f"secret {ref} is used by connector{plural} {', '.join(users)}",
            hint="change or delete those connectors first, or delete it with force "
            "(those connectors then fail until they name another secret)",
        )
        self.ref = ref
        self.users = users


class NoCapabilities(ValidationFailed):
    """A permission check named no capability and the connector records none."""

    def __init__(self, known: str) -> None:
        super().__init__(
            [
                Problem(
                    "capabilities",
                    "none given, and the connector records none in spec.capabilities",
                    allowed=known,
                )
            ],
            what="permission check",
        )


class TrustPolicyChoice(InvalidInput):
    """A trust policy needs the settings of exactly one of its two kinds."""

    def __init__(self) -> None:
        super().__init__(
            "a trust policy is for a cross-account role (trustedPrincipal, and optionally "
            "externalId) or for IRSA (oidcProvider and serviceAccount), not both or neither"
        )
