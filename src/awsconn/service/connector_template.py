"""A commented connector skeleton to fill in: the CLI's answer to the seed's create wizard.

The comments carry what the seed's settings reference says about each field, so a person
editing the file needs nothing else open. Every value to fill is a ``<placeholder>``;
:func:`placeholder_problems` finds any left behind, so ``connector create --dry-run``
refuses a half-filled skeleton with the path of each one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.model import CredentialType
from awsconn.model.identifiers import IDENTIFIER_RULE, NAME_RULE, identifier_problem, name_problem
from awsconn.model.regions import (
    DEFAULT_TEST_REGION,
    PARTITIONS,
    is_known_region,
    is_opt_in_region,
    partition_of_region,
)

__all__ = ["PLACEHOLDER", "connector_skeleton", "placeholder_problems"]

#: A value still to fill in: ``<name>``, ``account.<secret-id>``, ``arn:aws:iam::<account-id>:…``.
PLACEHOLDER = re.compile(r"<[a-z][a-z0-9-]*>")

_HEADER = """\
# An AWS connector in Harness YAML. Replace every <placeholder>; a connector create
# with a dry run then checks the whole document and stores nothing.
#
# DescribeRegions is required for all AWS connectors, whatever AWS service they are used
# for: the connection test calls ec2:DescribeRegions in the test region. Attach a
# customer managed policy like this one to the identity the connector uses:
#   {describe_regions}
connector:
  # Name: the unique name for this connector.
  #   {name_rule}
  name: {name}
  # ID: the entity identifier.
  #   {identifier_rule}
  identifier: {identifier}
  # Description: a text string (optional).
  description: ""
  # Tags: key: value pairs to find the connector by (optional).
  tags: {{}}
  # Scope (optional): uncomment to put the connector in an org, or in a project of it.
  # orgIdentifier: <org>
  # projectIdentifier: <project>
  type: Aws
  spec:
    credential:
"""

_MANUAL = """\
      # Credentials: AWS Access Key. The access key and the secret key of the IAM user
      # to use for the AWS account (programmatic access). The secret key is never
      # written here: store it as a secret first, then name that secret here
      # (account.ID, org.ID, or ID for the connector's own scope).
      type: ManualConfig
      spec:
        # Access key ID, as text; or accessKeyRef: a secret holding it.
        accessKey: <access-key-id>
        secretKeyRef: account.<secret-id>
"""

_INHERIT = """\
      # Credentials: Assume IAM Role on Delegate. The connector uses the identity of the
      # delegate that runs it (its instance, task or environment credentials); often the
      # simplest method. Pick that delegate with delegateSelectors below.
      type: InheritFromDelegate
"""

_IRSA = """\
      # Credentials: Use IRSA (IAM roles for service accounts). A Kubernetes delegate in
      # EKS uses the IAM role attached to its service account: EKS sets AWS_ROLE_ARN and
      # AWS_WEB_IDENTITY_TOKEN_FILE in the delegate's pods. The role's trust policy must
      # trust the cluster's IAM OIDC provider and that service account.
      type: Irsa
"""

_OIDC = """\
      # Credentials: OIDC (no stored key). awsconn signs a short-lived OpenID Connect ID
      # token for this connector and AWS STS exchanges it for this role's credentials
      # (AssumeRoleWithWebIdentity). The role's account needs an IAM OIDC provider for
      # awsconn's issuer URL, and the role's trust policy must match the token's aud and
      # sub: awsconn permissions trust-policy prints both.
      type: OidcAuthentication
      spec:
        # IAM role ARN: the role to assume with the token.
        iamRoleArn: arn:{partition}:iam::<account-id>:role/<role-name>
        # audience (awsconn's, optional): the token's aud (default sts.amazonaws.com).
"""

_CROSS = """\
      # Enable cross-account access (STS Role): the credentials above assume this role,
      # to deploy in another account. The role's trust policy must trust the account or
      # identity of the credentials above.
      crossAccountAccess:
        # Role ARN: the role to assume, in the target deployment AWS account; it must
        # have every policy the deployment needs (and ec2:DescribeRegions).
        crossAccountRoleArn: arn:{partition}:iam::<account-id>:role/<role-name>
        # External ID: the value the administrator of the role's account gave you
        # (their trust policy's sts:ExternalId condition). Delete this line if none.
        externalId: <external-id>
