"""Harness connector documents in: parse with every problem at its path.

Documents out (and YAML text both ways) live in ``yaml_io``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.connector import Connector
from awsconn.model.credentials import (
    BACKOFF_KINDS,
    ROLE_ARN_PATTERN,
    AwsCredential,
    BackoffStrategy,
    CredentialType,
    CrossAccountAccess,
    ManualConfig,
)
from awsconn.model.identifiers import IDENTIFIER_RULE, NAME_RULE, identifier_problem, name_problem
from awsconn.model.regions import (
    DEFAULT_TEST_REGION,
    PARTITIONS,
    arn_partition,
    is_known_region,
    partition_of_region,
)
from awsconn.model.scope import Scope
from awsconn.model.secret_refs import SECRET_REF_RULE, SecretRef, parse_secret_ref
from awsconn.model.validation import Collector

__all__ = [
    "ParseOutcome",
    "parse_connector",
    "parse_connector_document",
]

MAX_TAGS = 128
MAX_DELAY_MS = 3_600_000
MAX_RETRIES = 100
_CONNECTOR_KEYS = (
    "name", "identifier", "description", "orgIdentifier", "projectIdentifier", "tags", "type",
    "spec",
)  # fmt: skip
_SPEC_KEYS = (
    "credential", "delegateSelectors", "executeOnDelegate",
    "awsSdkClientBackOffStrategyOverride", "capabilities",
)  # fmt: skip
_CREDENTIAL_KEYS = ("type", "spec", "crossAccountAccess", "region")
_MANUAL_KEYS = ("accessKey", "accessKeyRef", "secretKeyRef", "sessionTokenRef")
_CAPABILITY_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass
class ParseOutcome:
    """A parsed connector (None when the shape is broken), its problems, and the secret refs
    that parsed, so the caller can add "secret not found" problems to the same report."""

    connector: Connector | None
    problems: list[Problem] = field(default_factory=list)
    secret_refs: dict[str, SecretRef] = field(default_factory=dict)


def parse_connector_document(doc: Any) -> Connector:
    """Parse one ``connector:`` document; raise ValidationFailed listing every problem."""
    outcome = parse_connector(doc)
    if outcome.problems or outcome.connector is None:
        raise ValidationFailed(outcome.problems, what="connector")
    return outcome.connector


def parse_connector(doc: Any) -> ParseOutcome:
    """Parse one document, collecting every problem instead of stopping at the first."""
    c = Collector("connector")
    root = c.mapping(doc, "", allowed_keys=("connector",))
    if root is None or "connector" not in root:
        if root is not None or doc is None:
            c.add("connector", "is required (a document with a top-level 'connector:' key)")
        return ParseOutcome(None, c.problems)
    body = c.mapping(root["connector"], "connector")
    if body is None:
        if root["connector"] is None:
            c.add("connector", "must not be empty")
        return ParseOutcome(None, c.problems)
    c.mapping(body, "", allowed_keys=_CONNECTOR_KEYS)  # paths relative to connector:, as below

    name = c.string(body.get("name"), "name", required=True)
    if name is not None and (why := name_problem(name)):
        c.add("name", why, given=name, allowed=NAME_RULE)
    identifier = c.string(body.get("identifier"), "identifier", required=True)
    if identifier is not None and (why := identifier_problem(identifier)):
        c.add("identifier", why, given=identifier, allowed=IDENTIFIER_RULE)
    description = c.string(body.get("description"), "description") or ""
    scope = _parse_scope(c, body)
    tags = _parse_tags(c, body.get("tags"))
    kind = c.string(body.get("type"), "type", required=True)
    if kind is not None and kind != "Aws":
        c.add("type", "must be Aws", given=kind, allowed="Aws")

    spec = c.mapping(body.get("spec"), "spec", allowed_keys=_SPEC_KEYS)
    if spec is None:
        if body.get("spec") is None:
            c.add("spec", "is required")
        return ParseOutcome(None, c.problems)
    refs: dict[str, SecretRef] = {}
    credential = _parse_credential(c, spec.get("credential"), refs)
    selectors = _parse_selectors(c, spec.get("delegateSelectors"))
    execute = spec.get("executeOnDelegate")
    if execute is None:  # absent or null: the default, like every other optional field
        execute = True
    elif not isinstance(execute, bool):
        c.add("spec.executeOnDelegate", "must be true or false", given=execute)
        execute = True
    backoff = _parse_backoff(c, spec.get("awsSdkClientBackOffStrategyOverride"))
    capabilities = _parse_capabilities(c, spec.get("capabilities"))

    if credential is not None:
        if credential.type.uses_delegate_identity and not selectors:
            c.add(
                "spec.delegateSelectors",
                f"is required for {credential.type.value}: the AWS identity is a delegate's own",
                allowed="a non-empty list of delegate tags",
            )
        if not execute and credential.type is not CredentialType.MANUAL:
            c.add(
                "spec.executeOnDelegate",
                f"must be true for {credential.type.value}",
                given=False,
                allowed="false only with ManualConfig",
            )
    if scope is not None:
        for path, ref in refs.items():
            if ref.resolve(scope) is None:
                c.add(
                    path,
                    "names an org secret, but the connector is at account scope",
                    given=str(ref),
                    allowed=SECRET_REF_RULE,
                )

    if c.problems or None in (name, identifier, credential, scope):
        return ParseOutcome(None, c.problems, refs)
    assert name is not None and identifier is not None and credential is not None
    assert scope is not None
    connector = Connector(
        identifier=identifier,
        name=name,
        credential=credential,
        scope=scope,
        description=description,
        tags=tags,
        delegate_selectors=selectors,
        execute_on_delegate=execute,
        backoff=backoff,
        capabilities=capabilities,
    )
    return ParseOutcome(connector, [], refs)


def _parse_scope(c: Collector, body: Mapping[str, Any]) -> Scope | None:
    org = c.string(body.get("orgIdentifier"), "orgIdentifier")
    project = c.string(body.get("projectIdentifier"), "projectIdentifier")
    org = org or None
    project = project or None
    ok = True
    for path, value in (("orgIdentifier", org), ("projectIdentifier", project)):
        if value is not None and (why := identifier_problem(value)):
            c.add(path, why, given=value, allowed=IDENTIFIER_RULE)
            ok = False
    if project is not None and org is None:
        c.add("orgIdentifier", "is required when projectIdentifier is set")
        ok = False
    return Scope(org, project) if ok else None


def _parse_tags(c: Collector, raw: Any) -> dict[str, str]:
    tags = c.mapping(raw, "tags")
    if tags is None:
        return {}
    if len(tags) > MAX_TAGS:
        c.add("tags", "has too many entries", given=len(tags), allowed=f"at most {MAX_TAGS}")
    out: dict[str, str] = {}
    for key, value in tags.items():
        path = f"tags.{key}"
        if not isinstance(key, str) or not key.strip():
            c.add(path, "tag keys must be non-empty strings", given=key)
            continue
        text = "" if value is None else c.string(value, path)
        if text is not None:
            out[key] = text
    return dict(sorted(out.items()))


def _parse_selectors(c: Collector, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add("spec.delegateSelectors", "must be a list of strings", given=type(raw).__name__)
        return ()
    out: list[str] = []
    for i, item in enumerate(raw):
        text = c.string(item, f"spec.delegateSelectors[{i}]", allow_empty=False)
        if text is not None and text.strip() not in out:
            out.append(text.strip())
    return tuple(sorted(out))


def _parse_ref(c: Collector, raw: Any, path: str, refs: dict[str, SecretRef]) -> SecretRef | None:
    text = c.string(raw, path, allow_empty=False)
    if text is None:
        return None
    ref, why = parse_secret_ref(text)
    if ref is None:
        c.add(path, why or "is not a secret reference", given=text, allowed=SECRET_REF_RULE)
        return None
    refs[path] = ref
    return ref


def _parse_credential(c: Collector, raw: Any, refs: dict[str, SecretRef]) -> AwsCredential | None:
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
    spec_raw = cred.get("spec")
    if ctype is CredentialType.MANUAL:
        manual = _parse_manual(c, spec_raw, refs)
    elif ctype is not None and spec_raw not in (None, {}):
        c.add(f"{base}.spec", f"must be empty for {ctype.value}", given=spec_raw)

    cross = _parse_cross_account(c, cred.get("crossAccountAccess"))
    if cross is not None and region_ok:
        region_partition = partition_of_region(region)
        role_partition = arn_partition(cross.role_arn)
        if region_partition is not None and region_partition.name != role_partition:
            c.add(
                f"{base}.region",
                f"PARTITION_MISMATCH: the test region is in {region_partition.name} but the role "
                f"ARN is in {role_partition}; credentials of one partition cannot reach another",
                given=region,
                allowed=f"a region of {role_partition}",
            )
    if ctype is None or (ctype is CredentialType.MANUAL and manual is None):
        return None
    return AwsCredential(type=ctype, region=region, manual=manual, cross_account=cross)


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
    access_key = c.string(spec.get("accessKey"), f"{base}.accessKey", allow_empty=False)
    access_ref = None
    if spec.get("accessKeyRef") is not None:
        access_ref = _parse_ref(c, spec.get("accessKeyRef"), f"{base}.accessKeyRef", refs)
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
        token_ref = _parse_ref(c, spec.get("sessionTokenRef"), f"{base}.sessionTokenRef", refs)
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
    cross = c.mapping(raw, base, allowed_keys=("crossAccountRoleArn", "externalId"))
    if cross is None:
        return None
    arn = c.string(cross.get("crossAccountRoleArn"), f"{base}.crossAccountRoleArn", required=True)
    if arn is not None and not ROLE_ARN_PATTERN.match(arn):
        c.add(
            f"{base}.crossAccountRoleArn",
            "is not an IAM role ARN",
            given=arn,
            allowed="arn:PARTITION:iam::ACCOUNT_ID:role/NAME (PARTITION aws, aws-us-gov or aws-cn)",
        )
        arn = None
    raw_external_id = cross.get("externalId")
    if isinstance(raw_external_id, int | float) and not isinstance(raw_external_id, bool):
        # YAML has already turned 0123 into 83 and 1.50 into 1.5: the written text is lost,
        # and sending anything else would fail the trust policy's sts:ExternalId check.
        c.add(
            f"{base}.externalId",
            "was read as a number by YAML, which may change it (0123 becomes 83); quote it",
            given=raw_external_id,
            allowed="a quoted string of 2 to 1224 characters, e.g. externalId: '0123'",
        )
        raw_external_id = None
    external_id = c.string(raw_external_id, f"{base}.externalId") or None
    if external_id is not None and not (2 <= len(external_id) <= 1224):
        c.add(
            f"{base}.externalId",
            "has a length AWS does not accept",
            given=len(external_id),
            allowed="2 to 1224 characters",
        )
        external_id = None
    return CrossAccountAccess(arn, external_id) if arn is not None else None


def _parse_backoff(c: Collector, raw: Any) -> BackoffStrategy | None:
    base = "spec.awsSdkClientBackOffStrategyOverride"
    block = c.mapping(raw, base, allowed_keys=("type", "spec"))
    if block is None:
        return None
    kind = c.string(block.get("type"), f"{base}.type", required=True)
    if kind is not None and kind not in BACKOFF_KINDS:
        c.add(
            f"{base}.type",
            "is not a backoff strategy",
            given=kind,
            allowed=", ".join(BACKOFF_KINDS),
        )
        return None
    if kind is None:
        return None
    fixed = kind == "FixedDelayBackoffStrategy"
    keys = (
        ("fixedBackoff", "retryCount") if fixed else ("baseDelay", "maxBackoffTime", "retryCount")
    )
    spec = c.mapping(block.get("spec"), f"{base}.spec", allowed_keys=keys) or {}
    if block.get("spec") is None:
        c.add(f"{base}.spec", "is required", allowed=", ".join(keys))
    values = {
        key: c.integer(
            spec.get(key),
            f"{base}.spec.{key}",
            minimum=0,
            maximum=MAX_RETRIES if key == "retryCount" else MAX_DELAY_MS,
        )
        for key in keys
    }
    if any(v is None for v in values.values()):
        return None
    if not fixed and values["baseDelay"] > values["maxBackoffTime"]:  # type: ignore[operator]
        c.add(f"{base}.spec.baseDelay", "must not exceed maxBackoffTime", given=values["baseDelay"])
        return None
    return BackoffStrategy(
        kind=kind,
        retry_count=values["retryCount"] or 0,
        fixed_backoff=values.get("fixedBackoff"),
        base_delay=values.get("baseDelay"),
        max_backoff_time=values.get("maxBackoffTime"),
    )


def _parse_capabilities(c: Collector, raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add("spec.capabilities", "must be a list of capability names", given=type(raw).__name__)
        return ()
    out: list[str] = []
    for i, item in enumerate(raw):
        text = c.string(item, f"spec.capabilities[{i}]", allow_empty=False)
        if text is None:
            continue
        if not set(text) <= _CAPABILITY_CHARS:
            c.add(
                f"spec.capabilities[{i}]",
                "is not a capability name",
                given=text,
                allowed="lower-case letters, digits and '-' (see 'awsconn permissions list')",
            )
        elif text not in out:
            out.append(text)
    return tuple(out)
