"""Every result model serialises both ways: the wire form validates back to an equal model.

Models are generated from their own field types (so a model added later is covered as
it is), through real JSON text, as a client on the other side of the API would read it.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, JsonValue

from awsconn.model import results
from awsconn.model.results import (
    AppliedConnector,
    ConnectionTestOutcome,
    ConnectorSummary,
    Failure,
    FieldChange,
    HistoryEntry,
    Identity,
    PermissionCheckFailed,
    RegionList,
    Task,
    WireModel,
)

MODELS = sorted(
    (
        cls
        for _, cls in inspect.getmembers(results, inspect.isclass)
        if issubclass(cls, WireModel) and cls is not WireModel
    ),
    key=lambda cls: cls.__name__,
)
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
TIMES = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=ZONES
)
TEXT = st.text(max_size=12)
JSON_VALUES: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def strategy_for(annotation: Any) -> st.SearchStrategy[Any]:
    """Values of a field's type, read from the type itself."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if annotation is JsonValue:
        return JSON_VALUES
    if annotation is str:
        return TEXT
    if annotation is bool:
        return st.booleans()
    if annotation is int:
        return st.integers(0, 2**31)
    if annotation is type(None):
        return st.none()
    if annotation in (AwareDatetime, datetime):
        return TIMES
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin is typing.Annotated:
        if args[0] in (AwareDatetime, datetime):
            return TIMES
        return strategy_for(args[0])
    if origin in (typing.Union, types.UnionType):
        return st.one_of([strategy_for(a) for a in args])
    if origin is list:
        return st.lists(strategy_for(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(TEXT, strategy_for(args[1]), max_size=3)
    if inspect.isclass(annotation) and issubclass(annotation, WireModel):
        return models(annotation)
    raise AssertionError(f"no strategy for {annotation!r}: add one")


def models(cls: type[WireModel]) -> st.SearchStrategy[Any]:
    if cls is Task:
        return tasks()
    fields = {name: strategy_for(f.annotation) for name, f in cls.model_fields.items()}
    return st.fixed_dictionaries(fields).map(lambda values: cls(**values))


@st.composite
def tasks(draw: st.DrawFn) -> Task:
    """Tasks whose fields fit their state (the model refuses the others)."""
    kind = draw(st.sampled_from(typing.get_args(results.TaskKind)))
    state = draw(st.sampled_from(typing.get_args(results.TaskState)))
    result_model = {
        "connection-test": results.ConnectionTestOutcome,
        "regions": results.RegionList,
        "permission-check": results.PermissionReport,
        "credentials": results.AwsCredentials,
    }[kind]
    ended = state in ("succeeded", "failed", "expired", "cancelled")
    started = (state != "queued" and draw(st.booleans())) or state == "running"
    return Task(
        id=draw(TEXT),
        kind=kind,
        connector=draw(TEXT),
        state=state,
        created_at=draw(TIMES),
        deadline=draw(TIMES),
        started_at=draw(TIMES) if started else None,
        finished_at=draw(TIMES) if ended else None,
        owner=draw(TEXT) if started else None,
        attempt=draw(st.integers(0, 5)),
        result=draw(models(result_model)) if state == "succeeded" else None,
        error=draw(models(Failure)) if state in ("failed", "expired") else None,
    )


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_wire_form_validates_back_to_an_equal_model(
    cls: type[WireModel], data: st.DataObject
) -> None:
    model = data.draw(models(cls))
    wire = model.wire()
    text = json.dumps(wire)  # plain JSON: what crosses the network
    assert json.loads(text) == wire
    again = cls.model_validate_json(text)
    assert again == model
    assert again.wire() == wire


def test_every_model_has_a_json_schema_for_the_api() -> None:
    for cls in MODELS:
        schema = cls.model_json_schema(by_alias=True, mode="serialization")
        assert schema["type"] == "object", cls.__name__


def test_names_are_camel_case_and_timestamps_utc_with_z() -> None:
    summary = ConnectorSummary(
        ref="eng/web/c",
        identifier="c",
        name="c",
        scope="project",
        org="eng",
        project="web",
        type="ManualConfig",
        region="us-east-1",
        cross_account_role_arn=None,
        tags={},
        delegate_selectors=[],
        proxy=False,
        ignore_test_connection=False,
        version=1,
        last_status="SUCCESS",
        last_tested_at=datetime(2025, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
        last_success_at=None,
    )
    wire = summary.wire()
    assert wire["crossAccountRoleArn"] is None and wire["ignoreTestConnection"] is False
    assert wire["lastTestedAt"] == "2025-01-02T03:04:05Z"
    assert ConnectorSummary.model_validate(wire) == summary


def test_shapes_that_exist_only_sometimes_keep_their_keys() -> None:
    skipped = ConnectionTestOutcome(
        connector="c", status="SKIPPED", errors=[Failure(code="DELEGATE_UNAVAILABLE", message="m")]
    )
    assert set(skipped.wire()) == {"connector", "status", "errors"}
    not_tested = ConnectionTestOutcome(
        connector="c", status="NOT_TESTED", reason="ignoreTestConnection", message="m"
    )
    assert set(not_tested.wire()) == {"connector", "status", "reason", "message"}
    history = HistoryEntry(
        connector="c",
        status="SUCCESS",
        identity=Identity(),
        region="us-east-1",
        tested_at=datetime(2025, 1, 1, tzinfo=UTC),
        duration_ms=5,
    )
    tested = ConnectionTestOutcome(**dict(history), permissions=None)
    assert set(tested.wire()) == set(history.wire())
    dry = AppliedConnector(ref="c", action="updated", dry_run=True, changes=[FieldChange(path="a")])
    assert dry.wire() == {
        "ref": "c",
        "action": "updated",
        "dryRun": True,
        "changes": [{"path": "a"}],
    }
    failed = PermissionCheckFailed(error=Failure(code="ACCESS_DENIED", message="m"))
    assert failed.wire()["summary"] == {"checked": False} and not failed.ok


def test_a_task_result_is_read_as_the_model_of_its_kind_and_must_fit_its_state() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    task = Task(
        id="t1",
        kind="regions",
        connector="c",
        state="succeeded",
        created_at=now,
        deadline=now,
        started_at=now,
        finished_at=now,
        owner="d1",
        attempt=1,
        result=RegionList(connector="c", region="us-east-1", regions=["us-east-1"]),
    )
    assert isinstance(Task.model_validate(task.wire()).result, RegionList)
    wrong = {**task.wire(), "kind": "permission-check"}
    with pytest.raises(ValueError, match="validation error"):
        Task.model_validate(wrong)  # a regions result is no permission report
    with pytest.raises(ValueError, match="says why"):
        Task.model_validate({**task.wire(), "state": "failed", "result": None})
