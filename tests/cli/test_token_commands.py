"""``awsconn token`` and ``awsconn audit`` on a local store, both engines."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys

from store_fixtures import InProcessCli, ProcessCli

TOKEN_LINE = re.compile(r"^awsc_[A-Za-z0-9]{43}\n\Z")


def test_create_prints_the_token_alone_on_stdout(store_cli: InProcessCli) -> None:
    r = store_cli("token", "create", "--name", "ci", "--role", "editor", "--scope", "eng/web")
    assert r.code == 0, r.err
    assert TOKEN_LINE.match(r.out)  # TOKEN=$(awsconn token create ...) holds just the token
    assert "token 'ci' created: editor in project eng/web" in r.err
    assert "shown this once" in r.err


def test_create_as_json(store_cli: InProcessCli) -> None:
    r = store_cli(
        "token", "create", "--name", "deploy", "--role", "admin", "--scope", "eng",
        "--access", "--expires", "12h", "--description", "deploys eng", "-o", "json",
    )  # fmt: skip
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert TOKEN_LINE.match(data["token"] + "\n")
    assert (data["name"], data["role"], data["scope"], data["access"]) == (
        "deploy",
        "admin",
        "eng",
        True,
    )
    assert data["expiresAt"].endswith("Z") and data["status"] == "active"
    assert data["prefix"] == data["token"][:11]
    assert data["description"] == "deploys eng"


def test_list_shows_a_prefix_never_the_token(store_cli: InProcessCli) -> None:
    token = store_cli("token", "create", "--name", "ci", "--role", "viewer").out.strip()
    store_cli("token", "create", "--name", "old", "--role", "viewer")
    assert store_cli("token", "revoke", "old").code == 0
    table = store_cli("token", "list")
    assert table.code == 0 and token not in table.out
    assert token[:11] + "…" in table.out and "old" not in table.out
    every = json.loads(store_cli("token", "list", "--all", "-o", "json").out)
    assert [(t["name"], t["status"]) for t in every] == [("ci", "active"), ("old", "revoked")]
    assert all("token" not in t for t in every)


def test_revoke_by_name_or_id(store_cli: InProcessCli) -> None:
    created = json.loads(
        store_cli("token", "create", "--name", "ci", "--role", "viewer", "-o", "json").out
    )
    r = store_cli("token", "revoke", "--id", created["id"], "-o", "json")
    assert r.code == 0 and json.loads(r.out)["status"] == "revoked"
    again = store_cli("token", "revoke", "--id", created["id"])
    assert again.code == 2 and "revoked already" in again.err
    missing = store_cli("token", "revoke", "ci")
    assert missing.code == 2 and "NOT_FOUND" in missing.err
    neither = store_cli("token", "revoke")
    assert neither.code == 2 and "NAME or --id" in neither.err


def test_bad_input_names_every_field_and_stores_nothing(store_cli: InProcessCli) -> None:
    r = store_cli(
        "token", "create", "--name", "x/y", "--role", "root", "--scope", "a/b/c",
        "--expires", "400d",
    )  # fmt: skip
    assert r.code == 2 and r.out == ""
    for field in ("name:", "role:", "scope:", "expires:"):
        assert field in r.err
    assert "365d" in r.err and "Traceback" not in r.err
    assert json.loads(store_cli("token", "list", "--all", "-o", "json").out) == []
    assert store_cli("token", "create", "--name", "n").code == 2  # --role is required


def test_bootstrap_prints_the_first_admin_token_once(store_cli: InProcessCli) -> None:
    first = store_cli("token", "bootstrap")
    assert first.code == 0 and TOKEN_LINE.match(first.out)
    path = store_cli.home / "admin-token"
    assert str(path) in first.err
    assert path.read_text() == first.out and stat.S_IMODE(path.stat().st_mode) == 0o600
    second = store_cli("token", "bootstrap")
    assert second.code == 0 and second.out == ""
    assert "exists already" in second.err


def test_bootstrap_from_processes_started_together(process_cli: ProcessCli) -> None:
    cli = process_cli
    assert cli("token", "list").code == 0  # the schema exists before the race
    procs = [
        subprocess.Popen(
            cli.command("token", "bootstrap"),
            env=cli.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0 and "Traceback" not in err, err
        outs.append(out)
    printed = [o for o in outs if o]
    assert len(printed) == 1 and TOKEN_LINE.match(printed[0])
    assert (cli.home / "admin-token").read_text() == printed[0]


def test_audit_list_shows_token_events(store_cli: InProcessCli) -> None:
    store_cli("token", "create", "--name", "ci", "--role", "viewer")
    store_cli("token", "create", "--name", "ci", "--role", "viewer")  # a conflict
    store_cli("token", "revoke", "ci")
    table = store_cli("audit", "list")
    assert table.code == 0
    assert table.out.count("token.create") == 2 and "failed" in table.out
    assert '"errorCode": "CONFLICT"' in table.out
    page = json.loads(store_cli("audit", "list", "--action", "token.*", "-o", "json").out)
    assert [(e["action"], e["outcome"]) for e in page["events"]] == [
        ("token.revoke", "ok"),
        ("token.create", "failed"),
        ("token.create", "ok"),
    ]
    assert page["nextCursor"] is None
    assert page["events"][0]["target"] == {
        "kind": "token",
        "ref": "ci",
        "org": None,
        "project": None,
    }


def test_audit_list_pages_and_filters(store_cli: InProcessCli) -> None:
    for name in ("a", "b", "c"):
        store_cli("token", "create", "--name", name, "--role", "viewer")
    first = store_cli("audit", "list", "--limit", "2", "-o", "json")
    data = json.loads(first.out)
    assert [e["target"]["ref"] for e in data["events"]] == ["c", "b"]
    rest = store_cli("audit", "list", "--cursor", data["nextCursor"], "-o", "json")
    assert [e["target"]["ref"] for e in json.loads(rest.out)["events"]] == ["a"]
    table = store_cli("audit", "list", "--limit", "1")
    one = json.loads(store_cli("audit", "list", "--limit", "1", "-o", "json").out)
    assert f"more events: add --cursor {one['nextCursor']}" in table.err
    assert json.loads(store_cli("audit", "list", "--since", "1h", "-o", "json").out)["events"]
    nobody = json.loads(store_cli("audit", "list", "--actor", "nobody", "-o", "json").out)
    assert (nobody["events"], nobody["nextCursor"]) == ([], None)
    bad = store_cli("audit", "list", "--since", "last week", "--action", "x y")
    assert bad.code == 2 and "since:" in bad.err


def test_token_and_audit_help_import_no_heavy_module() -> None:
    heavy = ("boto3", "botocore", "sqlalchemy", "fastapi", "alembic", "cryptography")
    for noun in ("token", "audit"):
        probe = (
            "import sys\nfrom awsconn.cli import main\n"
            f"main([{noun!r}, '--help'])\n"
            "print('\\n'.join(sorted(sys.modules)))"
        )
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        loaded = set(out.stdout.split())
        assert not {m for m in heavy if m in loaded}, noun
