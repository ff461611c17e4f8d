"""Every awsconn error a server answers with comes back as the same error: the server's own
serializer (``api.harness_errors.error_body``) makes the body, the client reads it."""

from __future__ import annotations

import json

import pytest

from awsconn.api.harness_errors import ERROR_MAP, error_body
from awsconn.client.error_bodies import ServerError, error_of_body, error_of_status
from awsconn.errors import (
    AwsCallFailed,
    AwsconnError,
    AwsFailure,
    Conflict,
    DelegateUnavailable,
    Forbidden,
    InternalError,
    InvalidInput,
    MasterKeyMismatch,
    MasterKeyMissing,
    NotFound,
    Problem,
    StoreCorrupt,
    StoreUnavailable,
    TaskExpired,
    Unauthenticated,
    ValidationFailed,
)

OWN = [
    InvalidInput("limit is out of range", hint="give 1 to 1000"),
    NotFound("connector eng/x not found in org eng", hint="'awsconn connector list' shows them"),
    Unauthenticated("no valid API token was presented", hint="present a current token"),
    Forbidden("ci may not edit connectors in org eng"),
    Conflict("connector x already exists", hint="use 'awsconn connector apply' to update it"),
    DelegateUnavailable("no delegate has the selectors a, b", hint="start one with those tags"),
    StoreUnavailable("the database is locked"),
    StoreCorrupt("a stored value has a shape awsconn never writes"),
    MasterKeyMissing("secrets are stored but no master key is configured"),
    MasterKeyMismatch("the loaded master keys do not open secret x"),
    InternalError("something that should not happen"),
    TaskExpired("task 0f has not ended by its deadline", hint="check the delegates"),
]
AWS_CODES = sorted(c for c in ERROR_MAP if c not in {e.code for e in OWN} | {"VALIDATION_FAILED"})


def _over_the_wire(err: AwsconnError) -> AwsconnError:
    status, body = error_body(err, correlation_id="c0ffee")
    return error_of_body(status, json.loads(json.dumps(body.to_wire())))


def _same(back: AwsconnError, err: AwsconnError) -> None:
    assert type(back) is type(err)
    assert (back.code, back.message, back.hint) == (err.code, err.message, err.hint)
    assert back.exit_code == err.exit_code
    assert back.to_dict() == err.to_dict()


@pytest.mark.parametrize("err", OWN, ids=lambda e: e.code)
def test_awsconn_own_errors_come_back_as_their_class(err: AwsconnError) -> None:
    _same(_over_the_wire(err), err)


@pytest.mark.parametrize("code", AWS_CODES)
def test_an_aws_failure_comes_back_with_its_code_hint_and_aws_ids(code: str) -> None:
    err = AwsCallFailed(
        AwsFailure(
            code=code,
            message=f"{code}: the call failed",
            hint="change the role's trust policy",
            aws_error_code="AccessDenied",
            request_id="4c1f-99",
        )
    )
    _same(_over_the_wire(err), err)


def test_a_validation_failure_comes_back_with_every_problem_and_the_services_message() -> None:
    err = ValidationFailed(
        [
            Problem("spec.credential.region", "is not a known AWS region", "us-nowhere-1", "aws"),
            Problem("identifier", "is required"),
        ],
        what="connector input",
    )
    back = _over_the_wire(err)
    _same(back, err)
    assert isinstance(back, ValidationFailed) and back.problems == err.problems


def test_a_validation_failure_of_more_than_a_hundred_problems_keeps_its_count() -> None:
    err = ValidationFailed([Problem(f"tags.k{i}", "is too long") for i in range(150)], what="x")
    back = _over_the_wire(err)
    assert isinstance(back, ValidationFailed)
    assert back.message.startswith("x is not valid (150 problems):")
    assert back.problems == err.problems


def test_a_code_this_client_does_not_know_keeps_its_code_and_exits_by_status() -> None:
    body = {"code": "DUPLICATE_FIELD", "awsconnCode": "NEW_CODE", "hint": "do it so",
            "message": "a newer server's refusal"}  # fmt: skip
    back = error_of_body(409, body)
    assert isinstance(back, ServerError)
    assert (back.code, back.message, back.hint, back.exit_code) == (
        "NEW_CODE", "a newer server's refusal", "do it so", 2
    )  # fmt: skip


def test_a_harness_body_without_awsconn_fields_maps_by_status() -> None:
    back = error_of_body(404, {"status": "ERROR", "code": "RESOURCE_NOT_FOUND", "message": "gone"})
    assert isinstance(back, NotFound) and back.message == "gone"


def test_an_answer_that_is_no_awsconn_body_says_what_the_url_is() -> None:
    wrong = error_of_status(404, "http://h:1", "/ng/api/connectors")
    assert isinstance(wrong, InvalidInput) and "not as an awsconn server does" in wrong.message
    down = error_of_status(502, "http://h:1", "/ng/api/connectors")
    assert isinstance(down, StoreUnavailable) and down.exit_code == 1
