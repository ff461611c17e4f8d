"""A boto3 Session whose credentials come from an awsconn server, refreshed before expiry.

The server hands out a connector's credentials (``connector:access``); temporary ones
(an assumed role's) carry an ``Expiration``, and botocore's ``RefreshableCredentials``
asks the server again inside the advisory window before it (15 minutes by default;
botocore keeps using the old keys if that ask fails) and must succeed inside the
mandatory one (10 minutes). Static keys without an ``Expiration`` are used as they are.
boto3 is imported here only, when a session is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

__all__ = ["ADVISORY_REFRESH", "MANDATORY_REFRESH", "METHOD", "refreshing_session"]

ADVISORY_REFRESH = 15 * 60
"""Seconds before expiry from which the credentials are fetched again (botocore's)."""
MANDATORY_REFRESH = 10 * 60
"""Seconds before expiry from which a fetch must succeed (botocore's)."""
METHOD = "awsconn-server"
"""How botocore names where these credentials come from (``credentials.method``)."""
_NEVER = "9999-12-31T23:59:59Z"


def _metadata(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "access_key": document["AccessKeyId"],
        "secret_key": document["SecretAccessKey"],
        "token": document.get("SessionToken"),
        "expiry_time": document.get("Expiration") or _NEVER,
    }


def refreshing_session(
    fetch: Callable[[], dict[str, Any]],
    *,
    region: str | None,
    advisory_refresh: int = ADVISORY_REFRESH,
    mandatory_refresh: int = MANDATORY_REFRESH,
) -> boto3.Session:
    """A Session over ``fetch()`` (credential_process JSON): refreshable when the first
    answer has an Expiration, static otherwise."""
    import boto3
    import botocore.session
    from botocore.credentials import RefreshableCredentials

    if mandatory_refresh > advisory_refresh:
        raise ValueError("mandatory_refresh must not be longer than advisory_refresh")
    first = fetch()
    core = botocore.session.Session()
    if first.get("Expiration") is None:
        core.set_credentials(
            first["AccessKeyId"], first["SecretAccessKey"], first.get("SessionToken")
        )
    else:
        credentials = RefreshableCredentials.create_from_metadata(
            metadata=_metadata(first),
            refresh_using=lambda: _metadata(fetch()),
            method=METHOD,
            advisory_timeout=advisory_refresh,
            mandatory_timeout=mandatory_refresh,
        )
        core._credentials = credentials  # type: ignore[attr-defined]  # no public setter
    return boto3.Session(botocore_session=core, region_name=region)
