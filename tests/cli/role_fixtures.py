"""A connector that assumes a role, against the moto server with IAM auth: a user whose
key may call sts:AssumeRole, and a role that trusts exactly that user."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from cli_fixtures import Runner

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy, user_arn

__all__ = ["DOC", "role_connector"]

DOC = """
connector:
  name: {name}
  identifier: {name}
  description: {description}
  type: Aws
  spec:
    credential:
      type: ManualConfig
      crossAccountAccess:
        crossAccountRoleArn: {role}
      spec:
        accessKey: {key}
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""


@pytest.fixture
def role_connector(
    cli: Runner, moto_auth: LocalAwsEndpoint, unique_name: str
) -> Iterator[Callable[..., str]]:
    """``write(name="cached", description="one") -> name``: apply a role connector."""
    keys = moto_auth.create_user(unique_name, allow_policy("sts:AssumeRole"))
    assert keys is not None
    role = moto_auth.create_role(
        f"{unique_name}-r",
        trust_principal=user_arn(unique_name),
        policy=allow_policy("sts:GetCallerIdentity", "ec2:DescribeRegions"),
    )
    assert cli("secret", "create", "sk", input=keys.secret_access_key).code == 0

    def write(name: str = "cached", description: str = "one") -> str:
        """Create or update connector ``name`` (a new ``description`` is a new version)."""
        doc = DOC.format(name=name, description=description, role=role.arn, key=keys.access_key_id)
        r = cli("connector", "apply", "-f", "-", input=doc)
        assert r.code == 0, r.text
        return name

    yield write
