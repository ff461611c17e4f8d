"""Harness's v2 secrets shapes (``/ng/api/v2/secrets``): values go in, never come out.

``SecretRequestWrapper {secret}`` is what create and update take; ``SecretResponse``
(Harness's Java ``SecretResponseWrapper``) is what they answer, around a ``Secret``
(Java ``SecretDTOV2``). awsconn stores ``SecretText`` with ``valueType: Inline``; the
other types are shapes Harness documents may hold, accepted here so the service can
refuse them by name. A :class:`SecretResponse` never holds a value: one given to it is
dropped when it is built, so no code path can answer with a secret.

As with connectors, the .d.ts marks ``SecretSpec.type`` required while Harness's
documents carry the type on ``Secret.type`` only: it is optional here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from awsconn.api.harness_base import EpochMillis, HarnessModel, OpenHarnessModel, spec_for_type

__all__ = [
    "AWSCONN_SECRET_MANAGER",
    "HARNESS_SECRET_MANAGER",
    "SECRET_MANAGERS",
    "AdditionalMetadata",
    "Secret",
    "SecretDTOV2",
    "SecretFileSpec",
    "SecretRequestWrapper",
    "SecretResponse",
    "SecretResponseWrapper",
    "SecretSpec",
    "SecretTextSpec",
    "SecretType",
]

HARNESS_SECRET_MANAGER = "harnessSecretManager"
"""Harness's built-in secret manager: what scripts written for Harness send."""
AWSCONN_SECRET_MANAGER = "awsconnSecretManager"
"""awsconn's own name for its encrypted store."""
SECRET_MANAGERS = (HARNESS_SECRET_MANAGER, AWSCONN_SECRET_MANAGER)
"""The ``secretManagerIdentifier`` values awsconn accepts; both name its one store."""

SecretType = Literal["SSHKey", "SecretFile", "SecretText", "WinRmCredentials"]


class AdditionalMetadata(HarnessModel):
    values: dict[str, dict[str, Any]] | None = None


class SecretSpec(OpenHarnessModel):
    """The spec of a secret type awsconn does not model (SSHKey, WinRmCredentials)."""

    error_message_for_invalid_yaml: str | None = None
    type: str | None = None


class SecretTextSpec(HarnessModel):
    """A text secret; ``value`` is write-only (hidden from repr, never in a response)."""

    error_message_for_invalid_yaml: str | None = None
    type: str | None = None
    additional_metadata: AdditionalMetadata | None = None
    secret_manager_identifier: str | None = None
    value: str | None = Field(default=None, repr=False)
    value_type: Literal["CustomSecretManagerValues", "Inline", "Reference"] | None = None


class SecretFileSpec(HarnessModel):
    error_message_for_invalid_yaml: str | None = None
    type: str | None = None
    additional_metadata: AdditionalMetadata | None = None
    secret_manager_identifier: str | None = None


class Secret(HarnessModel):
    """A secret's metadata and (on the way in only) its value."""

    identifier: str
    name: str
    type: SecretType
    org_identifier: str | None = None
    project_identifier: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None
    spec: SecretTextSpec | SecretFileSpec | SecretSpec

    @field_validator("spec", mode="wrap")
    @classmethod
    def _spec_of_type(cls, value: Any, _handler: Any, info: ValidationInfo) -> Any:
        variants: dict[str, type[HarnessModel]] = {
            "SecretText": SecretTextSpec,
            "SecretFile": SecretFileSpec,
        }
        return spec_for_type(value, info, variants, SecretSpec)


class SecretRequestWrapper(HarnessModel):
    """The body of create and update: ``{"secret": ...}``."""

    secret: Secret


class SecretResponse(HarnessModel):
    """What the secrets API answers: metadata and times, never the value."""

    secret: Secret
    created_at: EpochMillis | None = None
    updated_at: EpochMillis | None = None
    draft: bool | None = None
    governance_metadata: dict[str, Any] | None = None
    version: int | None = None  # awsconn's: the stored version (every write adds one)
    key_id: str | None = None  # awsconn's: the master key that seals the value

    @model_validator(mode="after")
    def _without_value(self) -> SecretResponse:
        spec = self.secret.spec
        if isinstance(spec, SecretTextSpec) and spec.value is not None:
            hidden = spec.model_copy(update={"value": None})
            self.secret = self.secret.model_copy(update={"spec": hidden})
        return self


SecretDTOV2 = Secret
"""Harness's Java name of :class:`Secret`."""
SecretResponseWrapper = SecretResponse
"""Harness's Java name of :class:`SecretResponse`."""
