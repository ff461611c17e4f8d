"""The capability catalog: which IAM permissions each use of a connector needs, from the seed.

The catalog is data (``capabilities/*.yaml``, one file per use); this module loads and
validates it and renders each use's ``requires`` with parameters (bucket, repository,
region, account, role; the partition follows the region). A rendered requirement keeps
the action as the catalog writes it, which may be a wildcard the seed uses (``lambda:*``):
generation writes it as is, a check expands it to every action it covers.

``identity`` says whose permissions a use needs: ``connector`` (the identity the connector
works as, after any cross-account role) or ``base`` (the identity under that role: what
happens before the role is assumed, such as assuming it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import yaml

from awsconn.errors import InvalidInput, Problem, ValidationFailed
from awsconn.model.regions import PARTITION_NAMES, partition_of_region

__all__ = [
    "IDENTITIES",
    "PARAMETERS",
    "SEED_PLACEHOLDERS",
    "Capability",
    "Catalog",
    "Parameters",
    "RequiredPermission",
    "Requirement",
    "SeedPolicy",
    "capability_names",
    "expand_action",
    "load_catalog",
    "seed_text",
    "split_names",
]

#: Parameters a use may take; ``partition`` is derived, never listed by a capability.
PARAMETERS: tuple[str, ...] = ("bucket", "repository", "region", "account", "role")
#: Whose permissions a use needs (see the module docstring).
IDENTITIES: tuple[str, ...] = ("connector", "base")
_TEMPLATE_NAMES = frozenset((*PARAMETERS, "partition"))
_ACTION = re.compile(r"^[a-z0-9-]+:[A-Za-z0-9*?]+$")
_SHAPE = re.compile(r"^[A-Z][A-Za-z0-9]*$")

_RULES: dict[str, tuple[re.Pattern[str], str]] = {
    "bucket": (
        re.compile(r"^[a-z0-9*?][a-z0-9.*?-]{0,62}$"),
        "an S3 bucket name (3-63 of a-z 0-9 . -), wildcards * and ? allowed",
    ),
    "repository": (
        re.compile(r"^[a-z0-9*?][a-z0-9._/*?-]{0,255}$"),
        "an ECR repository name (a-z 0-9 . _ - /), wildcards * and ? allowed",
    ),
    "region": (
        re.compile(r"^(\*|[a-z]{2}(-[a-z]+)+-\d+)$"),
        "an AWS region such as us-east-1 or us-gov-west-1, or *",
    ),
    "account": (re.compile(r"^(\*|\d{12})$"), "a 12-digit AWS account id, or *"),
    "role": (
        re.compile(r"^[\w+=,.@*?/-]{1,512}$"),
        "an IAM role name, optionally with its path (path/name), wildcards allowed",
    ),
}


@dataclass(frozen=True)
class Parameters:
    """Values for a catalog's templates; ``*`` means "any", the partition follows the region."""

    bucket: str = "*"
    repository: str = "*"
    region: str = "*"
    account: str = "*"
    role: str = "*"
    partition: str = "aws"

    @classmethod
    def build(
        cls,
        *,
        bucket: str | None = None,
        repository: str | None = None,
        region: str | None = None,
        account: str | None = None,
        role: str | None = None,
        partition: str | None = None,
    ) -> Parameters:
        """Validate user-given values (all problems at once); ``None`` keeps the default."""
        given = {
            "bucket": bucket,
            "repository": repository,
            "region": region,
            "account": account,
            "role": role,
        }
        problems: list[Problem] = []
        for name, value in given.items():
            if value is None:
                continue
            pattern, allowed = _RULES[name]
            if not pattern.match(value):
                problems.append(Problem(name, f"not a valid {name}", value, allowed))
        if partition is not None and partition not in PARTITION_NAMES:
            problems.append(
                Problem("partition", "unknown partition", partition, ", ".join(PARTITION_NAMES))
            )
        if problems:
            raise ValidationFailed(problems, what="permission parameters")
        values = {k: v for k, v in given.items() if v is not None}
        if partition is None:
            partition = _partition_for(region)
        return cls(partition=partition, **values)

    def with_defaults(self, **defaults: str) -> tuple[Parameters, tuple[str, ...]]:
        """Fill parameters still at ``*`` from ``defaults``; returns which ones were filled."""
        filled = {k: v for k, v in defaults.items() if getattr(self, k) == "*" and v}
        if "region" in filled and self.partition == "aws":
            filled["partition"] = _partition_for(filled["region"])
        return replace(self, **filled), tuple(k for k in filled if k != "partition")

    def as_dict(self) -> dict[str, str]:
        return {
            "bucket": self.bucket,
            "repository": self.repository,
            "region": self.region,
            "account": self.account,
            "role": self.role,
            "partition": self.partition,
        }


