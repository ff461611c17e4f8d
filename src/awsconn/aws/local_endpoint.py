"""A local AWS-compatible endpoint: a real ``moto_server`` process, for tests and the demo.

Why a process and not moto's in-memory mocks: awsconn must be exercised through the
same HTTP, signing and credential paths it uses against AWS. With auth enforcement
the server only trusts keys of IAM users created inside it, so the first requests
(unchecked) bootstrap an admin user; everything else is set up with its keys.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from awsconn.aws.deadline import Deadline
from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys
from awsconn.errors import InternalError

__all__ = [
    "ACCOUNT_ID",
    "CreatedRole",
    "LocalAwsEndpoint",
    "allow_policy",
    "isolated_environ",
    "user_arn",
]

ACCOUNT_ID = "123456789012"
_BOOTSTRAP_REQUESTS = 3  # CreateUser, PutUserPolicy, CreateAccessKey


def allow_policy(*actions: str, resource: str = "*") -> dict[str, Any]:
    """An identity policy document allowing ``actions`` on ``resource``."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": resource}],
    }


def isolated_environ(endpoint_url: str | None, workdir: Path) -> dict[str, str]:
    """An environ with no ambient AWS identity: empty config files, no IMDS, one endpoint."""
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "aws-config"
    creds = workdir / "aws-credentials"
    config.touch()
    creds.touch()
    env = {
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(creds),
        "AWS_EC2_METADATA_DISABLED": "true",
        "PATH": os.defpath,
    }
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    return env


def user_arn(name: str) -> str:
    """The ARN moto gives an IAM user called ``name``."""
    return f"arn:aws:iam::{ACCOUNT_ID}:user/{name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _moto_command() -> list[str]:
    beside = Path(sys.executable).with_name("moto_server")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("moto_server")
    if found:
        return [found]
    return [sys.executable, "-m", "moto.server"]


@dataclass(frozen=True)
class CreatedRole:
    name: str
    arn: str


class LocalAwsEndpoint:
    """Start a moto server on 127.0.0.1; ``enforce_auth`` makes it check signatures/policies.

    Use as a context manager or call :meth:`stop`. ``admin_keys`` belong to an IAM
    user with an ``Action: "*"`` inline policy, created during the unchecked requests.
    """

    def __init__(self, *, enforce_auth: bool = True, startup_timeout_s: float = 30.0) -> None:
        self.enforce_auth = enforce_auth
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._workdir = Path(tempfile.mkdtemp(prefix="awsconn-moto-"))
        env = dict(os.environ)
        for name in list(env):
            if name.startswith("AWS_") or name.startswith("MOTO_"):
                del env[name]
        if enforce_auth:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(_BOOTSTRAP_REQUESTS)
        self._log = (self._workdir / "moto.log").open("wb")
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [*_moto_command(), "-H", "127.0.0.1", "-p", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            preexec_fn=ends_with_parent(),
        )
        try:
            self._wait_ready(startup_timeout_s)
            self.factory = SessionFactory(self.environ())
            self.admin_keys = self._bootstrap_admin()
        except BaseException:
            self.stop()
            raise

    # -- life cycle -------------------------------------------------------------

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = Deadline(timeout_s)
        while not deadline.expired():
            if self._proc is None or self._proc.poll() is not None:
                raise InternalError(f"moto_server exited early; see {self._workdir / 'moto.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise InternalError(f"moto_server did not listen on {self.url} within {timeout_s}s")

    def stop(self) -> None:
        """Stop the server process (idempotent)."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if not self._log.closed:
            self._log.close()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> LocalAwsEndpoint:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- set-up helpers ---------------------------------------------------------

    def environ(self, workdir: Path | None = None) -> dict[str, str]:
        """An isolated environ pointing every AWS call at this server."""
        return isolated_environ(self.url, workdir or self._workdir / "env")

    def spec(self, keys: StaticKeys, region: str = "us-east-1", **kwargs: Any) -> SessionSpec:
        """A ManualConfig spec for ``keys`` (for set-up calls and tests)."""
        return SessionSpec(
            connector=kwargs.pop("connector", "local/setup"),
            credential_type="ManualConfig",
            region=region,
            static_keys=keys,
            **kwargs,
        )

    def admin_client(self, service: str, region: str = "us-east-1") -> Any:
        """A client signed with the admin keys."""
        return self.factory.client(self.spec(self.admin_keys, region), service)

    def _bootstrap_admin(self) -> StaticKeys:
        bootstrap = StaticKeys("AKIAIOSFODNN7BOOTSTR", "bootstrap-secret-not-checked")
        iam = self.factory.client(self.spec(bootstrap), "iam")
        iam.create_user(UserName="awsconn-admin")
        iam.put_user_policy(
            UserName="awsconn-admin",
            PolicyName="admin",
            PolicyDocument=json.dumps(allow_policy("*")),
        )
        key = iam.create_access_key(UserName="awsconn-admin")["AccessKey"]
        return StaticKeys(key["AccessKeyId"], key["SecretAccessKey"])

    def create_user(
        self, name: str, policy: Mapping[str, Any] | None = None, *, with_key: bool = True
    ) -> StaticKeys | None:
        """An IAM user with an optional inline policy; returns its new access key."""
        iam = self.admin_client("iam")
        iam.create_user(UserName=name)
        if policy is not None:
            iam.put_user_policy(
                UserName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(policy)
            )
        if not with_key:
            return None
        return self.create_access_key(name)

    def create_access_key(self, user: str) -> StaticKeys:
        key = self.admin_client("iam").create_access_key(UserName=user)["AccessKey"]
        return StaticKeys(key["AccessKeyId"], key["SecretAccessKey"])

    def create_role(
        self,
        name: str,
        *,
        trust_principal: str | None = None,
        external_id: str | None = None,
        policy: Mapping[str, Any] | None = None,
        web_identity: bool = False,
    ) -> CreatedRole:
        """A role trusting ``trust_principal`` (an ARN; default ``*``), with an inline policy.

        moto compares the caller's ARN to the trust policy's principal literally (an
        account root does not cover its users), so pass the user's ARN (:func:`user_arn`).
        """
        principal: dict[str, Any]
        action = "sts:AssumeRole"
        if web_identity:
            principal = {"Federated": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/oidc.local"}
            action = "sts:AssumeRoleWithWebIdentity"
        else:
            principal = {"AWS": trust_principal or "*"}
        statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": action}
        if external_id is not None:
            statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
        iam = self.admin_client("iam")
        role = iam.create_role(
            RoleName=name,
            AssumeRolePolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [statement]}
            ),
        )["Role"]
        if policy is not None:
            iam.put_role_policy(
                RoleName=name, PolicyName=f"{name}-inline", PolicyDocument=json.dumps(policy)
            )
        return CreatedRole(name=name, arn=role["Arn"])

    def create_policy(self, name: str, document: Mapping[str, Any]) -> str:
        """A customer managed policy; returns its ARN."""
        answer = self.admin_client("iam").create_policy(
            PolicyName=name, PolicyDocument=json.dumps(document)
        )
        arn: str = answer["Policy"]["Arn"]
        return arn


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def ends_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child get SIGTERM when the process that started it
    ends, even killed outright (Linux's parent-death signal), so a local endpoint or a
    demo's server never outlives its owner; None where the platform has no such signal.
    Linux sends it when the *thread* that started the child ends: start children from a
    thread that lives as long as they should (the main thread, as the demo and tests do)."""
    if not sys.platform.startswith("linux"):
        return None
    return _set_parent_death_signal


def _set_parent_death_signal() -> None:
    import contextlib
    import ctypes

    # no prctl: the owner's own stop path remains
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
