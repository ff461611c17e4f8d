"""schemathesis over the running server's /openapi.json: for every operation, generated
requests (valid and not) never get a 5xx, and every answer matches the documented schema
of its status. Bounded: a few examples per operation and mode (the API tests' budget)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api_fixtures import ApiServer
from awsconn.api.app import FRAMEWORK_ROUTES
from awsconn.api.paths import ROUTES

EXAMPLES = 10
SERVED = [r for r in ROUTES if r.planned is None and r.operation not in FRAMEWORK_ROUTES]
# Negative cases need something to break: a parameter or a body (any text is a name a
# documentation asset may have: that one has none).
CASES = [(r.operation, GenerationMode.POSITIVE) for r in SERVED] + [
    (r.operation, GenerationMode.NEGATIVE)
    for r in SERVED
    if (r.query_parameters or r.path_parameters or (r.request_media_types and r.request))
    and r.operation != "docsAsset"
]


@pytest.fixture(scope="module")
def api_schema(api_server: ApiServer) -> Any:
    return schemathesis.openapi.from_url(f"{api_server.url}/openapi.json")


@pytest.mark.parametrize(("operation_id", "mode"), CASES)
def test_no_server_error_and_every_answer_matches_its_schema(
    api_schema: Any, api_server: ApiServer, operation_id: str, mode: GenerationMode
) -> None:
    operation = api_schema.find_operation_by_id(operation_id)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        case.call_and_validate(
            headers={"x-api-key": api_server.token},
            checks=[not_a_server_error, response_schema_conformance],
        )

    run()
