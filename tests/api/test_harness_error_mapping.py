"""Every awsconn error code has a Harness status and code; error bodies are bounded and clean.

The codes are read from ``awsconn.errors`` (every error class) and from the AWS taxonomy
(``aws.diagnosis.CODES`` and ``OTHER_CODES``): a code added there without a row in
``ERROR_MAP`` fails here.
"""

from __future__ import annotations

import json
import traceback
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from awsconn import errors
from awsconn.api.harness_error_codes import HARNESS_ERROR_CODES
from awsconn.api.harness_errors import (
    ERROR_DETAIL_CODE,
    ERROR_MAP,
    MAX_MESSAGE_CHARS,
    connectivity_details,
    connectivity_status,
    error_body,
    error_detail,
    problems_of_validation_errors,
    unexpected_error_body,
    validation_result,
)
from awsconn.api.harness_shapes import ErrorDTO, SecretRequestWrapper
from awsconn.aws.diagnosis import CODES, OTHER_CODES
from awsconn.errors import AwsCallFailed, AwsconnError, AwsFailure, Problem, ValidationFailed
from awsconn.model.results import ConnectionTestOutcome, Failure, Identity


def _error_classes() -> list[type[AwsconnError]]:
    """The errors awsconn raises (not the client's ServerError: a newer server's code as
    sent, whose class exists only when the client was imported first)."""
    found: list[type[AwsconnError]] = []
    todo = list(AwsconnError.__subclasses__())
    while todo:
        cls = todo.pop()
        if not cls.__module__.startswith("awsconn.client."):
            found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


OWN_CODES = sorted({cls.code for cls in _error_classes() if cls.code != AwsconnError.code})
AWS_CODES = sorted({*CODES, *OTHER_CODES})


def test_the_codes_are_read_from_their_sources() -> None:
    assert {"INVALID_INPUT", "VALIDATION_FAILED", "MASTER_KEY_MISMATCH"} <= set(OWN_CODES)
    assert {"ASSUME_ROLE_FAILED", "AWS_ERROR"} <= set(AWS_CODES)


@pytest.mark.parametrize("code", OWN_CODES + AWS_CODES)
def test_every_awsconn_code_has_a_harness_status_and_code(code: str) -> None:
    row = ERROR_MAP[code]
    assert row.code in HARNESS_ERROR_CODES
    assert row.http_status in {400, 401, 403, 404, 409, 422, 500, 502, 503, 504}


def test_the_map_holds_no_code_awsconn_does_not_raise() -> None:
    assert set(ERROR_MAP) == set(OWN_CODES) | set(AWS_CODES)


# An AwsCallFailed carries a taxonomy code, mapped per code above.
@pytest.mark.parametrize(
    "cls",
    [c for c in _error_classes() if not issubclass(c, AwsCallFailed)],
    ids=lambda c: c.__name__,
)
def test_own_codes_keep_the_status_errors_py_declares(cls: type[AwsconnError]) -> None:
    assert ERROR_MAP[cls.code].http_status == cls.http_status


def _raised(err: AwsconnError) -> AwsconnError:
    """The error as a handler meets it: raised, with a traceback attached."""
    try:
        raise err
    except AwsconnError as caught:
        assert caught.__traceback__ is not None
        return caught


def _every_error() -> list[AwsconnError]:
    failure = AwsFailure(
        "ASSUME_ROLE_FAILED", "AssumeRole failed", "trust it", "AccessDenied", "r1"
    )
    return [
        errors.InvalidInput("bad", hint="fix it"),
        ValidationFailed([Problem("connector.name", "is required")], what="connector"),
        errors.NotFound("connector eng/x not found"),
        errors.Unauthenticated("no token"),
        errors.Forbidden("viewer may not connector:edit in org eng"),
        errors.Conflict("connector eng/x exists"),
        errors.ConcurrentWrite("raced"),
        errors.DelegateUnavailable("no delegate has tags gov"),
        AwsCallFailed(failure),
        errors.StoreUnavailable("locked"),
        errors.StoreCorrupt("a text ciphertext"),
        errors.MasterKeyMissing("no key"),
        errors.MasterKeyMismatch("wrong key"),
        errors.InternalError("a bug"),
    ]


