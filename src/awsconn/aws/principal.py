"""Whose permissions a connector has, and which policies give them (IAM read calls).

``caller_identity`` asks STS who the session is (with the ``UserId`` AWS puts in
``aws:userid``) and maps an assumed-role session to its role. ``read_tags`` reads the
user's or role's tags (``aws:PrincipalTag/*``), ``None`` when IAM refuses.
``read_policies`` collects the principal's inline and attached managed policies, its
groups' (for a user) and its permission boundary, with paginated IAM read calls,
decoding documents whether botocore already parsed them or AWS sent them URL-encoded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from awsconn.errors import AwsCallFailed, InvalidInput

__all__ = [
    "CallerIdentity",
    "PrincipalPolicies",
    "PrincipalPolicy",
    "caller_identity",
    "decode_document",
    "principal_of_arn",
    "read_policies",
    "read_tags",
    "read_trust_policy",
]

_ARN = re.compile(
    r"^arn:(?P<partition>[a-z-]+):(?P<service>iam|sts)::(?P<account>\d{12}):(?P<rest>.+)$"
)


@dataclass(frozen=True)
class CallerIdentity:
    """The caller as STS sees it, and the IAM principal whose policies apply to it."""

    arn: str
    account: str
    partition: str
    kind: str  # user | role | root | federated-user
    name: str  # user or role name ("" for root)
    principal_arn: str  # user or role ARN (without a path when mapped from a session)
    user_id: str = ""  # STS UserId (AIDA..., AROA...:session, the account for root); "" unknown


def principal_of_arn(arn: str, user_id: str = "") -> CallerIdentity:
    """Map a caller ARN to its principal; an assumed-role session becomes its role."""
    match = _ARN.match(arn)
    if match is None:
        raise InvalidInput(f"not an IAM or STS principal ARN: {arn!r}")
    partition, service, account, rest = match.group("partition", "service", "account", "rest")
    kind, _, tail = rest.partition("/")
    if service == "sts" and kind == "assumed-role":
        role = tail.split("/")[0]
        return CallerIdentity(
            arn,
            account,
            partition,
            "role",
            role,
            f"arn:{partition}:iam::{account}:role/{role}",
            user_id,
        )
    if service == "sts" and kind == "federated-user":
        return CallerIdentity(arn, account, partition, "federated-user", tail, arn, user_id)
    if service == "iam" and rest == "root":
        return CallerIdentity(arn, account, partition, "root", "", arn, user_id)
    if service == "iam" and kind in ("user", "role") and tail:
        return CallerIdentity(arn, account, partition, kind, tail.split("/")[-1], arn, user_id)
    raise InvalidInput(f"not a user, role or assumed-role ARN: {arn!r}")


def caller_identity(sts: Any) -> CallerIdentity:
    """GetCallerIdentity with an STS client, mapped to the principal."""
    answer = _call("sts:GetCallerIdentity", sts.get_caller_identity)
    return principal_of_arn(str(answer["Arn"]), str(answer.get("UserId") or ""))


def read_trust_policy(iam: Any, role_name: str) -> dict[str, Any] | None:
    """The role's trust policy (``iam:GetRole``); ``None`` when IAM refuses the read."""
    from botocore.exceptions import ClientError

    try:
        role = _call("iam:GetRole", iam.get_role, RoleName=role_name)["Role"]
    except AwsCallFailed as exc:
        if isinstance(exc.__cause__, ClientError) and _refused(exc.__cause__):
            return None
        raise
    return decode_document(role["AssumeRolePolicyDocument"])


def _refused(exc: Any) -> bool:
    code = exc.response.get("Error", {}).get("Code")
    return code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation")


def read_tags(iam: Any, who: CallerIdentity) -> dict[str, str] | None:
    """The user's or role's tags (a session's are its role's); ``None`` when IAM refuses
    the read, so the caller can treat every ``aws:PrincipalTag/*`` key as unknown."""
    from botocore.exceptions import ClientError

    if who.kind == "user":
        method, args = "list_user_tags", {"UserName": who.name}
    elif who.kind == "role":
        method, args = "list_role_tags", {"RoleName": who.name}
    else:
        return None
    try:
        return {str(t["Key"]): str(t["Value"]) for t in _pages(iam, method, "Tags", **args)}
    except AwsCallFailed as exc:
        if isinstance(exc.__cause__, ClientError) and _refused(exc.__cause__):
            return None
        raise


@dataclass(frozen=True)
class PrincipalPolicy:
    """One policy that applies to the principal, with where it comes from."""

    name: str
    source: str  # inline | managed | group-inline | group-managed | boundary
    document: dict[str, Any] = field(repr=False)
    arn: str | None = None
    group: str | None = None

    @property
    def label(self) -> str:
        """How reports name it: the managed policy's ARN, else owner and policy name."""
        if self.arn:
            return self.arn
        if self.group:
            return f"group/{self.group}:{self.name}"
        return f"inline:{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "source": self.source, "label": self.label}


@dataclass(frozen=True)
class PrincipalPolicies:
    """Everything IAM says applies to one user or role (its ARN as IAM stores it, with path)."""

    principal_arn: str
    kind: str
    identity: tuple[PrincipalPolicy, ...]
    boundary: PrincipalPolicy | None = None


