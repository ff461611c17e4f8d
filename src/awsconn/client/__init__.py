"""The Python client of an awsconn server (httpx, sync).

::

    import awsconn

    with awsconn.connect("https://awsconn.example:8080", token) as client:
        for c in client.connectors.list(org="eng"):
            print(c.ref, c.last_status)
        s3 = client.session("eng/web/prod_aws").client("s3")

Names load on first use (PEP 562): the CLI's ``credentials`` road imports the transport
alone, without pydantic. Importing this package loads no service, store or boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from awsconn.client.access import Audit, NewToken, Tokens
    from awsconn.client.client import Client, connect
    from awsconn.client.connectors import Connectors, Ref
    from awsconn.client.delegates import Delegates, Tasks
    from awsconn.client.error_bodies import ServerError
    from awsconn.client.policy import Policy
    from awsconn.client.secrets import Secrets

__all__ = [
    "Audit",
    "Client",
    "Connectors",
    "Delegates",
    "NewToken",
    "Policy",
    "Ref",
    "Secrets",
    "ServerError",
    "Tasks",
    "Tokens",
    "connect",
]

_WHERE = {
    "Audit": "access",
    "NewToken": "access",
    "Tokens": "access",
    "Client": "client",
    "connect": "client",
    "Connectors": "connectors",
    "Ref": "connectors",
    "Delegates": "delegates",
    "Tasks": "delegates",
    "ServerError": "error_bodies",
    "Policy": "policy",
    "Secrets": "secrets",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'awsconn.client' has no attribute {name!r}")
    return getattr(importlib.import_module(f"awsconn.client.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
