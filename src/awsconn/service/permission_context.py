"""The request context of a permission check: the condition keys AWS sets on every call an
identity makes, filled the way AWS fills them, and the keys the check cannot know.

A policy testing a key filled here is decided as AWS would decide it. A key only the real
request carries (``aws:SourceIp``, ``aws:MultiFactorAuthPresent``, ``s3:prefix``...) is
never guessed: it is *unknown*, and a decision that hangs on it depends on it. Keys known
to be absent (``aws:username`` of a role, ``aws:TokenIssueTime`` of an access key...) are
neither filled nor unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from awsconn.aws.principal import CallerIdentity
    from awsconn.iam import PolicySet
    from awsconn.iam.capabilities import Parameters

__all__ = [
    "CredentialFacts",
    "KnownPrincipal",
    "RequestContext",
    "SessionFacts",
    "identity_context",
    "used_condition_keys",
    "what_if_context",
]

_PRINCIPAL_TYPES = {
    "user": "User",
    "role": "AssumedRole",
    "root": "Account",
    "federated-user": "FederatedUser",
}
_TAG_PREFIX = "aws:principaltag/"


@dataclass(frozen=True)
class CredentialFacts:
    """What a session's credentials tell beyond who it is; ``None``/``False`` = not known.

    ``long_term``: an access key without a session token (AWS then sends no
    ``aws:TokenIssueTime`` and no ``aws:SourceIdentity``). ``issued_at``: when the
    session's token was issued. ``clean``: the chain starts from long-term keys and only
    awsconn assumed roles on it, so the session has no session tags and no source identity.
    """

    long_term: bool | None = None
    issued_at: datetime | None = None
    clean: bool = False


@dataclass(frozen=True)
class SessionFacts:
    """What a connector adds to its calls: the cross-account role it assumes, the External
    ID it sends with AssumeRole, and the facts of its credentials and of the base ones."""

    role_arn: str | None = None
    external_id: str | None = None
    credentials: CredentialFacts = field(default_factory=CredentialFacts)
    base_credentials: CredentialFacts = field(default_factory=CredentialFacts)

    def for_identity(self, identity: str) -> CredentialFacts:
        return self.base_credentials if identity == "base" else self.credentials


@dataclass(frozen=True)
class KnownPrincipal:
    """Who a what-if check evaluates as, and where that was learnt (said in the report)."""

    arn: str
    source: str
    user_id: str = ""


@dataclass(frozen=True)
class RequestContext:
    """What a check knows of the requests one identity sends.

    ``values``: keys sent with every call (canonical spelling). ``absent``: lower-case
    keys known not to be sent; ``absent_prefixes``: whole families known absent beyond
    those filled (every other ``aws:PrincipalTag/*`` once the tags were read).
    ``external_id``: what AssumeRole sends as ``sts:ExternalId``, when ``external_id_known``.
    """

    principal: str
    values: Mapping[str, str] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    absent_prefixes: tuple[str, ...] = ()
    external_id: str | None = None
    external_id_known: bool = False
    principal_source: str = ""
    _filled: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())
    _requests: dict[tuple[str, bool], Mapping[str, str]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _unknown: dict[tuple[int, str, bool], tuple[Mapping[str, str], frozenset[str]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_filled", frozenset(k.lower() for k in self.values))

    def for_action(self, action: str, region: str) -> Mapping[str, str]:
        """The condition keys of a call of ``action`` sent to ``region`` (shared, read-only)."""
        assume = action.lower() == "sts:assumerole" and self.external_id is not None
        cache = self._requests
        found = cache.get((region, assume))
        if found is None:
            values = dict(self.values)
            values["aws:RequestedRegion"] = region
            if assume:
                values["sts:ExternalId"] = str(self.external_id)
            found = cache[(region, assume)] = values
        return found

    def knows(self, key: str, action: str) -> bool:
        """Whether a call of ``action`` is known to carry ``key`` (and its value) or not."""
        low = key.lower()
        if low in self._filled or low == "aws:requestedregion":
            return True
        if low in self.absent or any(low.startswith(p) for p in self.absent_prefixes):
            return True
        if low == "sts:externalid":
            return self.external_id_known or action.lower() != "sts:assumerole"
        service = action.partition(":")[0].lower()
        prefix = low.partition(":")[0]
        # A service's own keys are sent only to that service.
        return prefix not in ("aws", service)

    def unknown(self, used: Mapping[str, str], action: str) -> frozenset[str]:
        """Of ``used`` (lower-case key -> key as a policy writes it), those a call of
        ``action`` may carry that this check does not know (the same for every action of
        a service, so remembered per ``used`` mapping and service)."""
        low_action = action.lower()
        key = (id(used), low_action.partition(":")[0], low_action == "sts:assumerole")
        found = self._unknown.get(key)
        if found is None or found[0] is not used:  # the mapping is kept: its id stays its own
            keys = frozenset(k for low, k in used.items() if not self.knows(low, action))
            found = self._unknown[key] = (used, keys)
        return found[1]


def identity_context(
    who: CallerIdentity,
    *,
    principal_arn: str | None,
    tags: Mapping[str, str] | None,
    credentials: CredentialFacts,
    now: datetime | None,
    session: SessionFacts | None,
    source: str = "",
) -> RequestContext:
    """The keys AWS sets on every call of ``who``, as AWS sets them.

    ``principal_arn``: the IAM ARN AWS puts in ``aws:PrincipalArn`` (a session's role
    with its path), ``None`` when not known. ``tags``: the user's or role's tags, ``None``
    when they could not be read (every ``aws:PrincipalTag/*`` is then unknown). ``now``:
    the check's clock (``None``: the time keys are unknown). ``session``: the connector's
    facts (``None``: what AssumeRole sends is unknown).
    """
    values = _every_call(now)
    values["aws:PrincipalAccount"] = who.account
    absent: set[str] = set()
    prefixes: list[str] = []
    kind = who.kind
    if kind in _PRINCIPAL_TYPES:
        values["aws:PrincipalType"] = _PRINCIPAL_TYPES[kind]
    if principal_arn:
        values["aws:PrincipalArn"] = principal_arn
    user_id = who.user_id or (who.account if kind == "root" else "")
    if user_id:
        values["aws:userid"] = user_id
    if kind == "user":
        values["aws:username"] = who.name
    else:
        absent.add("aws:username")
    tags_known = tags is not None and (kind == "user" or (kind == "role" and credentials.clean))
    if tags is not None and tags_known:
        for key, value in tags.items():
            values[f"aws:PrincipalTag/{key}"] = value
        prefixes.append(_TAG_PREFIX)
    if credentials.long_term:
        absent.update(("aws:tokenissuetime", "aws:sourceidentity"))
    else:
        if credentials.issued_at is not None:
            values["aws:TokenIssueTime"] = _iso(credentials.issued_at.astimezone(UTC))
        if credentials.clean:
            absent.add("aws:sourceidentity")
    return RequestContext(
        principal=who.arn,
        values=values,
        absent=frozenset(absent),
        absent_prefixes=tuple(prefixes),
        external_id=session.external_id if session is not None else None,
        external_id_known=session is not None,
        principal_source=source,
    )


def what_if_context(
    principal: KnownPrincipal | None,
    params: Parameters,
    now: datetime | None,
    session: SessionFacts | None,
    identity: str,
) -> RequestContext:
    """The context of a what-if check: no IAM read, so tags and a session's role path are
    unknown. Without a known principal the engine decides for a placeholder role in the
    account of ``params`` and every key about the principal is unknown."""
    from awsconn.aws.principal import principal_of_arn

    if principal is None:
        account = params.account if params.account != "*" else "000000000000"
        return RequestContext(
            principal=f"arn:{params.partition}:iam::{account}:role/what-if",
            values=_every_call(now),
            external_id=session.external_id if session is not None else None,
            external_id_known=session is not None,
            principal_source="unknown (a placeholder: keys about the principal are unknown)",
        )
    who = principal_of_arn(principal.arn, principal.user_id)
    return identity_context(
        who,
        principal_arn=who.arn if who.arn == who.principal_arn else None,
        tags=None,
        credentials=session.for_identity(identity) if session is not None else CredentialFacts(),
        now=now,
        session=session,
        source=principal.source,
    )


def used_condition_keys(policy_set: PolicySet) -> dict[str, str]:
    """Every condition key the policies test: lower-case name -> name as first written."""
    out: dict[str, str] = {}
    for _layer, compiled in policy_set.policies:
        for statement in compiled.policy.statements:
            for clause in statement.conditions:
                out.setdefault(clause.key.lower(), clause.key)
    return out


def _every_call(now: datetime | None) -> dict[str, str]:
    """Keys AWS sets on every signed SDK call, whoever makes it."""
    values = {
        "aws:SecureTransport": "true",  # the SDK only speaks HTTPS
        "aws:PrincipalIsAWSService": "false",
    }
    if now is not None:
        moment = now.astimezone(UTC)
        values["aws:CurrentTime"] = _iso(moment)
        values["aws:EpochTime"] = str(int(moment.timestamp()))
    return values


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
