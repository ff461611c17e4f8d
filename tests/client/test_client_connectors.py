"""``client.connectors`` against a real server: every method returns the service's result
model, with the data the server holds."""

from __future__ import annotations

import json

import pytest
import yaml
from client_fixtures import connector_doc

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.session_spec import StaticKeys
from awsconn.client import Client
from awsconn.errors import AwsCallFailed, Conflict, NotFound, ValidationFailed
from awsconn.model.results import (
    AppliedConnector,
    ConnectionTestOutcome,
    ConnectorDetail,
    HistoryEntry,
    PermissionDiff,
    PermissionReport,
    RegionList,
)

ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
S3_ONLY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
}


@pytest.fixture
def stored(client: Client, user_keys: StaticKeys, unique_name: str) -> str:
    """A connector in org ``o<name>`` whose secret holds a working secret key."""
    client.secrets.create(f"{unique_name}_sk", user_keys.secret_access_key)
    doc = connector_doc(
        unique_name, user_keys.access_key_id, f"account.{unique_name}_sk", org=f"o{unique_name}"
    )
    assert [a.action for a in client.connectors.apply(doc)] == ["created"]
    return f"o{unique_name}/{unique_name}"


def test_create_from_yaml_text_then_get_the_canonical_document(
    client: Client, unique_name: str
) -> None:
    doc = connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", "sk_absent_but_unused")
    doc["connector"]["spec"]["credential"]["type"] = "InheritFromDelegate"
    del doc["connector"]["spec"]["credential"]["spec"]
    doc["connector"]["spec"]["delegateSelectors"] = ["blue"]
    del doc["connector"]["spec"]["executeOnDelegate"]
    applied = client.connectors.create(yaml.safe_dump(doc))
    assert applied == [
        AppliedConnector(ref=unique_name, action="created", dry_run=False, version=1)
    ]
    detail = client.connectors.get(unique_name)
    assert isinstance(detail, ConnectorDetail)
    assert "accountIdentifier" not in detail.connector  # as awsconn exports it
    assert detail.connector["spec"]["delegateSelectors"] == ["blue"]
    status = detail.status
    assert (status.ref, status.type, status.version, status.last_status) == (
        unique_name, "InheritFromDelegate", 1, None
    )  # fmt: skip
    assert status.created_at is not None and status.created_at.tzinfo is not None
    with pytest.raises(Conflict):
        client.connectors.create(yaml.safe_dump(doc))


def test_apply_creates_updates_with_the_changes_and_knows_unchanged(
    client: Client, stored: str, user_keys: StaticKeys, unique_name: str
) -> None:
    doc = client.connectors.get(stored).connector
    (unchanged,) = client.connectors.apply({"connector": doc})
    assert (unchanged.action, unchanged.version, unchanged.changes) == ("unchanged", 1, None)
    changed = json.loads(json.dumps(doc))
    changed["tags"] = {"team": "payments"}
    (updated,) = client.connectors.apply({"connector": changed})
    assert (updated.action, updated.version) == ("updated", 2)
    assert [(c.path, c.old, c.new) for c in updated.changes or []] == [
        ("tags.team", "platform", "payments")
    ]
    assert client.connectors.get(stored).status.tags == {"team": "payments"}
    (back,) = client.connectors.apply(yaml.safe_dump({"connector": doc}))
    assert (back.action, back.version) == ("updated", 3)
    assert [(c.path, c.old, c.new) for c in back.changes or []] == [
        ("tags.team", "payments", "platform")
    ]


def test_a_dry_run_says_what_would_change_and_stores_nothing(
    client: Client, stored: str, unique_name: str
) -> None:
    doc = client.connectors.get(stored).connector
    changed = json.loads(json.dumps(doc))
    changed["spec"]["credential"]["region"] = "eu-west-1"
    new = connector_doc(f"{unique_name}_new", "AKIAIOSFODNN7EXAMPLE", f"account.{unique_name}_sk")
    planned = client.connectors.apply([{"connector": changed}, new], mode="import", dry_run=True)
    assert [(a.ref, a.action, a.dry_run, a.version) for a in planned] == [
        (stored, "updated", True, None),
        (f"{unique_name}_new", "created", True, None),
    ]
    assert [(c.path, c.old, c.new) for c in planned[0].changes or []] == [
        ("spec.credential.region", "us-east-1", "eu-west-1")
    ]
    assert client.connectors.get(stored).status.region == "us-east-1"
    with pytest.raises(NotFound):
        client.connectors.get(f"{unique_name}_new")


