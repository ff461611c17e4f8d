"""What is certainly wrong with a session spec, found without a network call.

Why: ``awsconn credentials`` hands keys to other tools without calling AWS, so before
this it printed keys of connectors that could never work; and a connection test that
can tell the problem offline gives a sharper hint than AWS's refusal. Both call
:func:`preflight`, so the rules exist once.
"""

from __future__ import annotations

import re

from awsconn.aws.session_spec import SessionSpec
from awsconn.errors import AwsFailure
from awsconn.model.regions import arn_partition, is_known_region, partition_of_region

__all__ = ["ACCESS_KEY_ID_PATTERN", "partition_mismatch", "preflight"]

# IAM's AccessKeyId: 16 to 128 word characters (AWS's own keys are 20, AKIA.../ASIA...).
ACCESS_KEY_ID_PATTERN = re.compile(r"[A-Za-z0-9_]{16,128}", re.ASCII)
# Temporary (STS) access key ids start with ASIA and are only valid with their token.
_TEMPORARY_PREFIX = "ASIA"

_KEY_SETTINGS = "spec.credential.spec.accessKey / accessKeyRef"


def partition_mismatch(role_arn: str | None, region: str) -> str | None:
    """Why a role ARN cannot be used from a region's partition, or None if it can."""
    if not role_arn:
        return None
    role_partition = arn_partition(role_arn)
    region_partition = partition_of_region(region)
    if role_partition is None or region_partition is None:
        return None
    if role_partition == region_partition.name:
        return None
    return (
        f"role {role_arn} is in partition {role_partition} but test region {region} is in "
        f"{region_partition.name}"
    )


def preflight(spec: SessionSpec) -> AwsFailure | None:
    """The first problem visible without calling AWS (region, partition, keys), or None.

    Messages never contain key material: the access key id may itself be a secret.
    """
    if not is_known_region(spec.region) and partition_of_region(spec.region) is None:
        return AwsFailure(
            "REGION_INVALID",
            f"{spec.region!r} is not an AWS region",
            "Pick a test region such as us-east-1 (or us-gov-west-1 / cn-north-1 for "
            "GovCloud / China credentials).",
        )
    web_role = spec.web_identity.role_arn if spec.web_identity is not None else None
    arns = (*spec.role_chain, web_role)
    why = next(filter(None, (partition_mismatch(arn, spec.region) for arn in arns)), None)
    if why:
        return AwsFailure(
            "PARTITION_MISMATCH",
            why,
            "Use a test region in the role's partition, or a role ARN of the region's.",
        )
    keys = spec.static_keys
    if keys is None:
        return None
    key_id = keys.access_key_id
    if not ACCESS_KEY_ID_PATTERN.fullmatch(key_id):
        return AwsFailure(
            "INVALID_CREDENTIALS",
            f"the access key id ({_KEY_SETTINGS}) is not an AWS access key id: "
            f"{len(key_id)} characters, where AWS uses 16 to 128 letters, digits or '_' "
            "(its keys: 20, starting AKIA or ASIA)",
            "Set the access key id of an IAM access key (not the secret access key, which "
            "goes in secretKeyRef).",
        )
    if key_id.startswith(_TEMPORARY_PREFIX) and not keys.session_token:
        return AwsFailure(
            "INVALID_CREDENTIALS",
            "the access key id is temporary (it starts with ASIA) but the connector has no "
            "session token (spec.credential.spec.sessionTokenRef)",
            "Temporary credentials only work with the session token issued with them: store "
            "it as a secret and set sessionTokenRef, or use a long-term (AKIA) access key.",
        )
    return None
