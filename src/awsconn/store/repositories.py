"""The repositories' public names in one place: keyword-only calls in, frozen rows out.

Repositories know documents and sealed bytes, not the connector model or plaintext,
so the model and the secrets layer can change without touching the schema. Get them
from ``Database.transaction()``, which makes them share one transaction.
"""

from __future__ import annotations

from awsconn.store.connector_repository import ConnectorRepository, ConnectorRow, ConnectorTestRow
from awsconn.store.repository_base import KEEP, Clock, Keep, describe_scope
from awsconn.store.secret_repository import SecretRepository, SecretRow

__all__ = [
    "KEEP",
    "Clock",
    "ConnectorRepository",
    "ConnectorRow",
    "ConnectorTestRow",
    "Keep",
    "SecretRepository",
    "SecretRow",
    "describe_scope",
]
