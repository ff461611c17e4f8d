"""Who may do what: permissions, the roles that hold them, and the caller of a use case.

Roles are granted per scope and inherited downwards (account -> org -> project): an
editor of org ``eng`` edits the org's connectors and those of every project in it.
``connector:access`` (obtaining a connector's credentials) is a permission of its own:
admins hold it, editors only when granted it explicitly. Every use case asks
``caller.require(permission, scope)`` before it acts, so the CLI, the API and the UI
enforce the same rule; the CLI on a local store acts as :data:`LOCAL_OWNER`, who owns
the store and may do everything in it. A server's own background work (the reaper, the
monitor, pruning, status alerts) acts as :data:`SERVER_CALLER`, limited to what it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from awsconn.errors import Forbidden
from awsconn.model.scope import Scope

__all__ = ["LOCAL_OWNER", "SERVER_CALLER", "Caller", "Permission", "Role", "role_permissions"]


class Permission(StrEnum):
    CONNECTOR_VIEW = "connector:view"  # connectors, their status and history
    CONNECTOR_EDIT = "connector:edit"  # create, update, delete
    CONNECTOR_TEST = "connector:test"  # connection tests, regions, permission checks
    CONNECTOR_ACCESS = "connector:access"  # the connector's credentials themselves
    SECRET_VIEW = "secret:view"  # metadata only: values are never readable
    SECRET_EDIT = "secret:edit"  # create, update the value, delete
    TOKEN_ADMIN = "token:admin"  # API and delegate tokens, roles
    AUDIT_VIEW = "audit:view"  # the audit log
    DELEGATE_VIEW = "delegate:view"  # connected delegates and their tasks
    DELEGATE_WORK = "delegate:work"  # a delegate's own protocol: register, take, finish


class Role(StrEnum):
    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"
    DELEGATE = "delegate"  # the role of a delegate token: delegate work and nothing else


_VIEWER = frozenset(
    {
        Permission.CONNECTOR_VIEW,
        Permission.SECRET_VIEW,
        Permission.DELEGATE_VIEW,
    }
)
_EDITOR = _VIEWER | {
    Permission.CONNECTOR_EDIT,
    Permission.CONNECTOR_TEST,
    Permission.SECRET_EDIT,
}
_ADMIN = _EDITOR | {Permission.CONNECTOR_ACCESS, Permission.TOKEN_ADMIN, Permission.AUDIT_VIEW}
_ROLES: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: _VIEWER,
    Role.EDITOR: _EDITOR,
    Role.ADMIN: _ADMIN,
    Role.DELEGATE: frozenset({Permission.DELEGATE_WORK}),
}


def role_permissions(role: Role, *, access: bool = False) -> frozenset[Permission]:
    """What ``role`` may do; ``access`` adds ``connector:access`` (granted on its own)."""
    held = _ROLES[role]
    return held | {Permission.CONNECTOR_ACCESS} if access and role is not Role.DELEGATE else held


def _covers(granted: Scope, target: Scope) -> bool:
    """A grant at ``granted`` reaches ``target`` when target is that scope or inside it."""
    return granted in target.chain()


@dataclass(frozen=True)
class Caller:
    """Who runs a use case: a token's holder (API, remote CLI) or the local store's owner.

    ``scope`` is where the role was granted; ``name`` and ``token_id`` identify the
    caller in the audit log (never the token itself); ``address`` is where the request
    came from, when it came over the network. ``limited_to``, when given, keeps only
    those of the role's permissions (a caller no token stands for: the server's own work).
    """

    name: str
    role: Role
    scope: Scope = field(default_factory=Scope)
    access: bool = False
    token_id: str | None = None
    address: str | None = None
    limited_to: frozenset[Permission] | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        held = role_permissions(self.role, access=self.access)
        return held if self.limited_to is None else held & self.limited_to

    def can(self, permission: Permission, scope: Scope) -> bool:
        return permission in self.permissions and _covers(self.scope, scope)

    def require(self, permission: Permission, scope: Scope) -> None:
        """Go on, or raise Forbidden naming the permission, the scope and the caller's grant."""
        if self.can(permission, scope):
            return
        if permission not in self.permissions and self.limited_to is not None:
            held = ", ".join(sorted(p.value for p in self.permissions))
            why = f"it is limited to {held}"
        elif permission not in self.permissions:
            why = f"the {self.role.value} role does not include {permission.value}"
            if permission is Permission.CONNECTOR_ACCESS and self.role is Role.EDITOR:
                why += " (an editor holds it only when granted connector access)"
        else:
            why = f"its {self.role.value} role is granted in {self.scope.label()} only"
        raise Forbidden(
            f"{self.name} may not {permission.value} in {scope.label()}: {why}",
            hint="ask an admin for a token with that role in that scope",
        )

    def visible(self, scope: Scope) -> bool:
        """Whether listings may show what lives in ``scope`` (any grant there or above)."""
        return _covers(self.scope, scope)


LOCAL_OWNER = Caller(name="local", role=Role.ADMIN, access=True)
"""The user of a local store (the CLI without a server): the store is theirs."""


SERVER_CALLER = Caller(
    name="awsconn-server",
    role=Role.EDITOR,
    limited_to=frozenset(
        {Permission.CONNECTOR_VIEW, Permission.CONNECTOR_TEST, Permission.CONNECTOR_EDIT}
    ),
)
"""A server's background work: scheduled connection tests and the task reaper
(``connector:test``), following status changes (``connector:view``), pruning history
(``connector:edit``), in the whole account; no ``connector:access`` (it is handed no
credentials), no secrets or tokens to manage. Its name is the actor in the audit log."""
