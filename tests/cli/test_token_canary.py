"""Canary: a token's text is printed when it is made and appears nowhere else: no table, no
file but the admin-token file, no log line (SQL with its parameters included), no error
message, no ``token list`` or ``audit list`` output. Both engines."""

from __future__ import annotations

import json
import logging
import os

import pytest
from sqlalchemy import create_engine, inspect, text

from awsconn.errors import AwsconnError
from awsconn.service.context import AppContext
from awsconn.service.tokens import authenticate
from store_fixtures import InProcessCli


def _secret_parts(token: str) -> list[str]:
    """What must never show: everything past the display prefix, and pieces of it."""
    rest = token[11:]
    return [rest, rest[:16], rest[-16:], token]


def _dump(url: str) -> str:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            tables = inspect(conn).get_table_names()
            assert {"api_tokens", "audit_events"} <= set(tables)
            return "\n".join(
                repr(tuple(row))
                for table in tables
                for row in conn.execute(text(f'SELECT * FROM "{table}"'))
            )
    finally:
        engine.dispose()


def test_a_token_shows_once_and_nowhere_else(
    store_cli: InProcessCli, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy.engine")  # statements and parameters
    shown: dict[str, str] = {}
    later: list[str] = []  # every output after the tokens were shown

    def run(*argv: str) -> str:
        r = store_cli(*argv)
        later.append(r.out + r.err)
        return r.out

    shown["bootstrap"] = store_cli("token", "bootstrap").out.strip()
    shown["table"] = store_cli("token", "create", "--name", "ci", "--role", "editor").out.strip()
    created = store_cli("token", "create", "--name", "deploy", "--role", "admin", "-o", "json")
    shown["json"] = json.loads(created.out)["token"]
    assert len(set(shown.values())) == 3 and all(t.startswith("awsc_") for t in shown.values())

    run("token", "list")
    run("token", "list", "--all", "-o", "json")
    run("token", "create", "--name", "ci", "--role", "editor")  # a conflict: an error message
    run("token", "revoke", "deploy")
    run("token", "revoke", "deploy")  # not found: an error message
    run("token", "bootstrap")  # exists already
    run("token", "list", "--all")
    run("audit", "list")
    run("audit", "list", "-o", "json")

    environ = {**store_cli.env}
    if store_cli.url.startswith("sqlite"):
        environ["AWSCONN_DATABASE_URL"] = store_cli.url
    ctx = AppContext(environ={k: v for k, v in environ.items() if k.startswith("AWSCONN_")})
    try:
        assert authenticate(ctx, shown["table"], address="203.0.113.5").name == "ci"
        altered = shown["table"][:-1] + ("1" if shown["table"].endswith("0") else "0")
        for attempt in (shown["json"], shown["json"] + "x", altered):
            try:
                authenticate(ctx, attempt, address="203.0.113.5")
            except AwsconnError as exc:
                later.append(f"{exc.message} {exc.hint} {exc!r} {exc.to_dict()}")
            else:  # the revoked one, the too-long one and the altered one
                pytest.fail("a token that is not valid authenticated")
    finally:
        ctx.close()

    everything = "\n".join(later) + caplog.text
    dump = _dump(store_cli.url)
    assert "ci" in dump and "token.create" in dump  # the dump did read the rows
    for token in shown.values():
        for part in _secret_parts(token):
            assert part not in everything
            assert part not in dump
    holders = []
    for path in store_cli.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(t.encode() in data for t in shown.values()):
                holders.append(path.name)
    assert holders == ["admin-token"]  # by design: the bootstrap's token, and only it
    assert (store_cli.home / "admin-token").read_text().strip() == shown["bootstrap"]
    assert os.stat(store_cli.home / "admin-token").st_mode & 0o077 == 0


def test_the_sql_log_shows_the_hash_never_the_token(
    store_cli: InProcessCli, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    token = store_cli("token", "create", "--name", "ci", "--role", "viewer").out.strip()
    assert "INSERT INTO api_tokens" in caplog.text  # the statement and its parameters logged
    assert token[11:] not in caplog.text
