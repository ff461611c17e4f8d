"""Which secrets a connector document names, as secret keys: the links stored beside it.

The model reads the document (its secret references and their paths) and resolves
each reference against the connector's scope; this only turns the result into the
column values of ``connector_secret_refs``. A document the model cannot fully parse
still yields the references that did parse, as in the "secret not found" check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsconn.model import Scope, parse_connector

__all__ = ["SecretLink", "named_secrets"]


@dataclass(frozen=True, order=True)
class SecretLink:
    """A secret named at ``path`` of a connector, by its key ('' for no org / project)."""

    org: str
    project: str
    identifier: str
    path: str
    written: str  # the reference as written, for messages (``org.key``)


def named_secrets(document: Any, org: str | None, project: str | None) -> list[SecretLink]:
    """The secrets ``document`` names, for a connector in (org, project); sorted by key."""
    outcome = parse_connector(document)
    try:
        scope = Scope(org or None, project or None)
    except ValueError:
        return []
    links = []
    for path, ref in outcome.secret_refs.items():
        target = ref.resolve(scope)
        if target is None:  # org.ID in an account-level connector names nothing
            continue
        links.append(
            SecretLink(
                org=target.scope.org or "",
                project=target.scope.project or "",
                identifier=target.identifier,
                path=path,
                written=str(ref),
            )
        )
    return sorted(links)