def _partition_for(region: str | None) -> str:
    if not region or region == "*":
        return "aws"
    found = partition_of_region(region)
    return found.name if found is not None else "aws"


@dataclass(frozen=True)
class Requirement:
    """One resource shape of a use: the actions it calls on one resource template."""

    shape: str
    actions: tuple[str, ...]
    resource: str


#: How the seed's example policies write each parameter (``arn:aws:s3:::bucket-name``).
SEED_PLACEHOLDERS: Mapping[str, str] = {
    "partition": "aws",
    "bucket": "bucket-name",
    "repository": "repository-name",
    "region": "region-name",
    "account": "account-id",
    "role": "role-name",
}

Marker = Callable[[str, str], str]


def _unmarked(text: str, parameter: str) -> str:
    return text


def seed_text(template: str, mark: Marker = _unmarked, used: dict[str, str] | None = None) -> str:
    """A catalog template written the seed's way; ``used`` collects parameter -> word."""
    found = _placeholders(template)
    if used is not None:
        for match in Template.pattern.finditer(template):
            name = match.group("braced") or match.group("named")
            if name in SEED_PLACEHOLDERS:
                used.setdefault(name, SEED_PLACEHOLDERS[name])
    values = {n: mark(SEED_PLACEHOLDERS[n], n) for n in found if n in SEED_PLACEHOLDERS}
    return Template(template).safe_substitute(values)


def _seed_any(value: Any, mark: Marker, used: dict[str, str]) -> Any:
    if isinstance(value, str):
        return seed_text(value, mark, used)
    if isinstance(value, Mapping):
        return {k: _seed_any(v, mark, used) for k, v in value.items()}
    if isinstance(value, list):
        return [_seed_any(v, mark, used) for v in value]
    return value


