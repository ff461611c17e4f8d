"""The connector model: pure data and validation, no I/O, fast to import."""

from awsconn.model.connector import Connector
from awsconn.model.credentials import (
    AwsCredential,
    BackoffStrategy,
    CredentialType,
    CrossAccountAccess,
    ManualConfig,
    OidcConfig,
    RoleHop,
)
from awsconn.model.harness_yaml import ParseOutcome, parse_connector, parse_connector_document
from awsconn.model.identifiers import DEFAULT_ACCOUNT
from awsconn.model.scope import EntityRef, Scope, parse_ref, scope_of_settings
from awsconn.model.secret_refs import SecretRef, parse_secret_ref
from awsconn.model.yaml_io import connector_to_document, dump_connectors_yaml, load_yaml_documents

__all__ = [
    "DEFAULT_ACCOUNT",
    "AwsCredential",
    "BackoffStrategy",
    "Connector",
    "CredentialType",
    "CrossAccountAccess",
    "EntityRef",
    "ManualConfig",
    "OidcConfig",
    "ParseOutcome",
    "RoleHop",
    "Scope",
    "SecretRef",
    "connector_to_document",
    "dump_connectors_yaml",
    "load_yaml_documents",
    "parse_connector",
    "parse_connector_document",
    "parse_ref",
    "parse_secret_ref",
    "scope_of_settings",
]
