"""The local endpoint the other tests stand on: auth is really enforced, admin works."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.sessions import SessionFactory, StaticKeys

pytestmark = pytest.mark.aws


def test_admin_keys_work_and_unknown_keys_are_refused(moto_auth: LocalAwsEndpoint, aws_env):
    factory = SessionFactory(aws_env)
    arn = factory.client(moto_auth.spec(moto_auth.admin_keys), "sts").get_caller_identity()["Arn"]
    assert arn.endswith(":user/awsconn-admin")
    stranger = moto_auth.spec(StaticKeys("AKIAUNKNOWNKEY000000", "nope"))
    with pytest.raises(ClientError) as err:
        factory.client(stranger, "sts").get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_created_user_is_limited_by_its_policy(moto_auth: LocalAwsEndpoint, aws_env, unique_name):
    keys = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    assert keys is not None
    factory = SessionFactory(aws_env)
    with pytest.raises(ClientError) as err:
        factory.client(moto_auth.spec(keys), "ec2").describe_regions()
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_environ_has_no_ambient_identity(aws_env):
    assert aws_env["AWS_EC2_METADATA_DISABLED"] == "true"
    assert "AWS_ACCESS_KEY_ID" not in aws_env
    assert "AWS_PROFILE" not in aws_env
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        with open(aws_env[name]) as handle:
            assert handle.read() == ""


def test_stop_is_idempotent():
    endpoint = LocalAwsEndpoint(enforce_auth=False)
    endpoint.stop()
    endpoint.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's parent-death signal")
def test_the_endpoint_ends_with_its_owner_even_killed_outright(tmp_path: Path) -> None:
    """An owner killed with SIGKILL runs no cleanup: the moto server still ends (it gets
    SIGTERM when its owner dies) instead of living on as an orphan."""
    owner_code = (
        "import sys, time\n"
        "from awsconn.aws.local_endpoint import LocalAwsEndpoint\n"
        "endpoint = LocalAwsEndpoint(enforce_auth=False)\n"
        "print(endpoint._proc.pid, flush=True)\n"
        "time.sleep(600)\n"
    )
    owner = subprocess.Popen(
        [sys.executable, "-c", owner_code], stdout=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert owner.stdout is not None
        moto_pid = int(owner.stdout.readline())
        assert _alive(moto_pid)
    finally:
        owner.kill()
        owner.wait(timeout=30)
    watchdog = time.monotonic() + 60  # generous: only an orphan that never ends fails
    while _alive(moto_pid) and time.monotonic() < watchdog:
        time.sleep(0.1)
    assert not _alive(moto_pid)


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting for its reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
