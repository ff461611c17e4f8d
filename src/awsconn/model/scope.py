"""Scopes (account, org, project) and the connector references the CLI takes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import total_ordering

from awsconn.errors import Problem, ValidationFailed
from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem

__all__ = ["EntityRef", "Scope", "parse_ref", "scope_of_settings"]


@total_ordering
@dataclass(frozen=True)
class Scope:
    """Where an entity lives: the account (no org), an org, or a project inside an org."""

    org: str | None = None
    project: str | None = None

    def __post_init__(self) -> None:
        if self.project is not None and self.org is None:
            raise ValueError("a project scope needs an org")

    @property
    def level(self) -> str:
        if self.project is not None:
            return "project"
        if self.org is not None:
            return "org"
        return "account"

    def parent(self) -> Scope | None:
        if self.project is not None:
            return Scope(self.org)
        if self.org is not None:
            return Scope()
        return None

    def chain(self) -> tuple[Scope, ...]:
        """This scope and every wider one, narrowest first."""
        out: list[Scope] = [self]
        parent = self.parent()
        while parent is not None:
            out.append(parent)
            parent = parent.parent()
        return tuple(out)

    def label(self) -> str:
        if self.project is not None:
            return f"project {self.org}/{self.project}"
        if self.org is not None:
            return f"org {self.org}"
        return "account"

    def sort_key(self) -> tuple[str, str]:
        return (self.org or "", self.project or "")

    def __lt__(self, other: object) -> bool:
        # By sort_key: the generated order would compare None with str across levels.
        if not isinstance(other, Scope):
            return NotImplemented
        return self.sort_key() < other.sort_key()


@dataclass(frozen=True, order=True)
class EntityRef:
    """An entity by scope and identifier; printed as ``ID``, ``ORG/ID`` or ``ORG/PROJECT/ID``."""

    scope: Scope
    identifier: str

    def __str__(self) -> str:
        parts = [p for p in (self.scope.org, self.scope.project) if p is not None]
        return "/".join([*parts, self.identifier])

    def session_label(self) -> str:
        """A label for places that need the scope spelled out (e.g. STS session names)."""
        return f"{self.scope.level}/{self}"


def parse_ref(text: str, *, path: str = "ref") -> EntityRef:
    """Parse ``ID``, ``ORG/ID`` or ``ORG/PROJECT/ID``; bad input raises ValidationFailed."""
    parts = text.strip().split("/")
    problems: list[Problem] = []
    if len(parts) > 3 or any(not p for p in parts):
        raise ValidationFailed(
            [
                Problem(
                    path, "is not a reference", given=text, allowed="ID, ORG/ID or ORG/PROJECT/ID"
                )
            ]
        )
    for part in parts:
        why = identifier_problem(part)
        if why:
            problems.append(Problem(path, f"{part!r} {why}", given=text, allowed=IDENTIFIER_RULE))
    if problems:
        raise ValidationFailed(problems)
    if len(parts) == 1:
        return EntityRef(Scope(), parts[0])
    if len(parts) == 2:
        return EntityRef(Scope(parts[0]), parts[1])
    return EntityRef(Scope(parts[0], parts[1]), parts[2])


def scope_of_settings(org: str | None, project: str | None) -> Scope:
    """The scope named by ``org`` and ``project`` settings (e.g. command-line options).

    Each must be an identifier; a project needs an org. Problems name the settings
    (``org``, ``project``); raises ValidationFailed.
    """
    problems: list[Problem] = []
    for path, value in (("org", org), ("project", project)):
        if value is not None and (why := identifier_problem(value)):
            problems.append(Problem(path, why, given=value, allowed=IDENTIFIER_RULE))
    if project is not None and org is None:
        problems.append(Problem("project", "needs org", given=project, allowed="org and project"))
    if problems:
        raise ValidationFailed(problems, what="scope")
    return Scope(org, project)
