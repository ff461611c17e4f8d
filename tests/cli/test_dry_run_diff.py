"""`--dry-run` shows what would change, field by field (also with -o json); stores nothing."""

from __future__ import annotations

import json

from cli_fixtures import Runner

from awsconn.model.results import FieldChange
from awsconn.service.connectors import diff_documents


def doc(
    identifier: str, *, key: str = "AKIAEXAMPLE00000001", secret: str = "sk", extra: str = ""
) -> str:
    return f"""
connector:
  name: {identifier}
  identifier: {identifier}
  tags:
    team: platform{extra}
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: {key}
        secretKeyRef: {secret}
      region: us-east-1
    delegateSelectors: []
"""


def _setup(cli: Runner) -> str:
    cli("secret", "create", "sk", input="value-one")
    cli("secret", "create", "sk2", input="value-two")
    stored = doc("c1") + "---\n" + doc("same")
    assert cli("connector", "import", "-f", "-", input=stored).code == 0
    return cli("connector", "export").out


def test_dry_run_shows_each_changed_path_with_old_and_new(cli: Runner) -> None:
    before = _setup(cli)
    changed = doc(
        "c1", key="AKIAEXAMPLE00000002", secret="account.sk2", extra="\n    app.io/name: web"
    )
    changed = changed.replace("region: us-east-1", "region: eu-west-1")
    docs = changed + "---\n" + doc("same") + "---\n" + doc("fresh")
    for command in ("import", "apply"):
        if command == "apply":
            docs = changed
        r = cli("connector", command, "--dry-run", "-f", "-", input=docs)
        assert r.code == 0, r.text
        lines = r.out.splitlines()
        assert "connector c1 would be updated:" in lines
        assert (
            '  spec.credential.spec.accessKey: "AKIAEXAMPLE00000001" -> "AKIAEXAMPLE00000002"'
            in lines
        )
        assert '  spec.credential.region: "us-east-1" -> "eu-west-1"' in lines
        assert '  tags["app.io/name"]: (not set) -> "web"' in lines
        assert (
            '  spec.credential.spec.secretKeyRef: "sk" -> "account.sk2"'
            "  (secret reference, not a value)" in lines
        )
        assert "value-one" not in r.out and "value-two" not in r.out
        assert lines[-1] == "dry run: nothing stored"
        if command == "import":
            assert "connector same unchanged" in lines
            assert "connector fresh would be created" in lines
    assert cli("connector", "export").out == before


def test_dry_run_as_json(cli: Runner) -> None:
    before = _setup(cli)
    docs = doc("c1", key="AKIAEXAMPLE00000002") + "---\n" + doc("same") + "---\n" + doc("fresh")
    r = cli("connector", "import", "--dry-run", "-f", "-", "-o", "json", input=docs)
    assert r.code == 0, r.text
    by_ref = {d["ref"]: d for d in json.loads(r.out)}
    assert by_ref["c1"] == {
        "ref": "c1",
        "action": "updated",
        "dryRun": True,
        "changes": [
            {
                "path": "spec.credential.spec.accessKey",
                "old": "AKIAEXAMPLE00000001",
                "new": "AKIAEXAMPLE00000002",
            }
        ],
    }
    assert by_ref["same"] == {"ref": "same", "action": "unchanged", "dryRun": True}
    assert by_ref["fresh"] == {"ref": "fresh", "action": "created", "dryRun": True}
    assert cli("connector", "export").out == before
    r = cli("connector", "create", "--dry-run", "-f", "-", "-o", "json", input=doc("other"))
    assert json.loads(r.out) == [{"ref": "other", "action": "created", "dryRun": True}]
    r = cli(
        "connector", "apply", "-f", "-", "-o", "json", input=doc("c1", key="AKIAEXAMPLE00000003")
    )
    [applied] = json.loads(r.out)
    assert applied["dryRun"] is False and applied["version"] == 2
    assert applied["changes"][0]["new"] == "AKIAEXAMPLE00000003"


def test_the_diff_names_removed_fields_and_compares_lists_whole() -> None:
    old = {"connector": {"name": "a", "spec": {"delegateSelectors": ["x"], "capabilities": ["s"]}}}
    new = {"connector": {"name": "a", "spec": {"delegateSelectors": ["x", "y"]}}}
    assert diff_documents(old, new) == (
        FieldChange(path="spec.delegateSelectors", old=["x"], new=["x", "y"]),
        FieldChange(path="spec.capabilities", old=["s"]),  # removed: no new value
    )
    assert diff_documents(new, new) == ()
    assert FieldChange(path="a.b", new=1).wire() == {"path": "a.b", "new": 1}