def test_several_documents_are_written_all_or_nothing(client: Client, unique_name: str) -> None:
    one = connector_doc(f"{unique_name}_a", "AKIAIOSFODNN7EXAMPLE", "x")
    one["connector"]["spec"]["credential"] = {"type": "Irsa", "region": "us-east-1"}
    one["connector"]["spec"]["delegateSelectors"] = ["eks"]
    del one["connector"]["spec"]["executeOnDelegate"]
    two = json.loads(json.dumps(one))
    two["connector"]["identifier"] = two["connector"]["name"] = f"{unique_name}_b"
    two["connector"]["spec"]["credential"]["region"] = "us-nowhere-1"
    text = f"{yaml.safe_dump(one)}---\n{yaml.safe_dump(two)}"
    with pytest.raises(ValidationFailed) as err:
        client.connectors.apply(text, mode="import")
    assert [p.path for p in err.value.problems] == ["document 2: spec.credential.region"]
    with pytest.raises(NotFound):
        client.connectors.get(f"{unique_name}_a")  # the first one is not written either
    two["connector"]["spec"]["credential"]["region"] = "us-east-1"
    text = f"{yaml.safe_dump(one)}---\n{yaml.safe_dump(two)}"
    applied = client.connectors.apply(text, mode="import")
    assert [(a.ref, a.action) for a in applied] == [
        (f"{unique_name}_a", "created"),
        (f"{unique_name}_b", "created"),
    ]
    with pytest.raises(ValidationFailed) as err:
        client.connectors.create(text)  # create takes exactly one
    assert "has 2 documents" in str(err.value)


def test_apply_reports_every_problem_at_its_path_in_the_document(
    client: Client, unique_name: str
) -> None:
    doc = connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", f"{unique_name}_missing")
    doc["connector"]["spec"]["credential"]["region"] = "us-nowhere-1"
    with pytest.raises(ValidationFailed) as err:
        client.connectors.apply(doc)
    paths = {p.path for p in err.value.problems}
    assert paths == {"spec.credential.region", "spec.credential.spec.secretKeyRef"}
    with pytest.raises(NotFound):
        client.connectors.get(unique_name)  # all or nothing: nothing stored


def test_list_and_page_filter_one_scope(client: Client, unique_name: str) -> None:
    org = f"o{unique_name}"
    for i, team in enumerate(("a", "b", "b")):
        doc = connector_doc(f"{unique_name}_{i}", "AKIAIOSFODNN7EXAMPLE", "x", org=org)
        doc["connector"]["tags"] = {"team": team}
        doc["connector"]["spec"]["credential"] = {"type": "Irsa", "region": "us-east-1"}
        doc["connector"]["spec"]["delegateSelectors"] = ["eks"]
        del doc["connector"]["spec"]["executeOnDelegate"]
        client.connectors.apply(doc)
    every = client.connectors.list(org=org)
    assert [s.identifier for s in every] == [f"{unique_name}_{i}" for i in range(3)]
    assert [s.identifier for s in client.connectors.list(org=org, tags=["team=b"])] == [
        f"{unique_name}_1",
        f"{unique_name}_2",
    ]
    assert client.connectors.list(org=org, credential_type="ManualConfig") == []
    first, pages = client.connectors.page(org=org, page_size=2)
    assert (len(first), pages) == (2, 2)
    second, _ = client.connectors.page(org=org, page_size=2, page_index=1)
    assert [s.identifier for s in first + second] == [s.identifier for s in every]
    assert client.connectors.list(org=f"{org}x") == []
    assert [s.identifier for s in client.connectors.list(org=org, tags=["team"])] == [
        f"{unique_name}_{i}" for i in range(3)
    ]  # a key alone: the tag is there, any value
    assert client.connectors.list(org=org, tags=["owner"]) == []
    assert client.connectors.list(org=org, tags=["team=a", "team=b"]) == []


def test_a_listing_across_scopes_holds_every_scope_inside_by_scope(
    client: Client, unique_name: str
) -> None:
    org = f"o{unique_name}"
    for where in ((None, None), (org, None), (org, "web"), (f"{org}z", None)):
        doc = connector_doc(f"{unique_name}_x", "AKIAIOSFODNN7EXAMPLE", "x", org=where[0],
                            project=where[1])  # fmt: skip
        doc["connector"]["spec"]["credential"] = {"type": "Irsa", "region": "us-east-1"}
        doc["connector"]["spec"]["delegateSelectors"] = ["eks"]
        del doc["connector"]["spec"]["executeOnDelegate"]
        client.connectors.apply(doc)
    everywhere = [s.ref for s in client.connectors.list(all_scopes=True) if unique_name in s.ref]
    assert everywhere == [
        f"{unique_name}_x",
        f"{org}/{unique_name}_x",
        f"{org}/web/{unique_name}_x",
        f"{org}z/{unique_name}_x",
    ]
    in_org = [s.ref for s in client.connectors.list(org=org, all_scopes=True)]
    assert in_org == [f"{org}/{unique_name}_x", f"{org}/web/{unique_name}_x"]
    assert [s.ref for s in client.connectors.list(org=org)] == [f"{org}/{unique_name}_x"]
    exported = client.connectors.export()
    assert exported.count(f"identifier: {unique_name}_x") == 4


