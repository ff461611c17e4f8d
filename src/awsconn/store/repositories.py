"""The repositories' public names in one place: keyword-only calls in, frozen rows out.

Repositories know documents and sealed bytes, never plaintext; the one thing they ask
the model is which secrets a connector document names (``connector_links.py``), to
link them. Rows live in ``rows.py`` (no SQLAlchemy). Get repositories from
``Database.transaction()``, which makes them share one transaction.
"""

from __future__ import annotations

from awsconn.store.audit_repository import AuditRepository, AuditRow
from awsconn.store.connector_repository import ConnectorRepository, ConnectorRow, ConnectorTestRow
from awsconn.store.delegate_repository import DelegateRepository, DelegateRow
from awsconn.store.monitor_repository import MonitorRepository, ScheduleRow, StatusChangeRow
from awsconn.store.oidc_key_repository import OidcKeyRepository, OidcKeyRow
from awsconn.store.repository_base import KEEP, Clock, Keep, describe_scope
from awsconn.store.secret_repository import SecretRepository, SecretRow
from awsconn.store.task_repository import TaskRepository, TaskRow
from awsconn.store.token_repository import TokenRepository, TokenRow
from awsconn.store.ui_session_repository import UiSessionRepository, UiSessionRow

__all__ = [
    "KEEP",
    "AuditRepository",
    "AuditRow",
    "Clock",
    "ConnectorRepository",
    "ConnectorRow",
    "ConnectorTestRow",
    "DelegateRepository",
    "DelegateRow",
    "Keep",
    "MonitorRepository",
    "OidcKeyRepository",
    "OidcKeyRow",
    "ScheduleRow",
    "SecretRepository",
    "SecretRow",
    "StatusChangeRow",
    "TaskRepository",
    "TaskRow",
    "TokenRepository",
    "TokenRow",
    "UiSessionRepository",
    "UiSessionRow",
    "describe_scope",
]
