"""Fixtures of the delegate tests: a server with a short lease, real delegate processes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from agent_fixtures import DelegateServer

from awsconn.aws.local_endpoint import LocalAwsEndpoint


@pytest.fixture(scope="module")
def delegate_server(
    tmp_path_factory: pytest.TempPathFactory, moto_auth: LocalAwsEndpoint
) -> Iterator[DelegateServer]:
    """A server on SQLite whose own AWS calls go to the enforcing moto server."""
    with DelegateServer(tmp_path_factory.mktemp("delegate-api"), aws_endpoint=moto_auth.url) as s:
        yield s


@pytest.fixture
def fresh_name() -> str:
    return f"d{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def module_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("delegates")