def test_test_regions_history_and_delete(client: Client, stored: str) -> None:
    outcome = client.connectors.test(stored)
    assert isinstance(outcome, ConnectionTestOutcome)
    assert outcome.status == "SUCCESS" and outcome.ok
    assert outcome.identity is not None and outcome.identity.arn is not None
    assert outcome.identity.arn.endswith(f":user/{stored.split('/')[1]}")
    regions = client.connectors.regions(stored, timeout=20)
    assert isinstance(regions, RegionList) and "us-east-1" in regions.regions
    history = client.connectors.history(stored)
    assert [type(h) for h in history] == [HistoryEntry]
    assert history[0].status == "SUCCESS" and history[0].tested_at == outcome.tested_at
    assert client.connectors.get(stored).status.last_status == "SUCCESS"
    client.connectors.delete(stored)
    with pytest.raises(NotFound):
        client.connectors.get(stored)


def test_a_failed_test_is_an_outcome_with_the_failure_and_its_hint(
    client: Client, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("sts:GetCallerIdentity"))
    assert keys is not None
    client.secrets.create(f"{unique_name}_sk", keys.secret_access_key)
    client.connectors.apply(connector_doc(unique_name, keys.access_key_id, f"{unique_name}_sk"))
    outcome = client.connectors.test(unique_name)
    assert outcome.status == "FAILURE" and not outcome.ok
    assert [e.code for e in outcome.errors or []] == ["DESCRIBE_REGIONS_DENIED"]
    failure = (outcome.errors or [])[0]
    assert "ec2:DescribeRegions" in failure.hint and failure.hint != failure.message
    assert failure.aws_error_code in ("AccessDenied", "UnauthorizedOperation")


def test_check_and_diff_answer_the_services_reports(client: Client, stored: str) -> None:
    report = client.connectors.check(
        stored, ["s3-read"], policies=[("all.json", ALLOW_ALL)], use_simulator=False
    )
    assert isinstance(report, PermissionReport)
    assert report.summary["s3-read"] == "GRANTED" and report.ok
    assert [p.label for p in report.policies if p.layer == "identity"] == ["all.json"]
    denied = client.connectors.check(stored, ["ecr-pull"], policies=[("s3.json", S3_ONLY)])
    assert denied.summary["ecr-pull"] == "NOT_GRANTED" and not denied.ok
    assert denied.missing_policy is not None
    with pytest.raises(AwsCallFailed) as err:  # the live identity may not read its policies
        client.connectors.diff(stored, ["ecr-pull"], what_if=[("all.json", ALLOW_ALL)])
    assert err.value.code == "ACCESS_DENIED" and err.value.failure.aws_error_code == "AccessDenied"


def test_diff_against_the_live_identity(
    client: Client, moto_auth: LocalAwsEndpoint, unique_name: str
) -> None:
    reads = allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions", "iam:Get*", "iam:List*")
    keys = moto_auth.create_user(unique_name, reads)
    assert keys is not None
    client.secrets.create(f"{unique_name}_sk", keys.secret_access_key)
    client.connectors.apply(connector_doc(unique_name, keys.access_key_id, f"{unique_name}_sk"))
    diff = client.connectors.diff(
        unique_name, ["ecr-pull"], what_if=[("all.json", ALLOW_ALL)], use_simulator=False
    )
    assert isinstance(diff, PermissionDiff)
    (change,) = [c for c in diff.changes if c.capability == "ecr-pull"]
    assert (change.before, change.after, change.change) == ("NOT_GRANTED", "GRANTED", "gains")


def test_export_is_the_scopes_documents_as_the_cli_writes_them(
    client: Client, stored: str, unique_name: str
) -> None:
    text = client.connectors.export(org=f"o{unique_name}")
    (document,) = list(yaml.safe_load_all(text))
    assert document["connector"]["identifier"] == unique_name
    assert "accountIdentifier" not in document["connector"]
    assert client.connectors.export(org=f"o{unique_name}x") == ""