"""

_REGION = """\
      # Test Region: where the connection test runs (default us-east-1).
      # AWS GovCloud: pick us-gov-west-1 or us-gov-east-1. GovCloud credentials work only
      # in GovCloud regions, and standard credentials only in standard regions; AWS China
      # (cn-north-1, cn-northwest-1) is a partition of its own in the same way.{opt_in}
      region: {region}
"""

_DELEGATES = """\
    # Delegate selectors: tags of the delegates that may run this connector's tasks.{why}
    delegateSelectors: {selectors}{where}
    executeOnDelegate: {execute}
"""


def connector_skeleton(
    credential_type: str,
    *,
    cross_account: bool = False,
    region: str | None = None,
    name: str | None = None,
    identifier: str | None = None,
) -> str:
    """The commented YAML skeleton for one credential type; ``<...>`` marks what to fill.

    Given values are checked (every problem at once, at the field it fills) and written
    in; the rest stay placeholders.
    """
    problems: list[Problem] = []
    types = [t.value for t in CredentialType]
    if credential_type not in types:
        problems.append(
            Problem(
                "spec.credential.type",
                "is not a credential type",
                credential_type,
                ", ".join(types),
            )
        )
    if region is not None and not is_known_region(region):
        allowed = "a region of " + ", ".join(p.name for p in PARTITIONS)
        problems.append(
            Problem("spec.credential.region", "is not a known AWS region", region, allowed)
        )
    if name is not None and (why := name_problem(name)):
        problems.append(Problem("name", why, name, NAME_RULE))
    if identifier is not None and (why := identifier_problem(identifier)):
        problems.append(Problem("identifier", why, identifier, IDENTIFIER_RULE))
    if problems:
        raise ValidationFailed(problems, what="connector skeleton")
    test_region = region or DEFAULT_TEST_REGION
    found = partition_of_region(test_region)
    partition = found.name if found is not None else "aws"
    opt_in = (
        f"\n      # {test_region} is disabled until the account opts in to it"
        " (REGION_NOT_ENABLED otherwise)."
        if is_opt_in_region(test_region)
        else ""
    )
    delegate_identity = CredentialType(credential_type).uses_delegate_identity
    text = _HEADER.format(
        name=_yaml_text(name) if name else "<name>",
        identifier=identifier or "<identifier>",
        name_rule=NAME_RULE,
        identifier_rule=IDENTIFIER_RULE,
        describe_regions=_describe_regions_policy(),
    )
    text += {
        "ManualConfig": _MANUAL,
        "InheritFromDelegate": _INHERIT,
        "Irsa": _IRSA,
        "OidcAuthentication": _OIDC.format(partition=partition),
    }[credential_type]
    if cross_account:
        text += _CROSS.format(partition=partition)
    text += _REGION.format(region=test_region, opt_in=opt_in)
    text += _DELEGATES.format(
        why=(
            "\n    # Required here: the AWS identity is the delegate's own, so name the tags of"
            "\n    # the delegates that have it."
            if delegate_identity
            else "\n    # Optional with access keys: [] lets any delegate run it."
        ),
        selectors="[<delegate-tag>]" if delegate_identity else "[]",
        where="\n    # OIDC runs where awsconn runs (the server signs the token): false."
        if credential_type == "OidcAuthentication"
        else "",
        execute="false" if credential_type == "OidcAuthentication" else "true",
    )
    return text


def _describe_regions_policy() -> str:
    """The seed's DescribeRegions policy, on one line, from the capability catalog."""
    import json

    from awsconn.iam.capabilities import load_catalog

    seed = load_catalog().get("describe-regions").seed_policy
    return json.dumps(seed.document if seed else {}, separators=(", ", ": "))


def _yaml_text(value: str) -> str:
    """A name as a YAML scalar: quoted when YAML would read it as something else."""
    import yaml

    loaded = yaml.safe_load(value) if value.strip() else None
    return value if loaded == value else f'"{value}"'


def placeholder_problems(document: Any) -> list[Problem]:
    """Problems for every ``<placeholder>`` a skeleton left in ``document`` (not in text)."""
    body = document.get("connector") if isinstance(document, dict) else None
    return [
        Problem(path, "is still a placeholder from 'connector init': fill it in", given=value)
        for path, value in _strings(body, "")
        if PLACEHOLDER.search(value) and path != "description"
    ]


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")
