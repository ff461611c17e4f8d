"""The connector and secret commands end to end: real SQLite file, real moto server."""

from __future__ import annotations

import json

import pytest
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy


def manual_yaml(identifier: str, access_key: str, secret_ref: str, *, extra: str = "") -> str:
    access_key = access_key.ljust(20, "0")  # placeholders like AKIA1 become well-formed key IDs
    return f"""
connector:
  name: {identifier}
  identifier: {identifier}
  tags:
    team: platform
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {access_key}
        secretKeyRef: {secret_ref}
      region: us-east-1{extra}
    delegateSelectors: []
"""


@pytest.fixture
def user_keys(moto_auth: LocalAwsEndpoint, unique_name: str):  # type: ignore[no-untyped-def]
    keys = moto_auth.create_user(
        unique_name, allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions")
    )
    assert keys is not None
    return keys


def test_bad_connector_reports_every_problem_with_its_path_and_exit_2(cli: Runner) -> None:
    doc = """
connector:
  name: "bad/name"
  identifier: class
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIA0000
        secretKeyRef: account.nope
      region: mars-1
"""
    r = cli("connector", "create", "-f", "-", input=doc)
    assert r.code == 2
    for path in (
        "name:",
        "identifier:",
        "spec.credential.region:",
        "spec.credential.spec.secretKeyRef:",
    ):
        assert path in r.err, path
    assert "secret account.nope not found" in r.err
    assert "Traceback" not in r.text
    assert cli("connector", "list", "-o", "json").out.strip() == "[]"


def test_create_test_and_list_shows_success(cli: Runner, user_keys) -> None:  # type: ignore[no-untyped-def]
    assert cli("secret", "create", "sk", input=user_keys.secret_access_key).code == 0
    r = cli(
        "connector",
        "create",
        "-f",
        "-",
        input=manual_yaml("prod", user_keys.access_key_id, "account.sk"),
    )
    assert r.code == 0, r.err
    r = cli("connector", "test", "prod", "-o", "json")
    assert r.code == 0, r.text
    result = json.loads(r.out)
    assert result["status"] == "SUCCESS"
    assert result["errors"] == []
    assert result["identity"]["account"] == "123456789012"
    assert result["region"] == "us-east-1"
    rows = json.loads(cli("connector", "list", "-o", "json").out)
    assert rows[0]["lastStatus"] == "SUCCESS"
    assert rows[0]["lastTestedAt"]
    history = json.loads(cli("connector", "history", "prod", "-o", "json").out)
    assert history[0]["status"] == "SUCCESS"


def test_describe_regions_denied_exits_1_with_the_policy_in_the_hint(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    assert keys is not None
    cli("secret", "create", "sk", input=keys.secret_access_key)
    cli("connector", "create", "-f", "-", input=manual_yaml("narrow", keys.access_key_id, "sk"))
    r = cli("connector", "test", "narrow", "-o", "json")
    assert r.code == 1
    err = json.loads(r.out)["errors"][0]
    assert err["code"] == "DESCRIBE_REGIONS_DENIED"
    assert "ec2:DescribeRegions" in err["hint"]
    assert json.loads(cli("connector", "list", "-o", "json").out)[0]["lastStatus"] == "FAILURE"


def test_export_import_export_is_byte_identical(cli: Runner, user_keys) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "create", "sk", input=user_keys.secret_access_key)
    cli("secret", "create", "osk", "--org", "eng", input="x")
    docs = manual_yaml("a_one", "AKIA1", "sk") + "---\n" + manual_yaml("b_two", "AKIA2", "sk")
    docs += """---
connector:
  name: org one
  identifier: org_one
  orgIdentifier: eng
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      crossAccountAccess:
        crossAccountRoleArn: arn:aws-us-gov:iam::123456789012:role/deploy
        externalId: ext-123
      region: us-gov-west-1
    delegateSelectors: [gov]
"""
    assert cli("connector", "import", "-f", "-", input=docs).code == 0
    first = cli("connector", "export").out
    r = cli("connector", "import", "-f", "-", input=first)
    assert r.code == 0
    assert r.out.count("unchanged") == 3
    assert cli("connector", "export").out == first


