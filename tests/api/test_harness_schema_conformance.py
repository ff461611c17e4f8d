"""Each wire model has the fields of Harness's schema, required where Harness requires them.

Read from Harness's published NG client (``schemas/<Name>.d.ts``) at test time, never
copied into the project: ``make test`` fetches the package from the npm registry
(``scripts/with-test-services``) and names its schemas folder in
``AWSCONN_HARNESS_CLIENT``; skipped, with the reason, where it could not. awsconn's
extra fields and the two documented differences (a spec's ``type``/``connectorType``
is optional) are listed here, so any other difference fails.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from awsconn.api import harness_shapes as h

CLIENT = Path(os.environ.get("AWSCONN_HARNESS_CLIENT", "") or "/nonexistent")
pytestmark = pytest.mark.skipif(
    not (CLIENT / "ConnectorInfo.d.ts").is_file(),
    reason="AWSCONN_HARNESS_CLIENT does not name the schemas of Harness's NG client "
    "(make test fetches @harnessio/react-ng-manager-v2-client with npm)",
)

MODELS: dict[str, Any] = {
    "ResponseDtoConnectorResponse": h.ResponseDto[h.ConnectorResponse],
    "RestResponseDelegateTokenDetails": h.RestResponse[h.DelegateTokenDetails],
    "PageResponseConnectorResponse": h.PageResponse[h.ConnectorResponse],
    "Error": h.ErrorDTO,
    "Failure": h.FailureDTO,
    "ValidationError": h.ValidationErrorDTO,
    "ErrorMetadata": h.ErrorMetadata,
    "ResponseMessage": h.ResponseMessage,
    "Connector": h.ConnectorRequest,
    "ConnectorInfo": h.ConnectorInfo,
    "ConnectorConfig": h.ConnectorConfig,
    "AwsConnector": h.AwsConnector,
    "AwsCredential": h.AwsCredential,
    "AwsManualConfigSpec": h.AwsManualConfigSpec,
    "AwsOidcSpec": h.AwsOidcSpec,
    "CrossAccountAccess": h.CrossAccountAccess,
    "AwsSdkClientBackoffStrategy": h.AwsSdkClientBackoffStrategy,
    "AwsEqualJitterBackoffStrategy": h.AwsEqualJitterBackoffStrategy,
    "AwsFixedDelayBackoffStrategy": h.AwsFixedDelayBackoffStrategy,
    "AwsFullJitterBackoffStrategy": h.AwsFullJitterBackoffStrategy,
    "ConnectorResponse": h.ConnectorResponse,
    "ConnectorActivityDetails": h.ConnectorActivityDetails,
    "EntityGitDetails": h.EntityGitDetails,
    "ConnectorConnectivityDetails": h.ConnectorConnectivityDetails,
    "ConnectorValidationResult": h.ConnectorValidationResult,
    "ErrorDetail": h.ErrorDetail,
    "ConnectorFilterProperties": h.ConnectorFilterProperties,
    "Secret": h.Secret,
    "SecretSpec": h.SecretSpec,
    "SecretTextSpec": h.SecretTextSpec,
    "SecretFileSpec": h.SecretFileSpec,
    "AdditionalMetadata": h.AdditionalMetadata,
    "SecretRequestWrapper": h.SecretRequestWrapper,
    "SecretResponse": h.SecretResponse,
    "DelegateTokenDetails": h.DelegateTokenDetails,
    "EmbeddedUser": h.EmbeddedUser,
    "Principal": h.Principal,
    "DelegateFilterPropertiesDto": h.DelegateFilterPropertiesDto,
    "DelegateListResponse": h.DelegateListResponse,
    "DelegateReplica": h.DelegateReplica,
}
AWSCONN_EXTRAS = {
    "Error": {"awsconnCode", "hint", "problems", "awsErrorCode", "requestId"},
    "ErrorDetail": {"detailedMessage", "awsErrorCode", "requestId"},
    "ConnectorValidationResult": {
        "connector", "identity", "region", "durationMs", "notRecorded",
        "ranHereDespiteSelectors", "permissions", "delegateName",
    },
    "DelegateTokenDetails": {"prefix", "description", "revokedAt", "lastUsedAt"},
    "DelegateReplica": {
        "tags", "capabilities", "status", "reason", "initStatus", "initExitCode",
        "initOutput", "runningTasks",
    },
    "ConnectorFilterProperties": {"credentialTypes", "tagKeys"},
    "SecretResponse": {"version", "keyId"},
    "AwsConnector": {"capabilities"},
    "AwsOidcSpec": {"audience"},
    "CrossAccountAccess": {"chain"},
    "ConnectorResponse": {"version"},
}  # fmt: skip
OPTIONAL_HERE = {"connectorType", "type"}  # a spec's own type: see harness_connectors


def _schema_fields(name: str) -> dict[str, bool]:
    """Top-level fields of a .d.ts interface (with those it extends): name -> required."""
    text = (CLIENT / f"{name}.d.ts").read_text(encoding="utf-8")
    found = re.search(r"interface \w+(?: extends (\w+))? \{(.*)\n\}", text, re.DOTALL)
    assert found, name
    base, body = found.groups()
    out = _schema_fields(base) if base else {}
    depth = 0
    for line in body.split("\n"):
        field = re.match(r" {4}(\w+)(\?)?: ", line)
        if field and depth == 0:
            out[field.group(1)] = field.group(2) is None
        depth += line.count("{") - line.count("}")
    return out


@pytest.mark.parametrize("schema", sorted(MODELS))
def test_model_has_harness_fields_required_as_harness_requires(schema: str) -> None:
    model = MODELS[schema]
    harness = _schema_fields(schema)
    ours = {(f.alias or n): f.is_required() for n, f in model.model_fields.items()}
    assert set(ours) - set(harness) == AWSCONN_EXTRAS.get(schema, set())
    assert set(harness) - set(ours) == set()
    differ = {k for k in harness if harness[k] != ours[k]}
    assert differ <= OPTIONAL_HERE and all(not ours[k] for k in differ)


def test_harness_routes_answer_the_envelopes_harness_names() -> None:
    """``ResponseDto[PageResponse[ConnectorResponse]]`` is Harness's
    ``ResponseDtoPageResponseConnectorResponse``, in OpenAPI too."""
    from awsconn.api.paths import ROUTES

    for row in ROUTES:
        if row.harness_hook is not None:
            assert (CLIENT / f"{row.response.__name__}.d.ts").is_file(), row.response.__name__


def test_the_error_code_enum_is_harness_s() -> None:
    text = (CLIENT / "Error.d.ts").read_text(encoding="utf-8")
    enum = re.search(r"code\?: ([^;]*);", text)
    assert enum
    assert tuple(re.findall(r"'([A-Z_0-9]+)'", enum.group(1))) == h.HARNESS_ERROR_CODES
