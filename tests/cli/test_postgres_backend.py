"""The CLI end to end on PostgreSQL (AWSCONN_DATABASE_URL), as several replicas would share it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from canary_values import CONNECTORS, ODD, REFUSED, spellings_of
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy

CANARY = "CANARY-pg-5e1f0b7d2c9a"

pytestmark = pytest.mark.postgres


def _doc(identifier: str, access_key: str) -> str:
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  type: Aws\n"
        "  spec:\n    credential:\n      type: ManualConfig\n      spec:\n"
        f"        accessKey: {access_key}\n        secretKeyRef: sk\n      region: us-east-1\n"
        "    delegateSelectors: []\n"
    )


def test_connectors_secrets_and_tests_on_postgresql(
    cli: Runner,
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
    moto_auth: LocalAwsEndpoint,
    unique_name: str,
) -> None:
    monkeypatch.setenv("AWSCONN_DATABASE_URL", postgres_url)
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0
    assert cli("secret", "create", "canary", input=CANARY).code == 0
    docs = "---\n".join(_doc(f"c{i}", keys.access_key_id) for i in range(3))
    assert cli("connector", "import", "-f", "-", input=docs).code == 0
    r = cli("connector", "test", "--all", "-o", "json")
    assert r.code == 0, r.text
    assert {json.loads(line)["status"] for line in r.out.splitlines()} == {"SUCCESS"}
    first = cli("connector", "export").out
    assert cli("connector", "import", "-f", "-", input=first).out.count("unchanged") == 3
    assert cli("connector", "export").out == first
    rows = json.loads(cli("connector", "list", "-o", "json").out)
    assert [r["lastStatus"] for r in rows] == ["SUCCESS"] * 3

    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        dump = "\n".join(
            repr(tuple(row))
            for table in ("secrets", "connectors", "connector_tests")
            for row in conn.execute(text(f"SELECT * FROM {table}"))
        )
    engine.dispose()
    assert "c0" in dump  # the query did read the tables
    assert CANARY not in dump
    assert keys.secret_access_key not in dump


def test_odd_secret_values_reach_no_postgresql_row(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> None:
    """Values with CR, LF, quotes, backslashes, percent signs and unicode, tested and
    refused through every command, appear in no row of any table, in any spelling."""
    monkeypatch.setenv("AWSCONN_DATABASE_URL", postgres_url)
    for name, value in ODD.items():
        assert cli("secret", "create", name, input=value.encode()).code == 0
    assert cli("connector", "import", "-f", "-", input="---\n".join(CONNECTORS.values())).code == 0
    r = cli("connector", "test", "--all", "-o", "json")
    assert {json.loads(line)["status"] for line in r.out.splitlines()} == {"FAILURE"}

    from sqlalchemy import create_engine, text

    engine = create_engine(postgres_url)
    with engine.connect() as conn:
        tables = conn.execute(
            text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        ).scalars()
        rows = []
        for table in list(tables):
            # each row as PostgreSQL writes it, and its JSON values decoded again
            rows += conn.execute(text(f'SELECT t::text FROM "{table}" t')).scalars()
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                rows += [s for value in row for s in _strings(value)]
    engine.dispose()
    dump = "\n".join(rows)
    assert "c_odd" in dump and "tok_crlf" in dump  # the rows were read
    for name, value in ODD.items():
        for form in spellings_of(value):
            assert form not in dump, (name, form)
    for ref in REFUSED:
        assert cli("credentials", ref).code == 1


def _strings(value: Any) -> list[str]:
    """Every text inside a column value (JSON documents walked), as Python strings."""
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []
