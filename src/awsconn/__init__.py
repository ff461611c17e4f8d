"""awsconn: AWS connectors — credentials, cross-account roles, connection tests, permissions.

``awsconn.connect(url, token)`` is the client of an awsconn server (``awsconn.client``);
it is imported on first use, so ``import awsconn`` stays as light as it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from awsconn.version import __version__

if TYPE_CHECKING:
    from awsconn.client import Client

__all__ = ["__version__", "connect"]


def connect(url: str, token: str, **options: Any) -> Client:
    """A client of the awsconn server at ``url``, authenticated by ``token``; ``options``
    are :func:`awsconn.client.connect`'s (``timeout``, ``verify``)."""
    from awsconn.client.client import connect as make

    return make(url, token, **options)
