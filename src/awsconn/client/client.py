"""The client of an awsconn server: the service's use cases over HTTP, the same models.

``connect(url, token)`` returns a :class:`Client`; its parts are named for the nouns of
the CLI (``connectors``, ``secrets``, ``tokens``, ``audit``, ``policy``, ``delegates``;
``tasks``), each method
returning the result model the service returns locally, each error the awsconn error the
service raised on the server. ``session(ref)`` is a boto3 Session over the connector's
credentials, refreshed from the server before they expire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from awsconn.client import routes
from awsconn.client.access import Audit, Tokens
from awsconn.client.connectors import Connectors, Ref, ref_of
from awsconn.client.credentials import fetch_credentials
from awsconn.client.delegates import Delegates, Tasks
from awsconn.client.policy import Policy
from awsconn.client.secrets import Secrets
from awsconn.client.session import ADVISORY_REFRESH, MANDATORY_REFRESH, refreshing_session
from awsconn.client.transport import DEFAULT_TIMEOUT, Transport
from awsconn.model.results import AwsCredentials, CallerInfo
from awsconn.timeouts import CREDENTIALS_TIMEOUT

if TYPE_CHECKING:
    import boto3

__all__ = ["Client", "connect"]


class Client:
    """One server, one token; a context manager that closes its connections."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport
        self.connectors = Connectors(transport)
        self.secrets = Secrets(transport)
        self.tokens = Tokens(transport)
        self.audit = Audit(transport)
        self.policy = Policy(transport)
        self.delegates = Delegates(transport)
        self.tasks = Tasks(transport)

    @property
    def url(self) -> str:
        return self._t.url

    def __repr__(self) -> str:
        return f"Client({self._t.url!r})"

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._t.close()

    def verify(self) -> None:
        """Ask the server whether it takes this token: Unauthenticated when it does not,
        StoreUnavailable when it cannot be reached."""
        self.whoami()

    def whoami(self) -> CallerInfo:
        """Who the token stands for on the server: name, kind, role, scope, access, id
        and permissions (any valid token may ask)."""
        from awsconn.client.wire import model_of

        return model_of(CallerInfo, self._t.call("GET", routes.WHOAMI), "whoami")

    def credentials(
        self, ref: Ref, *, timeout: float = CREDENTIALS_TIMEOUT.default
    ) -> AwsCredentials:
        """The connector's AWS credentials (``connector:access``): an assumed role's
        temporary keys with their Expiration, or the stored keys."""
        timeout = CREDENTIALS_TIMEOUT.check(timeout)
        return AwsCredentials.model_validate(
            fetch_credentials(self._t, ref_of(ref), timeout=timeout)
        )

    def session(
        self,
        ref: Ref,
        region: str | None = None,
        *,
        timeout: float = CREDENTIALS_TIMEOUT.default,
        advisory_refresh: int = ADVISORY_REFRESH,
        mandatory_refresh: int = MANDATORY_REFRESH,
    ) -> boto3.Session:
        """A boto3 Session with the connector's credentials, fetched again from the server
        ``advisory_refresh`` seconds before they expire; ``region`` defaults to the
        connector's (its test region)."""
        target = ref_of(ref)
        timeout = CREDENTIALS_TIMEOUT.check(timeout)
        if region is None:
            region = self.connectors.get(target).status.region
        return refreshing_session(
            lambda: fetch_credentials(self._t, target, timeout=timeout),
            region=region,
            advisory_refresh=advisory_refresh,
            mandatory_refresh=mandatory_refresh,
        )


def connect(
    url: str,
    token: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    verify: bool | str = True,
    transport: Any = None,
) -> Client:
    """A client of the awsconn server at ``url`` (its base, e.g. ``https://awsconn:8080``),
    authenticated by ``token``. ``timeout``: seconds per HTTP exchange; ``verify``: TLS
    verification (False, or a CA bundle path); ``transport``: an httpx transport (tests)."""
    if transport is not None and not isinstance(transport, httpx.BaseTransport):
        raise TypeError("transport is an httpx.BaseTransport")
    return Client(Transport(url, token, timeout=timeout, verify=verify, transport=transport))
