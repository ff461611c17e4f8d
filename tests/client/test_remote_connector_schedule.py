"""A connector's own test interval, from the command line, on a server and locally:
``connector schedule REF`` shows how often the monitor tests it and when next,
``--every MINUTES`` sets its own interval (``connector:edit``), ``--default`` gives it
back; the server's answer is the local one (same ``-o json``), a viewer reads it but
cannot set it, bad values name ``testInterval`` with the CLI's flag, and over HTTP the
body must say what it asks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from client_fixtures import Runner, connector_doc

from api_fixtures import ApiServer
from awsconn.aws.session_spec import StaticKeys
from awsconn.client import Client


def _connector(client: Client, keys: StaticKeys, name: str) -> str:
    client.secrets.create(f"{name}_sk", keys.secret_access_key)
    client.connectors.apply(
        connector_doc(name, keys.access_key_id, f"account.{name}_sk", org=f"o{name}")
    )
    return f"o{name}/{name}"


def test_set_show_and_reset_the_interval_on_a_server_as_locally(
    remote_cli: Runner,
    server_cli: Runner,
    client: Client,
    user_keys: StaticKeys,
    unique_name: str,
) -> None:
    ref = _connector(client, user_keys, unique_name)
    before = datetime.now(UTC)
    made = remote_cli("connector", "schedule", ref, "--every", "5", "-o", "json")
    assert made.code == 0, made.text
    schedule = json.loads(made.out)
    assert schedule["connector"] == ref
    assert (schedule["intervalMinutes"], schedule["ownInterval"]) == (5, True)
    next_at = datetime.fromisoformat(schedule["nextTestAt"])
    assert before < next_at <= datetime.now(UTC) + timedelta(minutes=5.5)  # 5 min ±10 %
    # the same on the server's store, read locally, and in text
    local = server_cli("connector", "schedule", ref, "-o", "json")
    assert local.code == 0
    here = json.loads(local.out)
    here_at = datetime.fromisoformat(here.pop("nextTestAt"))
    assert here_at.replace(microsecond=here_at.microsecond // 1000 * 1000) == next_at  # ms
    assert here == {k: v for k, v in schedule.items() if k != "nextTestAt"}
    text = remote_cli("connector", "schedule", ref)
    assert text.code == 0
    assert text.out.startswith(f"{ref}: tested every 5 min (its own); next test ")
    # the Harness document is untouched: the interval is awsconn's own setting
    assert "testInterval" not in json.dumps(client.connectors.get(ref).connector)
    back = remote_cli("connector", "schedule", ref, "--default", "-o", "json")
    assert back.code == 0
    assert (json.loads(back.out)["intervalMinutes"], json.loads(back.out)["ownInterval"]) == (
        10,
        False,
    )


def test_a_viewer_reads_the_schedule_but_cannot_set_it(
    remote_cli: Runner,
    api_server: ApiServer,
    client: Client,
    user_keys: StaticKeys,
    unique_name: str,
) -> None:
    ref = _connector(client, user_keys, unique_name)
    viewer = api_server.make_token("viewer")
    shown = remote_cli("connector", "schedule", ref, "-o", "json", token=viewer)
    assert shown.code == 0, shown.text
    assert json.loads(shown.out)["ownInterval"] is False
    refused = remote_cli("connector", "schedule", ref, "--every", "1", token=viewer)
    assert refused.code == 2 and refused.out == ""
    assert "connector:edit" in refused.err
    assert client.connectors.schedule(ref).own_interval is False


def test_bad_intervals_are_refused_naming_the_setting_and_the_flag(
    remote_cli: Runner, server_cli: Runner, client: Client, user_keys: StaticKeys, unique_name: str
) -> None:
    ref = _connector(client, user_keys, unique_name)
    for run in (remote_cli, server_cli):
        for minutes in ("0", "1441"):
            result = run("connector", "schedule", ref, "--every", minutes)
            assert result.code == 2 and result.out == "", result.text
            assert "testInterval" in result.err and "--every MINUTES" in result.err
        both = run("connector", "schedule", ref, "--every", "5", "--default")
        assert both.code == 2 and "contradict" in both.err
        missing = run("connector", "schedule", f"o{unique_name}/nope")
        assert missing.code == 2 and "not found" in missing.err
    assert client.connectors.schedule(ref).own_interval is False


def test_over_http_the_body_must_name_the_interval(
    api_server: ApiServer, client: Client, user_keys: StaticKeys, unique_name: str
) -> None:
    ref = _connector(client, user_keys, unique_name)
    path = f"/ng/api/awsconn/connectors/{unique_name}/schedule"
    scope = {"orgIdentifier": f"o{unique_name}"}
    with api_server.client() as http:
        for body in ({}, {"testInterval": "often"}, {"testInterval": 5, "every": 5}):
            answer = http.put(path, params=scope, json=body)
            assert answer.status_code == 400, (body, answer.text)
        answer = http.put(path, params=scope, json={"testInterval": 7})
        assert answer.status_code == 200, answer.text
        data = answer.json()["data"]
        assert (data["intervalMinutes"], data["ownInterval"]) == (7, True)
        assert isinstance(data["nextTestAt"], int)  # Harness's epoch milliseconds
        read = http.get(path, params=scope).json()["data"]
        assert read == data
    assert client.connectors.schedule(ref).interval_minutes == 7
