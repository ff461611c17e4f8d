"""Where a connector's work may run: the delegate-selector rule, in one place.

The CLI is its own local delegate, tagged by ``AWSCONN_DELEGATE_TAGS``. A connector
whose AWS identity is a delegate's own (InheritFromDelegate, Irsa) runs only on a
delegate whose tags cover every one of its selectors — or, with ``here``, on this
machine by the user's explicit choice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from awsconn.errors import DelegateUnavailable
from awsconn.model import Connector

__all__ = ["Placement", "place_locally"]


@dataclass(frozen=True)
class Placement:
    """The decision: run here or not, and why (shown to the user)."""

    runs_here: bool
    reason: str
    missing_selectors: tuple[str, ...] = ()

    def require(self) -> None:
        if not self.runs_here:
            raise DelegateUnavailable(
                self.reason,
                hint="set AWSCONN_DELEGATE_TAGS to include them on a machine that has that "
                "AWS identity, or pass --here to use this machine's identity",
            )


def place_locally(connector: Connector, local_tags: Iterable[str], *, here: bool) -> Placement:
    """May this process run ``connector``'s AWS work, given its delegate tags?"""
    tags = frozenset(local_tags)
    if not connector.credential_type.uses_delegate_identity:
        return Placement(True, "access keys from the secret store work on any delegate")
    missing = tuple(s for s in connector.delegate_selectors if s not in tags)
    if not missing:
        return Placement(True, "this machine's delegate tags cover the connector's selectors")
    if here:
        return Placement(True, "--here: using this machine's own AWS identity", missing)
    return Placement(
        False,
        f"{connector.ref} uses {connector.credential_type.value}: its AWS identity is that of a "
        f"delegate with tags {', '.join(connector.delegate_selectors)}; this machine lacks "
        f"{', '.join(missing)}",
        missing,
    )
