"""A connector's credentials from a server, as the AWS CLI's ``credential_process`` JSON.

Stdlib and the transport only (no pydantic): ``awsconn credentials`` runs before every
AWS CLI call of a profile that uses it, so its remote road stays as light as its local
one. The document has the keys and order the local command prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsconn.client import routes
from awsconn.client.transport import Transport, path_of
from awsconn.errors import InvalidInput
from awsconn.model import EntityRef

__all__ = ["credential_document", "fetch_credentials"]

_KEYS = ("Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration")
_SLACK = 15.0
"""Seconds the HTTP exchange may take beyond the server's own timeout."""


def credential_document(data: Any) -> dict[str, Any]:
    """The server's ``CredentialProcessOutput`` in the local command's form: Version 1,
    the keys, then SessionToken and Expiration when there are any. Never echoes a value."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the server's credentials answer is not a JSON object")
    out: dict[str, Any] = {}
    for key in _KEYS:
        value = data.get(key)
        if value is not None:
            out[key] = value
    keys_ok = all(isinstance(out.get(k), str) and out[k] for k in _KEYS[1:3])
    if out.get("Version") != 1 or not keys_ok:
        raise InvalidInput(
            "the server's credentials answer is not credential_process JSON (Version 1 with "
            "AccessKeyId and SecretAccessKey); its values are not shown",
            hint="the server runs another awsconn version than this client",
        )
    return out


def fetch_credentials(transport: Transport, ref: EntityRef, *, timeout: float) -> dict[str, Any]:
    """The connector's credentials (``connector:access``), within ``timeout`` seconds on
    the server."""
    data = transport.call(
        "POST",
        path_of(routes.CONNECTOR_CREDENTIALS, identifier=ref.identifier),
        scope=ref.scope,
        params={"timeout": timeout},
        timeout=timeout + _SLACK,
    )
    return credential_document(data)
