"""``awsconn credentials`` keeps an assumed role's credentials, sealed, until 5 minutes
before they expire; ``--no-cache``, an edit, a delete and a bad entry each lead to fresh
ones. Against the moto server with IAM auth: a user whose key may assume a role."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from cli_fixtures import Runner
from role_fixtures import DOC

from awsconn.aws.local_endpoint import LocalAwsEndpoint
from awsconn.model import parse_ref
from awsconn.model.clock import utc_now
from awsconn.service.context import AppContext
from awsconn.service.credential_cache import cache_of, digest_of
from awsconn.service.dispatch import dispatch


def _creds(cli: Runner, *args: str) -> dict[str, str]:
    r = cli("credentials", *args)
    assert r.code == 0, r.text
    out: dict[str, str] = json.loads(r.out)
    return out


def _entries(home: Path) -> list[Path]:
    folder = home / "cache" / "credentials"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def test_a_second_call_is_served_from_a_private_sealed_entry(
    cli: Runner, role_connector, awsconn_home: Path
) -> None:
    role_connector()
    first = _creds(cli, "cached")
    assert first["AccessKeyId"].startswith("ASIA") and "Expiration" in first
    assert _creds(cli, "cached") == first
    [entry] = _entries(awsconn_home)
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700
    text = entry.read_text()
    for value in (first["AccessKeyId"], first["SecretAccessKey"], first["SessionToken"]):
        assert value not in text
    assert "cached" not in entry.name


def test_no_cache_fetches_fresh_credentials_and_replaces_the_entry(
    cli: Runner, role_connector
) -> None:
    role_connector()
    first = _creds(cli, "cached")
    fresh = _creds(cli, "cached", "--no-cache")
    assert fresh["AccessKeyId"] != first["AccessKeyId"]
    assert _creds(cli, "cached") == fresh
    assert _creds(cli, "--no-cache", "cached", "--timeout", "20") != fresh  # either place


def test_editing_a_connector_invalidates_and_deleting_removes_its_entry(
    cli: Runner, role_connector, awsconn_home: Path
) -> None:
    role_connector()
    first = _creds(cli, "cached")
    role_connector(description="two")
    edited = _creds(cli, "cached")
    assert edited["AccessKeyId"] != first["AccessKeyId"]
    assert len(_entries(awsconn_home)) == 1
    assert cli("connector", "delete", "cached", "--yes").code == 0
    assert _entries(awsconn_home) == []
    role_connector()  # the same identifier at version 1 again: nothing of the old one
    assert _creds(cli, "cached")["AccessKeyId"] not in {first["AccessKeyId"], edited["AccessKeyId"]}


def test_a_corrupt_or_foreign_entry_is_ignored_and_replaced(
    cli: Runner, role_connector, awsconn_home: Path
) -> None:
    role_connector("one")
    role_connector("two")
    one = _creds(cli, "one")
    [one_entry] = _entries(awsconn_home)
    two = _creds(cli, "two")
    [two_entry] = [p for p in _entries(awsconn_home) if p != one_entry]
    two_entry.write_bytes(one_entry.read_bytes())  # one's sealed entry under two's name
    moved = _creds(cli, "two")
    assert moved["AccessKeyId"] not in {one["AccessKeyId"], two["AccessKeyId"]}
    two_entry.write_text("{not json")
    again = _creds(cli, "two")
    assert again["AccessKeyId"] != moved["AccessKeyId"]
    assert json.loads(two_entry.read_text())["format"] == "awsconn.credential-cache.v1"
    assert _creds(cli, "one") == one


def test_an_entry_is_used_until_five_minutes_before_its_expiry(
    cli: Runner, role_connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    role_connector()
    _creds(cli, "cached")
    ctx = AppContext(environ=dict(os.environ))
    ref = parse_ref("cached")
    dispatched = dispatch(ctx, ref, "credentials")
    spec = dispatched.checked_spec()

    def plant(left: timedelta) -> dict[str, str]:
        planted = {
            "Version": 1,
            "AccessKeyId": "ASIAPLANTED000000000",
            "SecretAccessKey": "planted",
            "SessionToken": "planted",
            "Expiration": (utc_now() + left).isoformat().replace("+00:00", "Z"),
        }
        cache_of(ctx).put(ref, dispatched.version, digest_of(ctx, spec), planted)
        return planted

    planted = plant(timedelta(minutes=6))
    assert _creds(cli, "cached") == planted
    plant(timedelta(minutes=29))  # exec's command cannot renew them: it wants 30 minutes
    out = Path(os.environ["AWSCONN_HOME"]) / "exec-key"
    script = "import os,sys; open(sys.argv[1],'w').write(os.environ['AWS_ACCESS_KEY_ID'])"
    assert cli("exec", "cached", "--", sys.executable, "-c", script, str(out)).code == 0
    assert out.read_text() not in ("", "ASIAPLANTED000000000")
    plant(timedelta(minutes=4))
    assert _creds(cli, "cached")["AccessKeyId"] != "ASIAPLANTED000000000"


def test_long_lived_keys_without_a_role_are_never_written_to_the_cache(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str, awsconn_home: Path
) -> None:
    keys = moto_auth.create_user(unique_name)
    assert keys is not None
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    doc = DOC.replace("      crossAccountAccess:\n        crossAccountRoleArn: {role}\n", "")
    r = cli(
        "connector",
        "create",
        "-f",
        "-",
        input=doc.format(name="plain", description="x", role="", key=keys.access_key_id),
    )
    assert r.code == 0, r.text
    out = _creds(cli, "plain")
    assert out["AccessKeyId"] == keys.access_key_id and "Expiration" not in out
    assert _entries(awsconn_home) == []


def test_a_cached_answer_loads_no_aws_sdk_and_no_cli_framework(
    cli: Runner, role_connector, awsconn_home: Path
) -> None:
    role_connector()
    first = _creds(cli, "cached")
    code = (
        "import sys; from awsconn.cli import main; rc = main(['credentials', 'cached']); "
        "heavy = sorted(m for m in ('typer', 'pydantic', 'boto3', 'botocore', 'sqlalchemy') "
        "if m in sys.modules); print(rc, heavy, file=sys.stderr)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert out.stderr.strip().splitlines()[-1] == "0 []", out.stderr
    assert json.loads(out.stdout) == first


def test_exec_uses_the_cache_and_no_cache_bypasses_it(
    cli: Runner, role_connector, tmp_path: Path
) -> None:
    role_connector()
    cached = _creds(cli, "cached")
    out = tmp_path / "key"
    script = "import os,sys; open(sys.argv[1],'w').write(os.environ['AWS_ACCESS_KEY_ID'])"
    assert cli("exec", "cached", "--", sys.executable, "-c", script, str(out)).code == 0
    assert out.read_text() == cached["AccessKeyId"]
    r = cli("exec", "cached", "--no-cache", "--", sys.executable, "-c", script, str(out))
    assert r.code == 0, r.text
    assert out.read_text() != cached["AccessKeyId"]
    assert _creds(cli, "cached")["AccessKeyId"] == out.read_text()  # the entry replaced
