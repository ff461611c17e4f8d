"""Compiled policies: each statement's Action, Resource and Principal become matchers
built once, so that a decision is dictionary look-ups and a few small regexes.

Actions are indexed by service (lower-cased, since AWS matches actions without
regard to case): exact names in a set, wildcard names in one regex per service. Every
wildcard regex comes from :mod:`awsconn.iam.globs`, so it runs in time linear in the
text whatever the pattern. Compiled policies are cached by their canonical JSON in a
dict owned here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from awsconn.iam.conditions import CompiledCondition, compile_condition
from awsconn.iam.globs import Glob, compile_glob, glob_of_text
from awsconn.iam.grammar import Policy, Statement, parse_policy
from awsconn.iam.kinds import PolicyKind, refuse_invalid
from awsconn.iam.variables import QMARK, STAR, Context, Pattern, Token, Var, resolve, tokenize

__all__ = [
    "ActionMatcher",
    "CompiledPolicy",
    "CompiledStatement",
    "PrincipalMatcher",
    "ResourceMatcher",
    "clear_cache",
    "compile_policy",
]

_CACHE_LIMIT = 4096
_cache: dict[str, CompiledPolicy] = {}


def _glob(text: str) -> str:
    source = glob_of_text(text).source
    assert source is not None  # plain globs always compile to a (linear) regex
    return source


class ActionMatcher:
    """Action or NotAction patterns of one statement."""

    __slots__ = ("_services", "any", "by_service", "exact", "wild")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.any = False
        exact: set[str] = set()
        per_service: dict[str, list[str]] = {}
        wild: list[str] = []
        for raw in patterns:
            pattern = raw.lower()
            if pattern == "*":
                self.any = True
                continue
            if "*" not in pattern and "?" not in pattern:
                exact.add(pattern)
                continue
            service, sep, name = pattern.partition(":")
            if sep and "*" not in service and "?" not in service:
                per_service.setdefault(service, []).append(_glob(name))
            else:
                wild.append(_glob(pattern))
        self.exact = frozenset(exact)
        self.by_service = {
            svc: re.compile("|".join(sorted(set(parts))), re.DOTALL)
            for svc, parts in per_service.items()
        }
        self.wild = re.compile("|".join(wild), re.DOTALL) if wild else None
        self._services: frozenset[str] | None = (
            None
            if self.any or self.wild is not None
            else frozenset(self.by_service) | {a.partition(":")[0] for a in self.exact}
        )

    def services(self) -> frozenset[str] | None:
        """Services this matcher can match (lower case); ``None`` = any service."""
        return self._services

    def matches(self, action: str, service: str, name: str) -> bool:
        """``action`` is lower-cased ``service:name``."""
        if self.any or action in self.exact:
            return True
        rx = self.by_service.get(service)
        if rx is not None and rx.fullmatch(name) is not None:
            return True
        return self.wild is not None and self.wild.fullmatch(action) is not None


class ResourceMatcher:
    """Resource or NotResource patterns: case-sensitive, wildcards stay within ARN segments."""

    __slots__ = ("_seen", "any", "automata", "dynamic", "exact", "patterns", "regex")

    def __init__(self, patterns: Iterable[str], *, variables: bool) -> None:
        self.patterns = tuple(patterns)
        self.any = "*" in self.patterns
        exact: set[str] = set()
        sources: list[str] = []
        automata: list[Glob] = []
        dynamic: list[Pattern] = []
        for text in self.patterns:
            pat = tokenize(text, variables=variables)
            if not pat.static:
                dynamic.append(pat)
            elif (
                len(pat.tokens) == 1
                and isinstance(pat.tokens[0], str)
                and "*" not in text
                and "?" not in text
            ):
                exact.add(text)
            elif text != "*":
                glob = compile_glob(pat.tokens, arn=True, resource=True)
                if glob.source is None:
                    automata.append(glob)
                else:
                    sources.append(glob.source)
        self.exact = frozenset(exact)
        self.regex = re.compile("|".join(sources), re.DOTALL) if sources else None
        self.automata = tuple(automata)
        self.dynamic = tuple(dynamic)
        self._seen: dict[tuple[Token, ...], Glob] = {}

    def matches(self, resource: str, context: Context) -> bool:
        """Whether a pattern matches; a pattern whose variable is missing matches nothing
        (see :meth:`missing` for what that means for the statement)."""
        if self.any or resource in self.exact:
            return True
        if self.regex is not None and self.regex.fullmatch(resource) is not None:
            return True
        if any(g.fullmatch(resource) for g in self.automata):
            return True
        for pat in self.dynamic:
            toks = resolve(pat, context)
            if toks is None:
                continue
            glob = self._seen.get(toks)
            if glob is None:
                if len(self._seen) > _CACHE_LIMIT:
                    self._seen.clear()
                glob = self._seen[toks] = compile_glob(toks, arn=True, resource=True)
            if glob.fullmatch(resource):
                return True
        return False

    def missing(self, context: Context, unknown: frozenset[str] = frozenset()) -> Var | None:
        """A variable (not among ``unknown``) the request cannot resolve, if any."""
        for pat in self.dynamic:
            for var in pat.variables:
                if var.default is None and var.key not in unknown:
                    value = context.get(var.key)
                    if value is None or (not isinstance(value, str) and len(value) != 1):
                        return var
        return None

    def unknown_variables(self, unknown: frozenset[str]) -> tuple[Var, ...]:
        """Variables whose key is unknown for this request."""
        return tuple(v for pat in self.dynamic for v in pat.variables if v.key in unknown)

    def globs(self, context: Context) -> list[str]:
        """The patterns as glob text with variables substituted (for wildcard requests)."""
        out = [p for p in self.patterns if p not in self._dynamic_text()]
        for pat in self.dynamic:
            toks = resolve(pat, context)
            if toks is not None:
                out.append(
                    "".join("*" if t == STAR else "?" if t == QMARK else str(t) for t in toks)
                )
        return out

    def _dynamic_text(self) -> set[str]:
        return {p.text for p in self.dynamic}


@dataclass(frozen=True)
class PrincipalMatcher:
    """Principal or NotPrincipal of one statement, by principal type."""

    everyone: bool
    aws: frozenset[str]
    service: frozenset[str]
    federated: frozenset[str]
    canonical: frozenset[str]

    @classmethod
    def build(cls, spec: dict[str, tuple[str, ...]]) -> PrincipalMatcher:
        aws = frozenset(spec.get("AWS", ()))
        return cls(
            everyone="*" in spec or "*" in aws,
            aws=aws,
            service=frozenset(v.lower() for v in spec.get("Service", ())),
            federated=frozenset(spec.get("Federated", ())),
            canonical=frozenset(spec.get("CanonicalUser", ())),
        )


@dataclass(frozen=True)
class CompiledStatement:
    """One statement with its matchers; ``statement`` keeps the source for explanations."""

    statement: Statement
    allow: bool
    actions: ActionMatcher
    action_negated: bool
    resources: ResourceMatcher | None
    resource_negated: bool
    principals: PrincipalMatcher | None
    principal_negated: bool
    conditions: tuple[CompiledCondition, ...]


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy ready to evaluate; ``name`` is how explanations refer to it."""

    name: str
    policy: Policy
    statements: tuple[CompiledStatement, ...]
    index: dict[str, tuple[CompiledStatement, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    """service -> statements that may match its actions; filled lazily, shared by copies."""

    def for_service(self, service: str) -> tuple[CompiledStatement, ...]:
        """Statements whose Action/NotAction may match an action of ``service``."""
        index = self._service_index()
        found = index.get(service)
        if found is None:
            found = index[service] = tuple(
                cs
                for cs in self.statements
                if cs.action_negated or (s := cs.actions.services()) is None or service in s
            )
        return found

    def _service_index(self) -> dict[str, tuple[CompiledStatement, ...]]:
        return self.index

    def named(self, name: str) -> CompiledPolicy:
        """The same compiled statements under another name (no recompilation)."""
        if name == self.name:
            return self
        return CompiledPolicy(name, self.policy, self.statements, self.index)


def _compile_statement(st: Statement, *, variables: bool) -> CompiledStatement:
    actions = st.actions if st.actions is not None else st.not_actions or ()
    resources = st.resources if st.resources is not None else st.not_resources
    principal = st.principals if st.principals is not None else st.not_principals
    return CompiledStatement(
        statement=st,
        allow=st.effect == "Allow",
        actions=ActionMatcher(actions),
        action_negated=st.actions is None,
        resources=None if resources is None else ResourceMatcher(resources, variables=variables),
        resource_negated=st.resources is None and st.not_resources is not None,
        principals=None if principal is None else PrincipalMatcher.build(principal),
        principal_negated=st.principals is None and st.not_principals is not None,
        conditions=tuple(compile_condition(c, variables=variables) for c in st.conditions),
    )


def compile_policy(
    document: object, name: str | None = None, *, kind: PolicyKind | None = None
) -> CompiledPolicy:
    """Parse and compile a policy (dict, JSON, Policy or compiled); cached by content.

    With ``kind`` it also refuses what evaluation cannot decide on for that kind of
    policy (:func:`awsconn.iam.kinds.refuse_invalid`). Raises :class:`ValidationFailed`.
    """
    if isinstance(document, CompiledPolicy):
        compiled = document if name is None else document.named(name)
    else:
        policy = parse_policy(document)
        cached = _cache.get(policy.source)
        if cached is None:
            variables = policy.variables_enabled
            statements = tuple(
                _compile_statement(s, variables=variables) for s in policy.statements
            )
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            cached = _cache[policy.source] = CompiledPolicy(
                policy.id or "policy", policy, statements
            )
        compiled = cached if name is None else cached.named(name)
    if kind is not None:
        refuse_invalid(compiled.policy, kind)
    return compiled


def clear_cache() -> None:
    """Forget every compiled policy (tests and long-running services that load many)."""
    _cache.clear()