def decode_document(raw: Any) -> dict[str, Any]:
    """A policy document as a dict: botocore decodes most, AWS sends the rest URL-encoded."""
    if isinstance(raw, dict):
        return raw
    text = str(raw)
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        value = json.loads(unquote(text))
    if not isinstance(value, dict):
        raise ValueError("policy document is not a JSON object")
    return value


def read_policies(iam: Any, who: CallerIdentity) -> PrincipalPolicies:
    """Read the user's or role's policies; raises AwsCallFailed naming the read it may not do."""
    if who.kind == "user":
        return _user_policies(iam, who.name)
    if who.kind == "role":
        return _role_policies(iam, who.name)
    raise InvalidInput(
        f"cannot read the policies of a {who.kind} ({who.arn})",
        hint="check it what-if, against the policy documents that apply to it",
    )


def _user_policies(iam: Any, user: str) -> PrincipalPolicies:
    info = _call("iam:GetUser", iam.get_user, UserName=user)["User"]
    found: list[PrincipalPolicy] = []
    for name in _pages(iam, "list_user_policies", "PolicyNames", UserName=user):
        doc = _call("iam:GetUserPolicy", iam.get_user_policy, UserName=user, PolicyName=name)
        found.append(PrincipalPolicy(name, "inline", decode_document(doc["PolicyDocument"])))
    for att in _pages(iam, "list_attached_user_policies", "AttachedPolicies", UserName=user):
        found.append(_managed(iam, att["PolicyArn"], att["PolicyName"], "managed"))
    for group in _pages(iam, "list_groups_for_user", "Groups", UserName=user):
        gname = group["GroupName"]
        for name in _pages(iam, "list_group_policies", "PolicyNames", GroupName=gname):
            doc = _call(
                "iam:GetGroupPolicy", iam.get_group_policy, GroupName=gname, PolicyName=name
            )
            found.append(
                PrincipalPolicy(
                    name, "group-inline", decode_document(doc["PolicyDocument"]), group=gname
                )
            )
        for att in _pages(iam, "list_attached_group_policies", "AttachedPolicies", GroupName=gname):
            pol = _managed(iam, att["PolicyArn"], att["PolicyName"], "group-managed")
            found.append(PrincipalPolicy(pol.name, pol.source, pol.document, pol.arn, gname))
    return PrincipalPolicies(str(info["Arn"]), "user", tuple(found), _boundary(iam, info))


def _role_policies(iam: Any, role: str) -> PrincipalPolicies:
    info = _call("iam:GetRole", iam.get_role, RoleName=role)["Role"]
    found: list[PrincipalPolicy] = []
    for name in _pages(iam, "list_role_policies", "PolicyNames", RoleName=role):
        doc = _call("iam:GetRolePolicy", iam.get_role_policy, RoleName=role, PolicyName=name)
        found.append(PrincipalPolicy(name, "inline", decode_document(doc["PolicyDocument"])))
    for att in _pages(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role):
        found.append(_managed(iam, att["PolicyArn"], att["PolicyName"], "managed"))
    return PrincipalPolicies(str(info["Arn"]), "role", tuple(found), _boundary(iam, info))


def _boundary(iam: Any, info: dict[str, Any]) -> PrincipalPolicy | None:
    arn = (info.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    if not arn:
        return None
    return _managed(iam, str(arn), str(arn).rsplit("/", 1)[-1], "boundary")


def _managed(iam: Any, arn: str, name: str, source: str) -> PrincipalPolicy:
    policy = _call("iam:GetPolicy", iam.get_policy, PolicyArn=arn)["Policy"]
    version = _call(
        "iam:GetPolicyVersion",
        iam.get_policy_version,
        PolicyArn=arn,
        VersionId=policy["DefaultVersionId"],
    )["PolicyVersion"]
    return PrincipalPolicy(name, source, decode_document(version["Document"]), arn=arn)


def _pages(iam: Any, method: str, key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a paginated IAM list call (Marker / IsTruncated)."""
    action = "iam:" + "".join(part.title() for part in method.split("_"))
    call: Callable[..., Any] = getattr(iam, method)
    marker: str | None = None
    while True:
        args = dict(kwargs, Marker=marker) if marker else kwargs
        answer = _call(action, call, **args)
        yield from answer.get(key, [])
        if not answer.get("IsTruncated"):
            return
        marker = answer.get("Marker")
        if not marker:
            return


def _call(action: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
    """Run one AWS call; a botocore error becomes AwsCallFailed (the shared taxonomy),
    and a refused IAM read says which permission to add."""
    from botocore.exceptions import BotoCoreError, ClientError

    from awsconn.aws.diagnosis import CallContext, diagnose

    try:
        return fn(**kwargs)
    except (ClientError, BotoCoreError) as exc:
        client = getattr(fn, "__self__", None)
        region = getattr(getattr(client, "meta", None), "region_name", None) or "us-east-1"
        failure = diagnose(exc, CallContext(region=region))
        failure.message = f"{action} failed: {failure.message}"
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else None
        if action.startswith("iam:") and code in ("AccessDenied", "AccessDeniedException"):
            failure.hint = (
                f"allow {action} (IAM read access to its own policies) for this identity, "
                "or check it what-if, offline, against the policy documents that apply to it"
            )
        raise AwsCallFailed(failure) from exc
