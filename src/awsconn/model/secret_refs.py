"""Secret references: ``account.ID``, ``org.ID`` or ``ID`` (the referring entity's own scope)."""

from __future__ import annotations

from dataclasses import dataclass

from awsconn.model.identifiers import IDENTIFIER_RULE, identifier_problem
from awsconn.model.scope import EntityRef, Scope

__all__ = ["SECRET_REF_RULE", "SecretRef", "parse_secret_ref"]

SECRET_REF_RULE = "account.ID, org.ID, or ID (a secret in the connector's own scope)"


@dataclass(frozen=True)
class SecretRef:
    """A secret reference as written; ``resolve`` finds the secret for a given owner scope."""

    level: str  # "account" | "org" | "own"
    identifier: str

    def __str__(self) -> str:
        return self.identifier if self.level == "own" else f"{self.level}.{self.identifier}"

    def resolve(self, owner: Scope) -> EntityRef | None:
        """The secret this names for an entity in ``owner``; None when that scope has no org."""
        if self.level == "account":
            return EntityRef(Scope(), self.identifier)
        if self.level == "org":
            if owner.org is None:
                return None
            return EntityRef(Scope(owner.org), self.identifier)
        return EntityRef(owner, self.identifier)


def parse_secret_ref(text: str) -> tuple[SecretRef | None, str | None]:
    """Parse a reference; returns (ref, None) or (None, why it is not valid)."""
    text = text.strip()
    level, _, ident = text.partition(".")
    if not _:
        level, ident = "own", text
    elif level not in ("account", "org"):
        return None, f"has an unknown scope prefix {level!r}"
    why = identifier_problem(ident)
    if why:
        return None, f"names {ident!r}, which {why} ({IDENTIFIER_RULE})"
    return SecretRef(level, ident), None
