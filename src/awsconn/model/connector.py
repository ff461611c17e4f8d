"""The AWS connector: a named, scoped record of how to reach one AWS account."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from awsconn.model.credentials import AwsCredential, BackoffStrategy, CredentialType
from awsconn.model.regions import partition_of_region
from awsconn.model.scope import EntityRef, Scope
from awsconn.model.secret_refs import SecretRef

__all__ = ["Connector"]


@dataclass(frozen=True)
class Connector:
    """Every setting of the AWS connector; build one with ``harness_yaml.parse_connector``."""

    identifier: str
    name: str
    credential: AwsCredential
    scope: Scope = field(default_factory=Scope)
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    delegate_selectors: tuple[str, ...] = ()
    execute_on_delegate: bool = True
    backoff: BackoffStrategy | None = None
    capabilities: tuple[str, ...] = ()
    proxy: bool = False  # Harness's spec.proxy, kept as written
    ignore_test_connection: bool = False  # spec.ignoreTestConnection: `test --all` skips it

    @property
    def ref(self) -> EntityRef:
        return EntityRef(self.scope, self.identifier)

    @property
    def credential_type(self) -> CredentialType:
        return self.credential.type

    @property
    def region(self) -> str:
        return self.credential.region

    @property
    def partition(self) -> str:
        found = partition_of_region(self.credential.region)
        return found.name if found else "aws"

    def secret_refs(self) -> dict[str, SecretRef]:
        """Every secret the connector names, keyed by its YAML path."""
        if self.credential.manual is None:
            return {}
        return {
            f"spec.credential.spec.{key}": ref
            for key, ref in self.credential.manual.secret_refs().items()
        }
