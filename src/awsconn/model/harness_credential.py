"""``spec.credential`` of a Harness AWS connector: type, keys, cross-account role, test region.

Part of the parse in ``harness_yaml``: every problem goes to the shared Collector at
its path; secret references that parsed are recorded in ``refs`` by path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsconn.model.credentials import (
    ACCESS_KEY_PATTERN,
    ACCESS_KEY_RULE,
    EXTERNAL_ID_PATTERN,
    EXTERNAL_ID_RULE,
    MAX_CHAIN_HOPS,
    ROLE_ARN_PATTERN,
    AwsCredential,
    CredentialType,
    CrossAccountAccess,
    ManualConfig,
    OidcConfig,
    RoleHop,
    is_temporary_access_key,
)
from awsconn.model.oidc import AUDIENCE_PATTERN, AUDIENCE_RULE
from awsconn.model.regions import (
    DEFAULT_TEST_REGION,
    PARTITION_NAMES,
    PARTITIONS,
    arn_partition,
    is_known_region,
    partition_of_region,
)
from awsconn.model.secret_refs import SECRET_REF_RULE, SecretRef, parse_secret_ref
from awsconn.model.text_rules import MAX_ROLE_ARN_CHARS, SECRET_VALUE_EXPRESSION
from awsconn.model.validation import Collector

__all__ = ["parse_credential"]

_CREDENTIAL_KEYS = ("type", "spec", "crossAccountAccess", "region")
_MANUAL_KEYS = ("accessKey", "accessKeyRef", "secretKeyRef", "sessionTokenRef")
_CROSS_KEYS = ("crossAccountRoleArn", "externalId", "chain")
_HOP_KEYS = ("roleArn", "externalId")
_OIDC_KEYS = ("iamRoleArn", "audience")
_ROLE_ARN_RULE = (
    "arn:PARTITION:iam::ACCOUNT_ID:role/NAME (PARTITION " + ", ".join(PARTITION_NAMES) + ")"
)


def parse_credential(c: Collector, raw: Any, refs: dict[str, SecretRef]) -> AwsCredential | None:
    base = "spec.credential"
    cred = c.mapping(raw, base, allowed_keys=_CREDENTIAL_KEYS)
    if cred is None:
        if raw is None:
            c.add(base, "is required")
        return None
    allowed_types = ", ".join(t.value for t in CredentialType)
    type_text = c.string(cred.get("type"), f"{base}.type", required=True)
    ctype: CredentialType | None = None
    if type_text is not None:
        try:
            ctype = CredentialType(type_text)
        except ValueError:
            c.add(
                f"{base}.type", "is not a credential type", given=type_text, allowed=allowed_types
            )

    region = c.string(cred.get("region"), f"{base}.region") or DEFAULT_TEST_REGION
    region_ok = is_known_region(region)
    if not region_ok:
        c.add(
            f"{base}.region",
            "is not a known AWS region",
            given=region,
            allowed="a region of " + ", ".join(p.name for p in PARTITIONS),
        )

    manual: ManualConfig | None = None
    oidc: OidcConfig | None = None
    spec_raw = cred.get("spec")
    if ctype is CredentialType.MANUAL:
        manual = _parse_manual(c, spec_raw, refs)
    elif ctype is CredentialType.OIDC:
        oidc = _parse_oidc(c, spec_raw)
    elif ctype is not None and spec_raw not in (None, {}):
        c.add(f"{base}.spec", f"must be empty for {ctype.value}", given=spec_raw)

    cross = _parse_cross_account(c, cred.get("crossAccountAccess"))
    roles = (cross.role_arn if cross else None, oidc.iam_role_arn if oidc else None)
    region_partition = partition_of_region(region) if region_ok else None
    for role in roles:
        if role is None or region_partition is None:
            continue
        role_partition = arn_partition(role)
        if region_partition.name != role_partition:
            c.add(
                f"{base}.region",
                f"PARTITION_MISMATCH: the test region is in {region_partition.name} but the role "
                f"ARN is in {role_partition}; credentials of one partition cannot reach another",
                given=region,
                allowed=f"a region of {role_partition}",
            )
            break
    for i, hop in enumerate(cross.chain if cross is not None else ()):
        hop_partition = arn_partition(hop.role_arn)
        if region_partition is not None and region_partition.name != hop_partition:
            c.add(
                f"{base}.crossAccountAccess.chain[{i}].roleArn",
                f"PARTITION_MISMATCH: the role is in {hop_partition} but the test region "
                f"{region} is in {region_partition.name}; a chain stays in one partition",
                given=hop.role_arn,
                allowed=f"a role ARN of {region_partition.name}",
            )
    if ctype is None or (ctype is CredentialType.MANUAL and manual is None):
        return None
    if ctype is CredentialType.OIDC and oidc is None:
        return None
    return AwsCredential(type=ctype, region=region, manual=manual, cross_account=cross, oidc=oidc)


def _parse_oidc(c: Collector, raw: Any) -> OidcConfig | None:
    """``OidcAuthentication``'s spec: ``iamRoleArn`` (Harness's), ``audience`` (awsconn's)."""
    base = "spec.credential.spec"
    spec = c.mapping(raw, base, allowed_keys=_OIDC_KEYS)
    if spec is None:
        if raw is None:
            c.add(base, "is required for OidcAuthentication", allowed="iamRoleArn")
        return None
    arn = c.string(
        spec.get("iamRoleArn"), f"{base}.iamRoleArn", required=True, max_length=MAX_ROLE_ARN_CHARS
    )
    if arn is not None and not ROLE_ARN_PATTERN.match(arn):
        c.add(f"{base}.iamRoleArn", "is not an IAM role ARN", given=arn, allowed=_ROLE_ARN_RULE)
        arn = None
    audience = c.string(spec.get("audience"), f"{base}.audience", max_length=255) or None
    if audience is not None and not AUDIENCE_PATTERN.match(audience):
        c.add(f"{base}.audience", "is not an OIDC audience", given=audience, allowed=AUDIENCE_RULE)
        return None
    return OidcConfig(arn, audience) if arn is not None else None


def _secret_expression(raw: Any) -> str | None:
    """The reference inside ``<+secrets.getValue("REF")>``, or None when ``raw`` is not one."""
    if not isinstance(raw, str) or len(raw) > 400:
        return None
    found = SECRET_VALUE_EXPRESSION.match(raw.strip())
    return found.group("ref").strip() if found else None


def _parse_ref(c: Collector, raw: Any, path: str, refs: dict[str, SecretRef]) -> SecretRef | None:
    inner = _secret_expression(raw)
    if inner is not None:  # a *Ref field holds the reference itself, not an expression
        c.add(
            path,
            "is a Harness expression; a secret reference field takes the reference itself",
            given=raw,
            allowed=f"{inner} ({SECRET_REF_RULE})",
        )
        return None
    text = c.string(raw, path, allow_empty=False)
    if text is None:
        return None
    ref, why = parse_secret_ref(text)
    if ref is None:
        c.add(path, why or "is not a secret reference", given=text, allowed=SECRET_REF_RULE)
        return None
    refs[path] = ref
    return ref


def _parse_access_key(
    c: Collector, raw: Any, path: str, refs: dict[str, SecretRef]
) -> tuple[str | None, SecretRef | None]:
    """``accessKey``: a literal key ID, or Harness's ``<+secrets.getValue("REF")>``, which
    reads the key ID from a secret and so is kept as ``accessKeyRef``."""
    inner = _secret_expression(raw)
    if inner is not None:
        ref, why = parse_secret_ref(inner)
        if ref is None:
            c.add(
                path,
                f"reads a secret whose reference {why or 'is not valid'}",
                given=raw,
                allowed=SECRET_REF_RULE,
            )
            return None, None
        refs[path] = ref
        return None, ref
    text = c.string(raw, path, allow_empty=False)
    if text is not None and not ACCESS_KEY_PATTERN.match(text):
        c.add(path, "is not an AWS access key ID", given=text, allowed=ACCESS_KEY_RULE)
        return None, None
    return text, None


def _parse_manual(c: Collector, raw: Any, refs: dict[str, SecretRef]) -> ManualConfig | None:
    base = "spec.credential.spec"
    spec = c.mapping(raw, base, allowed_keys=_MANUAL_KEYS)
    if spec is None:
        if raw is not None:  # not a mapping: already reported
            return None
        c.add(
            base,
            "is required for ManualConfig",
            allowed="secretKeyRef and accessKey or accessKeyRef",
        )
        return None
    access_key, access_ref = None, None
    if spec.get("accessKey") is not None:
        access_key, access_ref = _parse_access_key(c, spec["accessKey"], f"{base}.accessKey", refs)
    if spec.get("accessKeyRef") is not None:
        access_ref = _parse_ref(c, spec["accessKeyRef"], f"{base}.accessKeyRef", refs)
    if spec.get("accessKey") is not None and spec.get("accessKeyRef") is not None:
        c.add(f"{base}.accessKey", "give exactly one of accessKey and accessKeyRef, not both")
    elif spec.get("accessKey") is None and spec.get("accessKeyRef") is None:
        c.add(
            f"{base}.accessKey", "is required", allowed="accessKey (plain) or accessKeyRef (secret)"
        )
    secret_ref = _parse_ref(c, spec.get("secretKeyRef"), f"{base}.secretKeyRef", refs)
    if spec.get("secretKeyRef") is None:
        c.add(f"{base}.secretKeyRef", "is required", allowed=SECRET_REF_RULE)
    token_ref = None
    if spec.get("sessionTokenRef") is not None:
        token_ref = _parse_ref(c, spec["sessionTokenRef"], f"{base}.sessionTokenRef", refs)
    elif access_key is not None and is_temporary_access_key(access_key):
        c.add(
            f"{base}.sessionTokenRef",
            "is required: accessKey is a temporary key (ASIA...), which AWS accepts only "
            "with its session token",
            allowed=f"a secret holding the session token ({SECRET_REF_RULE})",
        )
        return None
    if secret_ref is None or (access_key is None and access_ref is None):
        return None
    return ManualConfig(
        secret_key_ref=secret_ref,
        access_key=access_key,
        access_key_ref=access_ref,
        session_token_ref=token_ref,
    )


def _parse_cross_account(c: Collector, raw: Any) -> CrossAccountAccess | None:
    base = "spec.credential.crossAccountAccess"
    cross = c.mapping(raw, base, allowed_keys=_CROSS_KEYS)
    if cross is None:
        return None
    arn, external_id = _role_of(c, cross, base, "crossAccountRoleArn")
    chain = _parse_chain(c, cross.get("chain"), f"{base}.chain")
    if arn is None or chain is None:
        return None
    return CrossAccountAccess(arn, external_id, chain)


def _parse_chain(c: Collector, raw: Any, base: str) -> tuple[RoleHop, ...] | None:
    """awsconn's ``chain``: further roles after ``crossAccountRoleArn`` (None: a problem)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(base, "must be a list of roles", allowed="- {roleArn: ARN, externalId: ID}")
        return None
    if not 1 <= len(raw) <= MAX_CHAIN_HOPS:
        c.add(
            base,
            f"has {len(raw)} roles",
            allowed=f"1 to {MAX_CHAIN_HOPS} roles (or leave chain out)",
        )
        return None
    hops: list[RoleHop] = []
    ok = True
    for i, item in enumerate(raw):
        path = f"{base}[{i}]"
        hop = c.mapping(item, path, allowed_keys=_HOP_KEYS)
        if hop is None:
            if item is None:
                c.add(path, "is required", allowed="{roleArn: ARN, externalId: ID}")
            ok = False
            continue
        arn, external_id = _role_of(c, hop, path, "roleArn")
        if arn is None:
            ok = False
            continue
        hops.append(RoleHop(arn, external_id))
    return tuple(hops) if ok else None


def _role_of(
    c: Collector, raw: Mapping[str, Any], base: str, arn_key: str
) -> tuple[str | None, str | None]:
    """A role ARN (required) and its optional External ID, each checked at its path."""
    arn = c.string(
        raw.get(arn_key), f"{base}.{arn_key}", required=True, max_length=MAX_ROLE_ARN_CHARS
    )
    if arn is not None and not ROLE_ARN_PATTERN.match(arn):
        c.add(
            f"{base}.{arn_key}",
            "is not an IAM role ARN",
            given=arn,
            allowed=_ROLE_ARN_RULE,
        )
        arn = None
    raw_external_id = raw.get("externalId")
    if isinstance(raw_external_id, int | float) and not isinstance(raw_external_id, bool):
        # YAML has already turned 0123 into 83 and 1.50 into 1.5: the written text is lost,
        # and sending anything else would fail the trust policy's sts:ExternalId check.
        c.add(
            f"{base}.externalId",
            "was read as a number by YAML, which may change it (0123 becomes 83); quote it",
            given=raw_external_id,
            allowed=f"a quoted string of {EXTERNAL_ID_RULE}, e.g. externalId: '0123'",
        )
        raw_external_id = None
    external_id = c.string(raw_external_id, f"{base}.externalId", max_length=1224) or None
    if external_id is not None and not EXTERNAL_ID_PATTERN.match(external_id):
        c.add(
            f"{base}.externalId",
            "is not an External ID AWS accepts",
            given=external_id,
            allowed=EXTERNAL_ID_RULE,
        )
        external_id = None
    return arn, external_id
