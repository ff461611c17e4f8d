"""Shared AWS fixtures: real moto servers (auth enforced / not) and isolated environs.

Import them from conftest.py. Tests never see the developer's AWS config: every
environ points at empty config files, disables IMDS and names the local endpoint.
"""

from __future__ import annotations

import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint, isolated_environ
from awsconn.aws.sessions import SessionFactory

__all__ = [
    "aws_env",
    "aws_env_noauth",
    "aws_factory",
    "moto_auth",
    "moto_noauth",
    "silent_endpoint",
    "unique_name",
]


@pytest.fixture(scope="session")
def moto_auth() -> Iterator[LocalAwsEndpoint]:
    """A moto server enforcing signatures and identity policies; ``.admin_keys`` is admin."""
    with LocalAwsEndpoint(enforce_auth=True) as endpoint:
        yield endpoint


@pytest.fixture(scope="session")
def moto_noauth() -> Iterator[LocalAwsEndpoint]:
    """A moto server without enforcement (AssumeRoleWithWebIdentity answers 500 under it)."""
    with LocalAwsEndpoint(enforce_auth=False) as endpoint:
        yield endpoint


@pytest.fixture
def aws_env(moto_auth: LocalAwsEndpoint, tmp_path: Path) -> dict[str, str]:
    """An environ for ``moto_auth``: AWS_ENDPOINT_URL set, no ambient credentials."""
    return isolated_environ(moto_auth.url, tmp_path / "aws")


@pytest.fixture
def aws_env_noauth(moto_noauth: LocalAwsEndpoint, tmp_path: Path) -> dict[str, str]:
    """Like ``aws_env`` but for ``moto_noauth``."""
    return isolated_environ(moto_noauth.url, tmp_path / "aws-noauth")


@pytest.fixture
def aws_factory(aws_env: dict[str, str]) -> SessionFactory:
    """A SessionFactory over ``aws_env``."""
    return SessionFactory(aws_env)


@pytest.fixture
def unique_name() -> str:
    """A name no other test on the shared servers uses (IAM names are global there)."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """``http://127.0.0.1:PORT`` of a TCP server that accepts connections and never answers
    (what a black-holing proxy or a hung AWS endpoint looks like to a client)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()
