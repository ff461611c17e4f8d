"""``client.secrets``: secrets on a server. Values go in, never come out.

Harness's v2 secrets API carries a ``SecretText`` secret with an inline value; awsconn's
store keeps it encrypted and no answer holds it. A value is text on this wire (UTF-8);
the client keeps it out of every message and repr.
"""

from __future__ import annotations

from typing import Any

from awsconn.client import routes
from awsconn.client.connectors import Ref, ref_of
from awsconn.client.transport import Transport, path_of
from awsconn.client.wire import page_content, secret_metadata
from awsconn.errors import InvalidInput
from awsconn.model import EntityRef, Scope, scope_of_settings
from awsconn.model.results import SecretMetadata

__all__ = ["SECRET_MANAGER", "Secrets"]

SECRET_MANAGER = "harnessSecretManager"
"""The secret manager a Harness script names; awsconn's one encrypted store."""
_PAGE = 100


def _text(value: bytes | str) -> str:
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the secret value is not UTF-8 text (not shown); a server takes text values",
            hint="store a text form of it (base64, for instance)",
        ) from None


def _body(ref: EntityRef, value: bytes | str, description: str | None) -> dict[str, Any]:
    secret: dict[str, Any] = {
        "type": "SecretText",
        "name": ref.identifier,
        "identifier": ref.identifier,
        "spec": {
            "secretManagerIdentifier": SECRET_MANAGER,
            "valueType": "Inline",
            "value": _text(value),
        },
    }
    if ref.scope.org is not None:
        secret["orgIdentifier"] = ref.scope.org
    if ref.scope.project is not None:
        secret["projectIdentifier"] = ref.scope.project
    if description is not None:
        secret["description"] = description
    return {"secret": secret}


class Secrets:
    """Secrets on the server: create, update, get, list, delete (metadata only)."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def __repr__(self) -> str:
        return f"Secrets({self._t.url!r})"

    def create(self, ref: Ref, value: bytes | str, *, description: str = "") -> SecretMetadata:
        """Store a new secret (Conflict when it exists)."""
        r = ref_of(ref)
        body = _body(r, value, description or None)
        return secret_metadata(self._t.call("POST", routes.SECRETS, scope=r.scope, body=body))

    def update(
        self, ref: Ref, value: bytes | str, *, description: str | None = None
    ) -> SecretMetadata:
        """Replace a secret's value (and its description, unless None: kept)."""
        r = ref_of(ref)
        body = _body(r, value, description)
        path = path_of(routes.SECRET, identifier=r.identifier)
        return secret_metadata(self._t.call("PUT", path, scope=r.scope, body=body))

    def get(self, ref: Ref) -> SecretMetadata:
        r = ref_of(ref)
        path = path_of(routes.SECRET, identifier=r.identifier)
        return secret_metadata(self._t.call("GET", path, scope=r.scope))

    def list(
        self,
        *,
        org: str | None = None,
        project: str | None = None,
        search: str | None = None,
        all_scopes: bool = False,
    ) -> list[SecretMetadata]:
        """Secrets of one scope (the account when neither ``org`` nor ``project``), by
        identifier; with ``all_scopes``, of that scope and every scope inside it (without
        ``org``: every scope the token may see), by scope then identifier."""
        scope = scope_of_settings(org, project) if (org or project) else Scope()
        out: list[SecretMetadata] = []
        index = 0
        while True:
            params = {
                "pageIndex": index,
                "pageSize": _PAGE,
                "searchTerm": search,
                "allScopes": True if all_scopes else None,
            }
            data = self._t.call("GET", routes.SECRETS, scope=scope, params=params)
            content, pages = page_content(data, "secret list")
            out.extend(secret_metadata(item) for item in content)
            index += 1
            if not content or pages is None or index >= pages:
                return out

    def delete(self, ref: Ref, *, force: bool = False) -> None:
        """Delete a secret; refused while connectors name it, unless ``force``."""
        r = ref_of(ref)
        path = path_of(routes.SECRET, identifier=r.identifier)
        self._t.call("DELETE", path, scope=r.scope, params={"forceDelete": force})