def test_import_is_all_or_nothing(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    good = manual_yaml("good_one", "AKIA1", "sk")
    bad = manual_yaml("bad_one", "AKIA1", "missing_secret")
    r = cli("connector", "import", "-f", "-", input=good + "---\n" + bad)
    assert r.code == 2
    assert "document 2: spec.credential.spec.secretKeyRef" in r.err
    assert json.loads(cli("connector", "list", "-o", "json").out) == []


def test_create_refuses_an_existing_connector_and_apply_updates(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIA1", "sk")).code == 0
    r = cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIA1", "sk"))
    assert r.code == 2 and "already exists" in r.err
    r = cli("connector", "apply", "-f", "-", input=manual_yaml("c1", "AKIA2", "sk"))
    assert r.code == 0 and "updated (version 2)" in r.out


def test_delegate_identity_needs_covering_tags_or_here(
    cli: Runner, monkeypatch: pytest.MonkeyPatch, user_keys
) -> None:  # type: ignore[no-untyped-def]
    doc = """
connector:
  name: on delegate
  identifier: on_delegate
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [prod, eks]
"""
    cli("connector", "create", "-f", "-", input=doc)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", user_keys.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", user_keys.secret_access_key)
    monkeypatch.setenv("AWSCONN_DELEGATE_TAGS", "prod")
    r = cli("connector", "test", "on_delegate")
    assert r.code == 1
    assert "eks" in r.err and "DELEGATE_UNAVAILABLE" in r.err
    r = cli("connector", "test", "on_delegate", "--here", "-o", "json")
    assert r.code == 0, r.text
    data = json.loads(r.out)
    assert data["identity"]["credentialMethod"] == "env"
    assert data["ranHereDespiteSelectors"] == ["eks"]
    monkeypatch.setenv("AWSCONN_DELEGATE_TAGS", "prod, eks")
    assert cli("connector", "test", "on_delegate").code == 0


def test_credentials_prints_credential_process_json(cli: Runner, user_keys) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "create", "sk", input=user_keys.secret_access_key)
    cli("connector", "create", "-f", "-", input=manual_yaml("c1", user_keys.access_key_id, "sk"))
    r = cli("credentials", "c1")
    assert r.code == 0
    data = json.loads(r.out)
    assert data["Version"] == 1
    assert data["AccessKeyId"] == user_keys.access_key_id


def test_exec_runs_a_command_with_the_connector_environment(cli: Runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sys

    cli("secret", "create", "sk", input="secret-value-for-exec")
    cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIAEXEC000000000001", "sk"))
    out = tmp_path / "env.txt"
    script = (
        "import os,sys; open(sys.argv[1],'w').write(os.environ['AWS_ACCESS_KEY_ID']+' '"
        "+os.environ['AWS_REGION'])"
    )
    r = cli("exec", "c1", "--", sys.executable, "-c", script, str(out))
    assert r.code == 0, r.text
    assert out.read_text() == "AKIAEXEC000000000001 us-east-1"


def test_unknown_connector_is_exit_2_with_a_hint(cli: Runner) -> None:
    r = cli("connector", "test", "nope")
    assert r.code == 2
    assert "connector nope not found" in r.err
    assert "hint:" in r.err


def test_test_all_reports_each_connector(cli: Runner, user_keys) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "create", "sk", input=user_keys.secret_access_key)
    cli("secret", "create", "bad", input="wrong-secret")
    docs = manual_yaml("ok1", user_keys.access_key_id, "sk") + "---\n"
    docs += manual_yaml("bad1", user_keys.access_key_id, "bad")
    cli("connector", "import", "-f", "-", input=docs)
    r = cli("connector", "test", "--all", "-o", "json")
    assert r.code == 1
    by_ref = {d["connector"]: d for d in map(json.loads, r.out.splitlines())}
    assert by_ref["ok1"]["status"] == "SUCCESS"
    assert by_ref["bad1"]["errors"][0]["code"] == "INVALID_CREDENTIALS"
    human = cli("connector", "test", "--all")
    assert human.code == 1
    assert "2 connectors tested: 1 SUCCESS, 1 FAILURE; 1 not ok" in human.out