@dataclass(frozen=True)
class SeedPolicy:
    """The policy the seed recommends for a use, kept as the seed writes it."""

    name: str
    description: str
    document: Mapping[str, Any]
    arn: str | None = None

    def render(self, params: Parameters) -> dict[str, Any]:
        """The document with ``${...}`` parameters filled in (the ARN too, under ``arn``)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.arn:
            out["arn"] = _fill(self.arn, params)
        out["document"] = _fill_any(self.document, params)
        return out

    def as_seed_writes(self, mark: Marker = _unmarked) -> dict[str, Any]:
        """The policy as the seed writes it (``arn:aws:s3:::bucket-name/*``).

        ``placeholders`` lists the words that stand for a parameter, in order of first
        use; ``mark(text, parameter)`` wraps each occurrence (to highlight it).
        """
        used: dict[str, str] = {}
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        if self.arn:
            out["arn"] = seed_text(self.arn, mark, used)
        out["document"] = _seed_any(self.document, mark, used)
        out["placeholders"] = [{"text": t, "parameter": p} for p, t in used.items()]
        return out


@dataclass(frozen=True)
class RequiredPermission:
    """A rendered requirement: this capability calls ``action`` on ``resource``."""

    capability: str
    shape: str
    action: str
    resource: str

    def to_dict(self) -> dict[str, str]:
        return {
            "capability": self.capability,
            "shape": self.shape,
            "action": self.action,
            "resource": self.resource,
        }


@dataclass(frozen=True)
class Capability:
    """One use of a connector the seed describes."""

    name: str
    summary: str
    seed_source: str
    parameters: tuple[str, ...]
    requires: tuple[Requirement, ...]
    seed_policy: SeedPolicy | None
    always: bool = False
    identity: str = "connector"  # connector | base (checked under the cross-account role)

    def render(self, params: Parameters) -> tuple[RequiredPermission, ...]:
        return tuple(
            RequiredPermission(self.name, req.shape, action, _fill(req.resource, params))
            for req in self.requires
            for action in req.actions
        )

    def to_dict(self, *, params: Parameters | None = None, seed: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "summary": self.summary,
            "seedSource": self.seed_source,
            "parameters": list(self.parameters),
            "always": self.always,
            "identity": self.identity,
            "requires": [
                {"shape": r.shape, "actions": list(r.actions), "resource": r.resource}
                for r in self.requires
            ],
        }
        if seed and self.seed_policy is not None:
            policy = self.seed_policy
            out["seedPolicy"] = policy.as_seed_writes() if params is None else policy.render(params)
        return out


@dataclass(frozen=True)
class Catalog:
    """Every capability by name, in a stable order (the always-included ones first)."""

    capabilities: Mapping[str, Capability] = field(default_factory=dict)

    def names(self) -> tuple[str, ...]:
        return tuple(self.capabilities)

    def get(self, name: str) -> Capability:
        try:
            return self.capabilities[name]
        except KeyError:
            raise InvalidInput(
                f"unknown capability {name!r}",
                hint=f"capabilities are one or more of: {', '.join(self.names())}",
            ) from None

    def resolve(self, names: Iterable[str]) -> tuple[Capability, ...]:
        """The named capabilities plus the always-included ones, without repeats.

        Every unknown name is reported at once, as a problem at ``capabilities``.
        """
        wanted = list(dict.fromkeys(n.strip() for n in names if n.strip()))
        unknown = [n for n in wanted if n not in self.capabilities]
        if unknown:
            raise ValidationFailed(
                [
                    Problem("capabilities", "unknown capability", n, ", ".join(self.names()))
                    for n in unknown
                ],
                what="capabilities",
            )
        if not wanted:
            raise ValidationFailed(
                [Problem("capabilities", "no capability given", None, ", ".join(self.names()))],
                what="capabilities",
            )
        chosen = [c for c in self.capabilities.values() if c.always]
        chosen += [self.capabilities[n] for n in wanted if not self.capabilities[n].always]
        return tuple(chosen)

    def render(
        self, capabilities: Sequence[Capability], params: Parameters
    ) -> tuple[RequiredPermission, ...]:
        return tuple(p for cap in capabilities for p in cap.render(params))


def capability_names() -> tuple[str, ...]:
    """Names in the packaged catalog (for validating a connector's ``capabilities``)."""
    return load_catalog().names()


def split_names(values: Iterable[str]) -> list[str]:
    """``["a,b", "c"]`` -> ``[a, b, c]`` (lists of comma-separated names)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _fill(text: str, params: Parameters) -> str:
    return Template(text).substitute(params.as_dict())


def _fill_any(value: Any, params: Parameters) -> Any:
    if isinstance(value, str):
        return _fill(value, params)
    if isinstance(value, Mapping):
        return {k: _fill_any(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_any(v, params) for v in value]
    return value


def _placeholders(text: str) -> set[str]:
    names: set[str] = set()
    for match in Template.pattern.finditer(text):
        name = match.group("braced") or match.group("named")
        if name:
            names.add(name)
        elif match.group("invalid") is not None:
            names.add("<invalid>")
    return names


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _parse(name: str, data: Any, problems: list[Problem]) -> Capability | None:
    start = len(problems)
    if not isinstance(data, Mapping):
        problems.append(Problem(name, "must be a mapping"))
        return None
    if data.get("name") != name:
        problems.append(Problem(f"{name}.name", "must equal the file name", data.get("name")))
    params = tuple(data.get("parameters") or ())
    for p in params:
        if p not in PARAMETERS:
            problems.append(
                Problem(f"{name}.parameters", "unknown parameter", p, ", ".join(PARAMETERS))
            )
    identity = str(data.get("identity", "connector"))
    if identity not in IDENTITIES:
        problems.append(
            Problem(f"{name}.identity", "unknown identity", identity, ", ".join(IDENTITIES))
        )
    allowed = {*params, "partition"}
    requires: list[Requirement] = []
    for i, raw in enumerate(data.get("requires") or ()):
        path = f"{name}.requires[{i}]"
        if not isinstance(raw, Mapping):
            problems.append(Problem(path, "must be a mapping"))
            continue
        shape = str(raw.get("shape", ""))
        if not _SHAPE.match(shape):
            problems.append(Problem(f"{path}.shape", "must be a CamelCase word", shape))
        actions = tuple(str(a) for a in raw.get("actions") or ())
        if not actions:
            problems.append(Problem(f"{path}.actions", "must list at least one action"))
        for action in actions:
            if not _ACTION.match(action):
                problems.append(Problem(f"{path}.actions", "not service:Action", action))
        resource = str(raw.get("resource", ""))
        extra = _placeholders(resource) - allowed
        if not resource or extra:
            problems.append(
                Problem(
                    f"{path}.resource",
                    "uses a placeholder the capability does not declare",
                    resource,
                    ", ".join(sorted(allowed)),
                )
            )
        requires.append(Requirement(shape, actions, resource))
    if not requires:
        problems.append(Problem(f"{name}.requires", "must list at least one requirement"))
    seed: SeedPolicy | None = None
    raw_seed = data.get("seed_policy")
    if raw_seed is not None:
        if not isinstance(raw_seed, Mapping) or not isinstance(raw_seed.get("document"), Mapping):
            problems.append(Problem(f"{name}.seed_policy", "needs name, description, document"))
        else:
            for text in _strings(raw_seed.get("document")):
                if _placeholders(text) - allowed:
                    problems.append(Problem(f"{name}.seed_policy", "undeclared placeholder", text))
            seed = SeedPolicy(
                name=str(raw_seed.get("name", "")),
                description=str(raw_seed.get("description", "")),
                document=raw_seed["document"],
                arn=raw_seed.get("arn"),
            )
    if len(problems) > start:
        return None
    return Capability(
        name=name,
        summary=str(data.get("summary", "")),
        seed_source=str(data.get("seed_source", "")),
        parameters=params,
        requires=tuple(requires),
        seed_policy=seed,
        always=bool(data.get("always", False)),
        identity=identity,
    )


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load and validate the catalog (the packaged one by default, cached)."""
    if directory is None:
        return _packaged()
    return _load(sorted(directory.glob("*.yaml")))


@cache
def _packaged() -> Catalog:
    root = resources.files("awsconn.iam").joinpath("capabilities")
    files = sorted(
        (Path(str(entry)) for entry in root.iterdir() if entry.name.endswith(".yaml")),
        key=lambda p: p.name,
    )
    return _load(files)


def _load(files: Sequence[Path]) -> Catalog:
    problems: list[Problem] = []
    parsed: list[Capability] = []
    for path in files:
        name = path.name.removesuffix(".yaml")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(Problem(name, f"not valid YAML: {exc}"))
            continue
        cap = _parse(name, data, problems)
        if cap is not None:
            parsed.append(cap)
    if problems:
        raise ValidationFailed(problems, what="capability catalog")
    parsed.sort(key=lambda c: (not c.always, _ORDER.get(c.name, 99), c.name))
    return Catalog({c.name: c for c in parsed})


# The order the seed tells them in; new files sort after these by name.
_ORDER = {
    n: i
    for i, n in enumerate(
        (
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
        )
    )
}


def expand_action(action: str) -> tuple[str, ...]:
    """Every catalog action a (possibly wildcard) action covers, canonical names, sorted.

    A concrete action comes back as itself (canonical case when the catalog knows it);
    a wildcard no catalog action matches comes back empty.
    """
    from awsconn.iam.catalog import expand_actions

    found = tuple(expand_actions(action))
    if "*" in action or "?" in action:
        return found
    return found[:1] or (action,)