@pytest.mark.parametrize("err", _every_error(), ids=lambda e: type(e).__name__)
def test_the_error_body_is_harness_error_shaped_with_awsconn_extras(err: AwsconnError) -> None:
    status, body = error_body(_raised(err), correlation_id="corr-1")
    wire = body.to_wire()
    assert status == ERROR_MAP[err.code].http_status
    assert ErrorDTO.model_validate(wire) == body  # it parses as Harness's Error
    assert wire["status"] == "ERROR"
    assert wire["code"] == ERROR_MAP[err.code].code
    assert wire["correlationId"] == "corr-1"
    assert wire["awsconnCode"] == err.code
    assert wire["responseMessages"][0] == {
        "code": wire["code"],
        "level": "ERROR",
        "message": wire["message"],
    }
    text = json.dumps(wire)
    assert "Traceback" not in text and "exception" not in text and ".py" not in text


def test_an_aws_failure_keeps_its_hint_and_aws_ids() -> None:
    failure = AwsFailure(
        "ASSUME_ROLE_FAILED", "AssumeRole failed", "trust it", "AccessDenied", "r1"
    )
    status, body = error_body(AwsCallFailed(failure), correlation_id="c")
    assert status == 422
    assert (body.code, body.hint, body.aws_error_code, body.request_id) == (
        "AWS_STS_ERROR",
        "trust it",
        "AccessDenied",
        "r1",
    )


def test_field_problems_come_with_their_paths() -> None:
    problems = [
        Problem(
            "connector.spec.credential.region", "is not a known AWS region", "mars-1", "a region"
        ),
        Problem("connector.identifier", "is required"),
    ]
    status, body = error_body(ValidationFailed(problems, what="connector"), correlation_id="c")
    wire = body.to_wire()
    assert status == 400
    assert wire["message"].startswith(
        "connector is not valid (2 problems): connector.spec.credential.region: is not a known"
    )
    assert wire["message"].endswith("(and 1 more, listed in problems)")
    assert wire["problems"] == [
        {
            "path": "connector.spec.credential.region",
            "message": "is not a known AWS region",
            "given": "mars-1",
            "allowed": "a region",
        },
        {"path": "connector.identifier", "message": "is required"},
    ]
    assert [m.get("additionalInfo") for m in wire["responseMessages"][1:]] == [
        {"path": "connector.spec.credential.region", "allowed": "a region"},
        {"path": "connector.identifier"},
    ]


def test_the_body_is_bounded_whatever_the_error_says() -> None:
    huge = "x" * 1_000_000
    problems = [Problem(f"tags.k{i}", huge, given=huge) for i in range(500)]
    _, body = error_body(ValidationFailed(problems), correlation_id="c")
    assert len(body.model_dump_json()) < 300_000
    assert body.problems is not None and len(body.problems) == errors.MAX_REPORTED_PROBLEMS
    _, body = error_body(errors.InvalidInput(huge, hint=huge + "\x1b[2J"), correlation_id="c")
    assert body.message is not None and len(body.message) <= MAX_MESSAGE_CHARS + 40
    assert body.hint is not None and "\x1b" not in body.hint


def test_an_unexpected_exception_becomes_a_500_without_its_details() -> None:
    try:
        raise KeyError("/srv/awsconn/secret-path.py line 12")
    except KeyError:
        details = traceback.format_exc()
        status, body = unexpected_error_body(correlation_id="corr-9")
    text = body.model_dump_json()
    assert status == 500 and body.code == "INTERNAL_SERVER_ERROR"
    assert "corr-9" in text and "secret-path" not in text and details not in text


