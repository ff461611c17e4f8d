"""The CLI's own words for refusals it knows: its flags where the service names settings.

The service says ``here``, ``force``, ``capabilities`` and ``testInterval``; on this
command line they are ``--here``, ``--force``, ``--for`` and ``--every``. :func:`advise`
rewrites the advice of the errors that carry such a setting, once, before the error is
shown. Stdlib only at import: the ``credentials`` fast road shows its errors through here
too.
"""

from __future__ import annotations

from awsconn.errors import AwsconnError, ValidationFailed

__all__ = ["HERE_ADVICE", "advise"]

HERE_ADVICE = (
    "set AWSCONN_DELEGATE_TAGS to include them on a machine that has that AWS identity, "
    "or pass --here to use this machine's own"
)
_FOR_ADVICE = "pass --for CAP[,CAP...] (see 'awsconn permissions list')"


def advise(exc: AwsconnError) -> AwsconnError:
    """``exc`` with the CLI's advice where it knows better words; others as they are."""
    from awsconn.service.refusals import (
        NeedsDelegate,
        NoCapabilities,
        SecretInUse,
        TrustPolicyChoice,
    )

    if isinstance(exc, NeedsDelegate) and exc.overridable:
        exc.hint = HERE_ADVICE
    elif isinstance(exc, SecretInUse) or _secret_in_use(exc):
        exc.hint = (
            "change or delete those connectors first, or pass --force (they then fail "
            "until they name another secret)"
        )
    elif isinstance(exc, NoCapabilities):
        exc.hint = _FOR_ADVICE
    elif isinstance(exc, TrustPolicyChoice):
        exc.message = (
            "give --trusted-principal [--external-id ID|generate] for a cross-account role, "
            "or --oidc-provider ARN --service-account NAMESPACE:NAME for IRSA"
        )
    elif isinstance(exc, ValidationFailed) and any(p.path == "capabilities" for p in exc.problems):
        exc.hint = exc.hint or f"capabilities are given with --for: {_FOR_ADVICE}"
    elif isinstance(exc, ValidationFailed) and any(p.path == "testInterval" for p in exc.problems):
        exc.hint = exc.hint or "the interval is given with --every MINUTES (--default: 10)"
    return exc


def _secret_in_use(exc: AwsconnError) -> bool:
    """SecretInUse as a server sent it: its code and the service's own hint (a client
    rebuilds an error's class from its code, not the refusal's subclass)."""
    from awsconn.service.refusals import SecretInUse

    return exc.code == SecretInUse.code and exc.hint == SecretInUse("-", ["-"]).hint
