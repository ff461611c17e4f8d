"""The client against a real ``awsconn server`` (tests/api_fixtures.py) and AWS at the local
moto server: a connected client, the CLI in remote mode, the CLI on the server's own store
(local mode, same data), connector documents, IAM users with keys."""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from api_fixtures import ApiServer
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.session_spec import StaticKeys
from awsconn.cli import main
from awsconn.client import Client, connect

__all__ = [
    "Result",
    "Runner",
    "cli_at",
    "client",
    "connector_doc",
    "remote_cli",
    "server_cli",
    "user_keys",
]


def connector_doc(
    identifier: str,
    access_key: str,
    secret_ref: str,
    *,
    org: str | None = None,
    project: str | None = None,
    role_arn: str | None = None,
    on_delegate: bool = False,
    tags: dict[str, str] | None = None,
    capabilities: list[str] | None = None,
    ignore_test: bool = False,
) -> dict[str, Any]:
    """A ManualConfig connector document (run where awsconn runs unless ``on_delegate``)."""
    credential: dict[str, Any] = {
        "type": "ManualConfig",
        "spec": {"accessKey": access_key, "secretKeyRef": secret_ref},
        "region": "us-east-1",
    }
    if role_arn:
        credential["crossAccountAccess"] = {"crossAccountRoleArn": role_arn}
    spec: dict[str, Any] = {
        "credential": credential,
        "delegateSelectors": [],
        "executeOnDelegate": on_delegate,
    }
    if capabilities:
        spec["capabilities"] = capabilities
    if ignore_test:
        spec["ignoreTestConnection"] = True
    body: dict[str, Any] = {
        "name": identifier,
        "identifier": identifier,
        "tags": tags or {"team": "platform"},
        "type": "Aws",
        "spec": spec,
    }
    if org:
        body["orgIdentifier"] = org
    if project:
        body["projectIdentifier"] = project
    return {"connector": body}


@pytest.fixture
def client(api_server: ApiServer) -> Iterator[Client]:
    """A client of the module's server with its first admin token."""
    with connect(api_server.url, api_server.token) as made:
        yield made


@pytest.fixture
def user_keys(moto_auth: LocalAwsEndpoint, unique_name: str) -> StaticKeys:
    """An IAM user that may call GetCallerIdentity and DescribeRegions."""
    keys = moto_auth.create_user(
        unique_name, allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    assert keys is not None
    return keys


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Runner = Callable[..., Result]


def _runner(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
) -> Runner:
    """The real CLI in this process with exactly ``environ``'s AWS and awsconn settings."""

    def run(*argv: str, input: str | bytes | None = None) -> Result:
        for name in list(os.environ):
            if name.startswith(("AWS_", "AWSCONN_")):
                monkeypatch.delenv(name, raising=False)
        for key, value in environ.items():
            monkeypatch.setenv(key, value)
        data = input.encode() if isinstance(input, str) else (input or b"")
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture
def remote_cli(
    api_server: ApiServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Runner:
    """The CLI with AWSCONN_URL and AWSCONN_TOKEN naming the module's server (its own,
    empty home: nothing local is read); ``token=`` presents another token."""

    def run(*argv: str, input: str | bytes | None = None, token: str | None = None) -> Result:
        environ = {
            "AWSCONN_HOME": str(tmp_path / "remote-home"),
            "AWSCONN_URL": api_server.url,
            "AWSCONN_TOKEN": api_server.token if token is None else token,
        }
        return _runner(monkeypatch, capsys, environ)(*argv, input=input)

    return run


@pytest.fixture
def cli_at(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> Runner:
    """The CLI against the server at a URL of the test's choosing: ``cli_at(url, *argv)``."""

    def run(url: str, *argv: str, input: str | bytes | None = None) -> Result:
        environ = {
            "AWSCONN_HOME": str(tmp_path / "remote-home"),
            "AWSCONN_URL": url,
            "AWSCONN_TOKEN": "awsc_" + "U" * 43,
        }
        return _runner(monkeypatch, capsys, environ)(*argv, input=input)

    return run


@pytest.fixture
def server_cli(
    api_server: ApiServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Runner:
    """The CLI in local mode on the server's own store and AWS (the data the server serves)."""
    environ = {k: v for k, v in api_server.env.items() if k.startswith(("AWS_", "AWSCONN_"))}
    return _runner(monkeypatch, capsys, environ)