def test_pydantic_errors_become_problems_that_never_echo_a_secret() -> None:
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    body = {"secret": {"type": "SecretText", "identifier": "k", "spec": {"value": secret}}}
    with pytest.raises(ValidationError) as caught:
        SecretRequestWrapper.model_validate(body)  # name missing: its input is the document
    body["secret"]["name"] = "k"
    body["secret"]["spec"]["value"] = 4321  # not text: the error's input is the value
    with pytest.raises(ValidationError) as caught_value:
        SecretRequestWrapper.model_validate(body)
    found = problems_of_validation_errors(
        [*caught.value.errors(), *caught_value.value.errors(), *[
            {"loc": ("query", "pageSize"), "msg": "Input should be a valid integer",
             "input": "ten", "type": "int_parsing"},
        ]]
    )  # fmt: skip
    assert [(p.path, p.given) for p in found] == [
        ("secret.name", None),
        ("secret.spec.value", None),
        ("pageSize", "ten"),
    ]
    assert secret not in repr(found) and "4321" not in repr(found)


@pytest.mark.parametrize(
    ("status", "harness"),
    [
        ("SUCCESS", "SUCCESS"),
        ("FAILURE", "FAILURE"),
        ("SKIPPED", "FAILURE"),
        ("NOT_TESTED", "UNKNOWN"),
        ("PENDING", "PENDING"),
        (None, "UNKNOWN"),
    ],
)
def test_connectivity_statuses(status: str | None, harness: str) -> None:
    assert connectivity_status(status) == harness


def test_an_error_detail_says_the_code_in_reason_and_the_hint_in_message() -> None:
    detail = error_detail(AwsFailure("THROTTLED", "Rate exceeded", "retry later", "Throttling"))
    assert detail.to_wire() == {
        "code": ERROR_DETAIL_CODE,
        "reason": "THROTTLED",
        "message": "retry later",
        "detailedMessage": "Rate exceeded",
        "awsErrorCode": "Throttling",
    }
    assert error_detail(AwsFailure("AWS_ERROR", "odd")).message == "odd"  # no hint: what failed


def test_a_connection_test_in_harness_shapes() -> None:
    tested_at = datetime(2024, 6, 10, 6, 13, 20, 5000, tzinfo=UTC)
    failure = AwsFailure("DESCRIBE_REGIONS_DENIED", "ec2:DescribeRegions denied", "attach it")
    outcome = ConnectionTestOutcome(
        connector="eng/prod",
        status="FAILURE",
        identity=Identity(
            account="123456789012",
            arn="arn:aws:iam::123456789012:user/u",
            partition="aws",
            credential_method="env",
        ),
        region="us-east-1",
        tested_at=tested_at,
        duration_ms=312,
        errors=[Failure.of(failure)],
        not_recorded="the store was locked",
        ran_here_despite_selectors=["gov"],
    )
    wire = validation_result(outcome).to_wire()
    assert wire == {
        "status": "FAILURE",
        "testedAt": 1718000000005,
        "errorSummary": "DESCRIBE_REGIONS_DENIED (ec2:DescribeRegions denied)",
        "errors": [error_detail(failure).to_wire()],
        "connector": "eng/prod",
        "identity": {
            "account": "123456789012",
            "arn": "arn:aws:iam::123456789012:user/u",
            "partition": "aws",
            "credentialMethod": "env",
        },
        "region": "us-east-1",
        "durationMs": 312,
        "notRecorded": "the store was locked",
        "ranHereDespiteSelectors": ["gov"],
    }
    skipped = ConnectionTestOutcome(
        connector="eng/prod",
        status="SKIPPED",
        errors=[Failure(code="DELEGATE_UNAVAILABLE", message="no delegate has tags gov")],
    )
    wire = validation_result(skipped).to_wire()
    assert wire["status"] == "FAILURE"
    assert wire["errors"][0]["reason"] == "DELEGATE_UNAVAILABLE"
    not_tested = ConnectionTestOutcome(
        connector="eng/prod", status="NOT_TESTED", reason="ignoreTestConnection"
    )
    assert validation_result(not_tested).to_wire()["status"] == "UNKNOWN"


def test_a_stored_connectors_status() -> None:
    at = datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)
    details = connectivity_details("SUCCESS", tested_at=at, succeeded_at=at).to_wire()
    assert details == {
        "status": "SUCCESS",
        "testedAt": 1718000000000,
        "lastTestedAt": 1718000000000,
        "lastConnectedAt": 1718000000000,
    }
    never = connectivity_details(None, tested_at=None, succeeded_at=None).to_wire()
    assert never == {"status": "UNKNOWN"}
