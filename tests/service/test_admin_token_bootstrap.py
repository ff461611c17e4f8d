"""The first admin token: made once, even by processes starting together, on both engines."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from auth_fixtures import caller

from awsconn.errors import Forbidden, StoreUnavailable
from awsconn.model import Scope
from awsconn.service.access import Role
from awsconn.service.audit import list_audit
from awsconn.service.context import AppContext
from awsconn.service.tokens import (
    BOOTSTRAP_NAME,
    admin_token_path,
    authenticate,
    create_token,
    ensure_admin_token,
    list_tokens,
    revoke_token,
)
from awsconn.store.database import Database

PROCESSES = {"sqlite": 6, "postgresql": 10}

# Each worker opens the store, says "ready", waits for the go file, then starts up.
WORKER = """
import json, sys, time
from pathlib import Path
from awsconn.service.context import AppContext
from awsconn.service.tokens import ensure_admin_token
home, url, go = sys.argv[1:4]
ctx = AppContext(environ={"AWSCONN_HOME": home, "AWSCONN_DATABASE_URL": url})
ctx.db
print("ready", flush=True)
while not Path(go).exists():
    time.sleep(0.001)
print(json.dumps({"token": ensure_admin_token(ctx)}), flush=True)
"""


def test_a_start_without_an_admin_token_makes_one_and_writes_it_privately(
    auth_ctx: AppContext,
) -> None:
    token = ensure_admin_token(auth_ctx)
    assert token is not None
    path = admin_token_path(auth_ctx)
    assert path.read_text() == token + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    who = authenticate(auth_ctx, token)
    assert (who.name, who.role, who.scope, who.access) == (
        BOOTSTRAP_NAME,
        Role.ADMIN,
        Scope(),
        True,
    )
    assert ensure_admin_token(auth_ctx) is None  # the next start finds it
    assert path.read_text() == token + "\n"
    events = list_audit(auth_ctx).events
    assert [(e.action, e.outcome) for e in events] == [("token.bootstrap", "ok")]


def test_a_start_makes_another_once_no_admin_token_is_live(auth_ctx: AppContext) -> None:
    first = ensure_admin_token(auth_ctx)
    revoke_token(auth_ctx, name=BOOTSTRAP_NAME)
    second = ensure_admin_token(auth_ctx)
    assert second is not None and second != first
    assert admin_token_path(auth_ctx).read_text() == second + "\n"


def test_an_existing_admin_token_of_the_account_is_enough(auth_ctx: AppContext) -> None:
    create_token(auth_ctx, name="eng-admin", role="admin", scope="eng")  # not the account
    assert ensure_admin_token(auth_ctx) is not None
    revoke_token(auth_ctx, name=BOOTSTRAP_NAME)
    admin_token_path(auth_ctx).unlink()
    create_token(auth_ctx, name="ops", role="admin")
    assert ensure_admin_token(auth_ctx) is None
    assert not admin_token_path(auth_ctx).exists()


def test_a_token_that_cannot_be_written_is_not_made(auth_ctx: AppContext, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(StoreUnavailable, match="cannot write the admin token"):
        ensure_admin_token(auth_ctx, blocker / "admin-token")
    assert list_tokens(auth_ctx, include_ended=True) == []
    [failed] = list_audit(auth_ctx).events
    assert (failed.outcome, failed.detail) == ("failed", {"errorCode": "STORE_UNAVAILABLE"})
    assert ensure_admin_token(auth_ctx) is not None  # a start that can write makes it


def test_only_the_stores_owner_bootstraps(auth_ctx: AppContext) -> None:
    auth_ctx.caller = caller(Role.ADMIN, "eng")
    with pytest.raises(Forbidden):
        ensure_admin_token(auth_ctx)


def test_processes_starting_together_make_one_admin_token(db_url: str, tmp_path: Path) -> None:
    Database(db_url).close()  # migrated before the race: the race is the bootstrap's
    home, go = tmp_path / "home", tmp_path / "go"
    count = PROCESSES["sqlite" if db_url.startswith("sqlite") else "postgresql"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AWSCONN_"))}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(home), db_url, str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(count)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.05)  # every worker is polling for the go file
    go.touch()
    tokens = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        tokens.append(json.loads(out.splitlines()[-1])["token"])
    made = [t for t in tokens if t is not None]
    assert len(made) == 1
    assert (home / "admin-token").read_text() == made[0] + "\n"
    ctx = AppContext(environ={"AWSCONN_HOME": str(home), "AWSCONN_DATABASE_URL": db_url})
    try:
        [admin] = list_tokens(ctx, include_ended=True)
        assert (admin.name, admin.role) == (BOOTSTRAP_NAME, Role.ADMIN)
        assert authenticate(ctx, made[0]).token_id == admin.id
        assert [e.action for e in list_audit(ctx).events] == ["token.bootstrap"]
    finally:
        ctx.close()
