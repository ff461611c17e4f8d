"""``awsconn credentials``: the AWS CLI runs it before every call it makes
(``credential_process``), so it takes a road of its own past the CLI framework.

Building a Typer command coerces each parameter through pydantic (~90 ms here), more
than the rest of the command for stored keys. A command line of the plain form
``credentials REF [--here] [--no-cache] [--timeout SECONDS]`` is read here and run by the same
:func:`run` the Typer command calls; anything else (``--help``, an unknown option, a
timeout that is not a number) goes to Typer, which explains it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from awsconn.timeouts import CREDENTIALS_TIMEOUT

if TYPE_CHECKING:
    from awsconn.cli.remote import Remote

__all__ = ["CredentialsCall", "parse_plain", "run"]


@dataclass(frozen=True)
class CredentialsCall:
    ref: str
    here: bool = False
    timeout: float = CREDENTIALS_TIMEOUT.default
    no_cache: bool = False


def parse_plain(args: Sequence[str]) -> CredentialsCall | None:
    """The call ``args`` makes when it is of the plain form, else None (Typer reads it)."""
    if not args or args[0] != "credentials":
        return None
    ref: str | None = None
    here = False
    no_cache = False
    timeout: float = CREDENTIALS_TIMEOUT.default
    rest = list(args[1:])
    while rest:
        arg = rest.pop(0)
        if arg == "--here":
            here = True
        elif arg == "--no-cache":
            no_cache = True
        elif arg == "--timeout" or arg.startswith("--timeout="):
            text = arg.partition("=")[2] if "=" in arg else (rest.pop(0) if rest else None)
            try:
                timeout = float(text) if text is not None else float("nan")
            except ValueError:
                return None
            if text is None:
                return None
        elif arg.startswith("-") or ref is not None:
            return None
        else:
            ref = arg
    if ref is None:
        return None
    return CredentialsCall(ref, here, timeout, no_cache)


def run(call: CredentialsCall) -> None:
    """Print the credential_process JSON of ``call.ref`` (the one body of the command):
    from the server when one is configured (``cli/remote.py``), else the local store
    (temporary credentials cached unless ``no_cache``; a server never caches, so
    ``no_cache`` changes nothing there)."""
    import os

    from awsconn.cli.process import ref_of
    from awsconn.cli.remote import resolve

    timeout = CREDENTIALS_TIMEOUT.check(call.timeout, setting="--timeout")
    remote = resolve(os.environ)
    if remote is not None:
        out = _from_server(remote, call, timeout)
    else:
        from awsconn.cli.process import build_context
        from awsconn.service import connection

        out = connection.credential_process_output(
            build_context(),
            ref_of(call.ref),
            here=call.here,
            timeout_s=timeout,
            cache=not call.no_cache,
        )
    sys.stdout.write(json.dumps(out) + "\n")


def _from_server(remote: Remote, call: CredentialsCall, timeout: float) -> dict[str, Any]:
    """The server's answer: httpx and the transport only (no pydantic, no CLI framework).

    httpx imports its own command line (click, rich, pygments: 31 of its 77 ms) when they
    are installed, as they are beside awsconn's CLI; this process never runs it, so it is
    kept out before httpx is first imported.
    """
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
    from awsconn.cli.process import ref_of
    from awsconn.cli.remote import here_refused
    from awsconn.client.credentials import fetch_credentials
    from awsconn.client.transport import Transport

    if call.here:
        raise here_refused(remote)
    ref = ref_of(call.ref)
    transport = Transport(remote.url, remote.token)
    try:
        return fetch_credentials(transport, ref, timeout=timeout)
    finally:
        transport.close()
