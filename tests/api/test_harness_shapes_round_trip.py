"""Each Harness wire model parses a realistic Harness document and round-trips it.

"Round-trips": ``to_wire()`` gives back the document (camelCase, no nulls) and parsing
that again gives an equal model. The documents are written as Harness's NG API sends
and takes them (``schemas/*.d.ts`` of its published client).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from awsconn.api import harness_shapes
from awsconn.api.awsconn_shapes import (
    CredentialProcessOutput,
    PermissionCheckRequest,
    PolicyEvaluateRequest,
    PolicyLintRequest,
    TokenCreateRequest,
    TrustPolicyRequest,
)
from awsconn.api.harness_shapes import (
    AwsConnector,
    AwsCredentialSpec,
    AwsFullJitterBackoffStrategy,
    AwsManualConfigSpec,
    AwsOidcSpec,
    ConnectorConfig,
    ConnectorFilterProperties,
    ConnectorRequest,
    ConnectorResponse,
    ConnectorValidationResult,
    DelegateFilterPropertiesDto,
    DelegateListResponse,
    DelegateTokenDetails,
    ErrorDTO,
    FailureDTO,
    PageResponse,
    ResponseDto,
    RestResponse,
    SecretRequestWrapper,
    SecretResponse,
    SecretTextSpec,
)

MANUAL_CONNECTOR: dict[str, Any] = {
    "connector": {
        "name": "Prod AWS",
        "identifier": "prod_aws",
        "description": "deployments to prod",
        "accountIdentifier": "default",
        "orgIdentifier": "eng",
        "projectIdentifier": "payments",
        "tags": {"team": "payments", "env": ""},
        "type": "Aws",
        "spec": {
            "credential": {
                "crossAccountAccess": {
                    "crossAccountRoleArn": "arn:aws:iam::123456789012:role/deployer",
                    "externalId": "ext-7f3a",
                },
                "type": "ManualConfig",
                "spec": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKeyRef": "org.aws_secret"},
                "region": "us-east-1",
            },
            "delegateSelectors": ["primary"],
            "executeOnDelegate": True,
            "proxy": False,
            "ignoreTestConnection": False,
            "awsSdkClientBackOffStrategyOverride": {
                "type": "FullJitterBackoffStrategy",
                "spec": {"baseDelay": 100, "maxBackoffTime": 20000, "retryCount": 3},
            },
        },
    }
}

CONNECTOR_RESPONSE: dict[str, Any] = {
    "connector": MANUAL_CONNECTOR["connector"],
    "createdAt": 1718000000123,
    "lastModifiedAt": 1718000555000,
    "status": {
        "status": "FAILURE",
        "errorSummary": "ASSUME_ROLE_FAILED (AssumeRole failed: AccessDenied)",
        "errors": [
            {
                "reason": "ASSUME_ROLE_FAILED",
                "message": "Check the role's trust policy",
                "code": 450,
                "detailedMessage": "AssumeRole failed: AccessDenied",
                "awsErrorCode": "AccessDenied",
                "requestId": "c0ffee-1",
            }
        ],
        "testedAt": 1718000600000,
        "lastTestedAt": 1718000600000,
        "lastConnectedAt": 1717000000000,
    },
    "activityDetails": {"lastActivityTime": 1718000600000},
    "harnessManaged": False,
    "isFavorite": False,
    "gitDetails": {"valid": True},
    "entityValidityDetails": {"valid": True},
}

HARNESS_ERROR: dict[str, Any] = {
    "status": "ERROR",
    "code": "INVALID_REQUEST",
    "message": "Invalid request: Connector with identifier [prod_aws] already exists",
    "correlationId": "5f2c9d0e-8c55-4a3e-9d7b-0d6c8b1f2a11",
    "detailedMessage": "duplicate key",
    "metadata": {"type": "ConnectorMetadata", "connectorIdentifier": "prod_aws"},
    "responseMessages": [
        {
            "code": "INVALID_REQUEST",
            "level": "ERROR",
            "message": "Connector with identifier [prod_aws] already exists",
            "exception": {"message": "duplicate key", "stackTrace": []},
            "failureTypes": ["APPLICATION_ERROR"],
            "additionalInfo": {"entity": "connector"},
        }
    ],
}

SECRET_REQUEST: dict[str, Any] = {
    "secret": {
        "type": "SecretText",
        "name": "aws secret key",
        "identifier": "aws_secret",
        "orgIdentifier": "eng",
        "tags": {"owner": "platform"},
        "description": "prod deployer's key",
        "spec": {
            "secretManagerIdentifier": "harnessSecretManager",
            "valueType": "Inline",
            "value": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        },
    }
}

DOCUMENTS: list[tuple[str, Any, dict[str, Any]]] = [
    ("connector request (ManualConfig, role, backoff)", ConnectorRequest, MANUAL_CONNECTOR),
    (
        "connector request (Irsa)",
        ConnectorRequest,
        {
            "connector": {
                "name": "eks",
                "identifier": "eks",
                "type": "Aws",
                "spec": {
                    "credential": {"type": "Irsa", "region": "us-gov-west-1"},
                    "delegateSelectors": ["eks-delegate"],
                    "executeOnDelegate": True,
                    "capabilities": ["ecr-pull", "s3-read"],
                },
            }
        },
    ),
    (
        "connector request (OidcAuthentication)",
        ConnectorRequest,
        {
            "connector": {
                "name": "oidc",
                "identifier": "oidc",
                "type": "Aws",
                "spec": {
                    "credential": {
                        "type": "OidcAuthentication",
                        "spec": {"iamRoleArn": "arn:aws:iam::123456789012:role/oidc"},
                    },
                    "executeOnDelegate": False,
                },
            }
        },
    ),
    (
        "connector request (another type, kept as it came)",
        ConnectorRequest,
        {
            "connector": {
                "name": "gh",
                "identifier": "gh",
                "type": "Github",
                "spec": {"url": "https://github.com/acme", "type": "Account", "apiAccess": {}},
            }
        },
    ),
    ("ResponseDto[ConnectorResponse]", ResponseDto[ConnectorResponse], {
        "status": "SUCCESS", "data": CONNECTOR_RESPONSE, "metaData": {}, "correlationId": "c-1"
    }),
    ("ResponseDto[PageResponse[ConnectorResponse]]", ResponseDto[PageResponse[ConnectorResponse]], {
        "status": "SUCCESS",
        "data": {
            "content": [CONNECTOR_RESPONSE], "pageIndex": 0, "pageSize": 100, "totalItems": 1,
            "totalPages": 1, "pageItemCount": 1, "empty": False,
        },
        "correlationId": "c-2",
    }),
    ("ResponseDto[ConnectorValidationResult]", ResponseDto[ConnectorValidationResult], {
        "status": "SUCCESS",
        "data": {
            "status": "SUCCESS", "testedAt": 1718000600000, "delegateId": "local",
            "taskId": "t-1", "connector": "eng/payments/prod_aws",
            "identity": {
                "account": "123456789012", "arn": "arn:aws:sts::123456789012:assumed-role/d/s",
                "partition": "aws", "credentialMethod": "assume-role",
            },
            "region": "us-east-1", "durationMs": 412,
        },
        "correlationId": "c-3",
    }),
    ("ConnectorFilterProperties", ConnectorFilterProperties, {
        "filterType": "Connector", "types": ["Aws"], "connectivityStatuses": ["FAILURE"],
        "tags": {"team": "payments"}, "inheritingCredentialsFromDelegate": True,
        "categories": ["CLOUD_PROVIDER"], "connectorNames": ["Prod AWS"],
        "connectorIdentifiers": ["prod_aws"], "connectorConnectivityModes": ["DELEGATE"],
        "credentialTypes": ["Irsa", "InheritFromDelegate"],
    }),
    ("ResponseDto[bool] (delete)", ResponseDto[bool], {"status": "SUCCESS", "data": True}),
    ("Error", ErrorDTO, HARNESS_ERROR),
    ("Failure", FailureDTO, {
        "status": "FAILURE", "code": "INVALID_REQUEST", "message": "bad body",
        "correlationId": "c-4", "errors": [{"fieldId": "connector.name", "error": "required"}],
    }),
    ("SecretRequestWrapper", SecretRequestWrapper, SECRET_REQUEST),
    ("ResponseDto[SecretResponse]", ResponseDto[SecretResponse], {
        "status": "SUCCESS",
        "data": {
            "secret": {
                **SECRET_REQUEST["secret"],
                "spec": {"secretManagerIdentifier": "harnessSecretManager", "valueType": "Inline"},
            },
            "createdAt": 1718000000000, "updatedAt": 1718000000001, "draft": False,
        },
    }),
    ("ResponseDto[PageResponse[SecretResponse]] (a SecretFile)",
     ResponseDto[PageResponse[SecretResponse]], {
        "status": "SUCCESS",
        "data": {"content": [{"secret": {
            "type": "SecretFile", "name": "kubeconfig", "identifier": "kubeconfig",
            "spec": {"secretManagerIdentifier": "harnessSecretManager"},
        }}], "pageIndex": 0, "pageSize": 50, "totalItems": 1, "totalPages": 1},
    }),
    ("RestResponse[DelegateTokenDetails]", RestResponse[DelegateTokenDetails], {
        "metaData": {},
        "resource": {
            "uuid": "tok-1", "accountId": "default", "name": "ci", "status": "ACTIVE",
            "createdAt": 1718000000000, "revokeAfter": 1749536000000,
            "createdByNgUser": {"type": "USER", "name": "admin@example.com",
                                "jwtclaims": {"email": "admin@example.com"}},
            "createdBy": {"uuid": "u-1", "name": "admin", "email": "admin@example.com"},
            "ownerIdentifier": "eng", "value": "ZGVsZWdhdGUtdG9rZW4=",
        },
        "responseMessages": [],
    }),
    ("RestResponse[list[DelegateListResponse]]", RestResponse[list[DelegateListResponse]], {
        "resource": [{
            "type": "HELM_DELEGATE", "name": "eks-delegate", "description": "prod cluster",
            "tags": ["eks-delegate"], "lastHeartBeat": 1718000600000, "connected": True,
            "autoUpgrade": "ON", "legacy": False, "orgName": "eng", "projectName": "payments",
            "delegateReplicas": [{
                "uuid": "r-1", "lastHeartbeat": 1718000600000, "hostName": "pod-0",
                "version": "24.06.83204", "expiringAt": 1720000000000, "connected": True,
            }],
        }],
    }),
    ("DelegateFilterPropertiesDto", DelegateFilterPropertiesDto, {
        "filterType": "Delegate", "status": "CONNECTED", "delegateTags": ["eks-delegate"],
        "delegateName": "eks", "delegateInstanceFilter": "AVAILABLE", "tags": {"a": "b"},
    }),
    ("PermissionCheckRequest", PermissionCheckRequest, {
        "capabilities": ["s3-read"], "parameters": {"bucket": "artifacts", "region": "us-east-1"},
        "policies": [{"name": "new.json", "document": {"Version": "2012-10-17", "Statement": []}}],
        "useSimulator": False,
    }),
    ("PolicyEvaluateRequest", PolicyEvaluateRequest, {
        "action": "s3:GetObject", "resource": "arn:aws:s3:::artifacts/a",
        "policies": [{"document": {"Version": "2012-10-17", "Statement": []}}],
        "context": {"aws:SourceIp": "10.0.0.1", "aws:PrincipalTag/team": ["a", "b"]},
        "unknownKeys": ["aws:SourceVpce"],
    }),
    ("PolicyLintRequest", PolicyLintRequest, {
        "kind": "trust", "policies": [{"document": {"Version": "2012-10-17", "Statement": []}}],
    }),
    ("TrustPolicyRequest", TrustPolicyRequest, {
        "trustedPrincipal": "arn:aws:iam::111122223333:root", "externalId": "generate",
    }),
    ("TokenCreateRequest", TokenCreateRequest, {
        "name": "ci", "role": "editor", "access": True, "expiresAt": 1749536000000,
    }),
]  # fmt: skip


@pytest.mark.parametrize(("what", "model", "document"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_model_parses_the_document_and_round_trips(
    what: str, model: type[BaseModel], document: dict[str, Any]
) -> None:
    original = copy.deepcopy(document)
    parsed = model.model_validate(document)
    wire = parsed.to_wire()  # type: ignore[attr-defined]
    assert wire == original, what
    assert model.model_validate(wire) == parsed
    assert document == original  # parsing never changes its input


def test_the_spec_takes_the_shape_its_type_names() -> None:
    request = ConnectorRequest.model_validate(MANUAL_CONNECTOR)
    assert request.connector is not None
    spec = request.connector.spec
    assert isinstance(spec, AwsConnector)
    assert spec.credential is not None
    assert isinstance(spec.credential.spec, AwsManualConfigSpec)
    assert spec.credential.spec.secret_key_ref == "org.aws_secret"
    backoff = spec.aws_sdk_client_back_off_strategy_override
    assert backoff is not None and isinstance(backoff.spec, AwsFullJitterBackoffStrategy)
    assert backoff.spec.max_backoff_time == 20000

    oidc = ConnectorRequest.model_validate(DOCUMENTS[2][2]).connector
    assert oidc is not None and isinstance(oidc.spec, AwsConnector)
    assert oidc.spec.credential is not None and isinstance(oidc.spec.credential.spec, AwsOidcSpec)
    github = ConnectorRequest.model_validate(DOCUMENTS[3][2]).connector
    assert github is not None and type(github.spec) is ConnectorConfig


def test_a_wrong_field_is_refused_at_its_path() -> None:
    doc = copy.deepcopy(MANUAL_CONNECTOR)
    doc["connector"]["spec"]["credential"]["crossAccountAccess"]["crossAccountRoleArn"] = 7
    doc["connector"]["spec"]["executOnDelegate"] = True  # a typo: Harness has no such field
    del doc["connector"]["name"]
    with pytest.raises(ValidationError) as caught:
        ConnectorRequest.model_validate(doc)
    where = {e["loc"]: e["type"] for e in caught.value.errors()}
    assert where == {
        ("connector", "name"): "missing",
        ("connector", "spec", "credential", "crossAccountAccess", "crossAccountRoleArn"): (
            "string_type"
        ),
        ("connector", "spec", "executOnDelegate"): "extra_forbidden",
    }


def test_enums_and_int_formats_are_checked() -> None:
    doc = copy.deepcopy(MANUAL_CONNECTOR)
    doc["connector"]["spec"]["credential"]["type"] = "Keys"
    with pytest.raises(ValidationError) as caught:
        ConnectorRequest.model_validate(doc)
    assert [e["loc"] for e in caught.value.errors()] == [
        ("connector", "spec", "credential", "type")
    ]
    doc["connector"]["type"] = "Ftp"  # the spec's shape is unknown then: only the type is wrong
    with pytest.raises(ValidationError) as caught:
        ConnectorRequest.model_validate(doc)
    assert [e["loc"] for e in caught.value.errors()] == [("connector", "type")]
    with pytest.raises(ValidationError):  # Harness's ErrorCode enum
        ErrorDTO.model_validate({"code": "NOT_A_HARNESS_CODE"})
    result = {"errors": [{"code": 2**31, "reason": "X"}]}  # int32, as its @format says
    with pytest.raises(ValidationError):
        ConnectorValidationResult.model_validate(result)


def test_an_open_shape_keeps_unknown_keys() -> None:
    """Harness types credential specs with an index signature: any key goes."""
    spec = AwsCredentialSpec.model_validate({"futureField": {"a": 1}})
    assert spec.to_wire() == {"futureField": {"a": 1}}


def test_a_secret_response_never_holds_the_value() -> None:
    request = SecretRequestWrapper.model_validate(SECRET_REQUEST)
    assert isinstance(request.secret.spec, SecretTextSpec)
    value = SECRET_REQUEST["secret"]["spec"]["value"]
    assert request.secret.spec.value == value
    assert value not in repr(request)  # the value is write-only, not for logs

    response = SecretResponse(secret=request.secret, created_at=1)
    assert value not in response.model_dump_json()
    assert "value" not in response.to_wire()["secret"]["spec"]
    assert request.secret.spec.value == value  # the request itself is untouched
    parsed = SecretResponse.model_validate({"secret": SECRET_REQUEST["secret"]})
    assert value not in parsed.model_dump_json()


def test_delegate_token_value_is_hidden_from_repr() -> None:
    token = DelegateTokenDetails(name="ci", value="c2VjcmV0LXRva2Vu")
    assert "c2VjcmV0LXRva2Vu" not in repr(token)
    creds = CredentialProcessOutput.model_validate(
        {
            "Version": 1,
            "AccessKeyId": "ASIAEXAMPLE",
            "SecretAccessKey": "s3cr3t",
            "SessionToken": "tok",
        }
    )
    assert "s3cr3t" not in repr(creds) and "'tok'" not in repr(creds)
    assert creds.model_dump(by_alias=True, exclude_none=True) == {
        "Version": 1,
        "AccessKeyId": "ASIAEXAMPLE",
        "SecretAccessKey": "s3cr3t",
        "SessionToken": "tok",
    }


def test_snake_case_keywords_build_what_harness_sends() -> None:
    page = PageResponse[int].of([1, 2], page_index=1, page_size=2, total_items=5)
    assert ResponseDto[PageResponse[int]](data=page, correlation_id="c").to_wire() == {
        "status": "SUCCESS",
        "correlationId": "c",
        "data": {
            "content": [1, 2],
            "empty": False,
            "pageIndex": 1,
            "pageItemCount": 2,
            "pageSize": 2,
            "totalItems": 5,
            "totalPages": 3,
        },
    }
    empty = PageResponse[int].of([], page_index=0, page_size=50, total_items=0)
    assert (empty.empty, empty.total_pages) == (True, 0)


def test_envelopes_are_named_as_harness_names_them() -> None:
    assert ResponseDto[PageResponse[ConnectorResponse]].__name__ == (
        "ResponseDtoPageResponseConnectorResponse"
    )
    assert RestResponse[list[DelegateTokenDetails]].__name__ == (
        "RestResponseListDelegateTokenDetails"
    )
    assert ResponseDto[bool].__name__ == "ResponseDtoBoolean"
    assert ResponseDto[dict[str, Any]].__name__ == "ResponseDtoMapStringObject"


def test_the_shapes_module_lists_every_public_name_of_its_modules() -> None:
    from awsconn.api import (
        harness_base,
        harness_connectors,
        harness_delegates,
        harness_envelopes,
        harness_error_codes,
        harness_secrets,
    )

    modules = (
        harness_base,
        harness_connectors,
        harness_delegates,
        harness_envelopes,
        harness_error_codes,
        harness_secrets,
    )
    expected = {name for module in modules for name in module.__all__}
    assert set(harness_shapes.__all__) == expected
    for name in expected:
        assert getattr(harness_shapes, name) is not None