def test_a_secret_in_use_is_not_deleted_without_force(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIA1", "sk"))
    r = cli("secret", "delete", "sk", "--yes")
    assert r.code == 2
    assert "used by connector c1" in r.err
    assert cli("secret", "delete", "sk", "--yes", "--force").code == 0
    assert json.loads(cli("secret", "list", "--all", "-o", "json").out) == []


def test_reencrypt_reseals_under_the_newest_key(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    old = "old:" + base64.b64encode(b"o" * 32).decode()
    new = "new:" + base64.b64encode(b"n" * 32).decode()
    monkeypatch.setenv("AWSCONN_MASTER_KEY", old)
    cli("secret", "create", "sk", input="value")
    monkeypatch.setenv("AWSCONN_MASTER_KEY", f"{new},{old}")
    r = cli("secret", "reencrypt")
    assert r.code == 0 and "1 secret re-encrypted" in r.out
    assert json.loads(cli("secret", "list", "--all", "-o", "json").out)[0]["keyId"] == "new"
    monkeypatch.setenv("AWSCONN_MASTER_KEY", new)  # the old key can now be retired
    assert cli("secret", "reencrypt").code == 0


def test_a_permission_check_that_cannot_run_is_reported_inside_the_test(
    cli: Runner, user_keys
) -> None:  # type: ignore[no-untyped-def]
    # The user may call STS and DescribeRegions but not read its own IAM policies.
    cli("secret", "create", "sk", input=user_keys.secret_access_key)
    doc = manual_yaml("c1", user_keys.access_key_id, "sk").replace(
        "    delegateSelectors: []", "    delegateSelectors: []\n    capabilities: [s3-read]"
    )
    assert cli("connector", "create", "-f", "-", input=doc).code == 0
    r = cli("connector", "test", "c1", "-o", "json")
    assert r.code == 1
    data = json.loads(r.out)
    assert data["status"] == "SUCCESS"  # the connection itself works
    assert data["permissions"]["summary"] == {"checked": False}
    assert data["permissions"]["error"]["hint"]
    human = cli("connector", "test", "c1")
    assert human.code == 1 and "permissions not checked" in human.out


def test_credentials_and_regions_failures_are_classified_not_tracebacks(cli: Runner) -> None:
    doc = """
connector:
  name: ambient
  identifier: ambient
  type: Aws
  spec:
    credential:
      type: InheritFromDelegate
      region: us-east-1
    delegateSelectors: [somewhere]
"""
    cli("connector", "create", "-f", "-", input=doc)
    r = cli("credentials", "ambient", "--here")
    assert r.code == 1
    assert "NO_CREDENTIALS" in r.err and "Traceback" not in r.text
    cli("secret", "create", "sk", input="wrong")
    cli("connector", "create", "-f", "-", input=manual_yaml("wrong", "AKIAWRONG0000000000", "sk"))
    r = cli("connector", "regions", "wrong")
    assert r.code == 1
    assert "INVALID_CREDENTIALS" in r.err and "Traceback" not in r.text


def test_a_connector_whose_secret_was_force_deleted_fails_its_test_without_stopping_the_rest(
    cli: Runner, user_keys
) -> None:  # type: ignore[no-untyped-def]
    cli("secret", "create", "sk", input=user_keys.secret_access_key)
    cli("secret", "create", "gone", input="x")
    docs = manual_yaml("ok1", user_keys.access_key_id, "sk") + "---\n"
    docs += manual_yaml("orphan", user_keys.access_key_id, "gone")
    assert cli("connector", "import", "-f", "-", input=docs).code == 0
    assert cli("secret", "delete", "gone", "--yes", "--force").code == 0

    r = cli("connector", "test", "--all", "-o", "json")
    assert r.code == 1, r.text
    by_ref = {d["connector"]: d for d in map(json.loads, r.out.splitlines())}
    assert by_ref["ok1"]["status"] == "SUCCESS"
    orphan = by_ref["orphan"]
    assert orphan["status"] == "FAILURE"
    [error] = orphan["errors"]
    assert error["code"] == "NO_CREDENTIALS"
    assert "spec.credential.spec.secretKeyRef" in error["message"]
    assert "gone" in error["message"]

    single = cli("connector", "test", "orphan", "-o", "json")
    assert single.code == 1, single.text
    assert json.loads(single.out)["errors"][0]["code"] == "NO_CREDENTIALS"
    rows = {r["ref"]: r for r in json.loads(cli("connector", "list", "-o", "json").out)}
    assert rows["orphan"]["lastStatus"] == "FAILURE"


def test_human_output_is_not_cut_or_wrapped_at_80_columns_when_piped(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    from awsconn.aws.diagnosis import DESCRIBE_REGIONS_POLICY

    keys = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    assert keys is not None
    cli("secret", "create", "a_rather_long_secret_identifier_for_columns", input="v")
    cli("secret", "create", "sk", input=keys.secret_access_key)
    cli("connector", "create", "-f", "-", input=manual_yaml("narrow", keys.access_key_id, "sk"))
    doc = (
        manual_yaml("delegated", "AKIA1", "sk")
        .replace(
            """      type: ManualConfig
      spec:
        accessKey: AKIA1000000000000000
        secretKeyRef: sk
""",
            "      type: InheritFromDelegate\n",
        )
        .replace("delegateSelectors: []", "delegateSelectors: [eks]")
    )
    assert cli("connector", "create", "-f", "-", input=doc).code == 0, doc
    r = cli("connector", "test", "narrow")
    assert r.code == 1
    # A hint is copied from logs and terminals: the policy must stay on one line.
    assert json.dumps(DESCRIBE_REGIONS_POLICY) in r.out
    tested_at = json.loads(cli("connector", "list", "-o", "json").out)[1]["lastTestedAt"]
    table = cli("connector", "list").out
    assert "InheritFromDelegate" in table
    assert tested_at in table
    assert "…" not in table
    secrets = cli("secret", "list").out
    assert "a_rather_long_secret_identifier_for_columns" in secrets
    assert "…" not in secrets


def test_rotate_key_adds_a_key_and_reseals_every_secret(cli: Runner, awsconn_home) -> None:  # type: ignore[no-untyped-def]
    import stat

    cli("secret", "create", "sk", input="value-1")
    cli("secret", "create", "sk2", input="value-2")
    old_kid = json.loads(cli("secret", "list", "--all", "-o", "json").out)[0]["keyId"]
    r = cli("secret", "rotate-key")
    assert r.code == 0, r.text
    assert "2 secrets re-encrypted" in r.out
    key_file = awsconn_home / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().split()) == 2
    kids = {s["keyId"] for s in json.loads(cli("secret", "list", "--all", "-o", "json").out)}
    assert kids and old_kid not in kids
    cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIAROTATE0000000001", "sk"))
    assert json.loads(cli("credentials", "c1").out)["SecretAccessKey"] == "value-1"


def test_rotate_key_with_keys_from_the_environment_says_how(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    import base64

    monkeypatch.setenv("AWSCONN_MASTER_KEY", base64.b64encode(b"k" * 32).decode())
    r = cli("secret", "rotate-key")
    assert r.code == 2
    assert "AWSCONN_MASTER_KEY" in r.err and "reencrypt" in r.err


def test_dry_run_says_what_would_change_and_stores_nothing(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=manual_yaml("c1", "AKIA1", "sk")).code == 0
    docs = manual_yaml("c1", "AKIA2", "sk") + "---\n" + manual_yaml("c2", "AKIA1", "sk")
    before = cli("connector", "export").out
    r = cli("connector", "import", "--dry-run", "-f", "-", input=docs)
    assert r.code == 0, r.text
    assert "connector c1 would be updated" in r.out
    assert "connector c2 would be created" in r.out
    assert cli("connector", "export").out == before
    r = cli("connector", "create", "--dry-run", "-f", "-", input=manual_yaml("c1", "AKIA1", "sk"))
    assert r.code == 2 and "already exists" in r.err
