"""What every Harness wire model shares: camelCase names, closed or open shapes, epoch ms.

Harness's JSON is camelCase and its timestamps are epoch milliseconds (``@format int64``);
Python code uses snake_case names and aware datetimes. :class:`HarnessModel` accepts both
spellings of a name and dumps Harness's (:meth:`HarnessModel.to_wire`). A shape Harness
types with an index signature (``[key: string]: any``) is an :class:`OpenHarnessModel`
and keeps unknown keys; every other shape refuses them, naming the key, as the YAML
parser does. Where Harness picks a spec's shape from a ``type`` beside it (a connector's
``spec``, a credential's ``spec``, a secret's ``spec``) :func:`spec_for_type` does the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo
from pydantic.alias_generators import to_camel

__all__ = [
    "EpochMillis",
    "HarnessModel",
    "Int32",
    "Int64",
    "OpenHarnessModel",
    "from_epoch_ms",
    "spec_for_type",
    "to_epoch_ms",
]

Int32 = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]
"""``@format int32``."""
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]
"""``@format int64``."""
EpochMillis = Annotated[int, Field(ge=0, le=2**63 - 1)]
"""A timestamp as Harness sends it: milliseconds since 1970-01-01T00:00:00Z."""


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch_ms(moment: datetime) -> int:
    """Milliseconds since the epoch; a naive datetime is taken as UTC (the store's clock)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // timedelta(milliseconds=1)


def from_epoch_ms(millis: int) -> datetime:
    """The aware UTC datetime of an epoch-ms timestamp."""
    return _EPOCH + timedelta(milliseconds=millis)


class HarnessModel(BaseModel):
    """A closed Harness shape: camelCase on the wire, unknown keys refused.

    Validators are built on first use (``defer_build``): importing the shapes and the
    route table costs 192 ms instead of 356 ms, and most processes use a few models.
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        extra="forbid",
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON document Harness would send: camelCase names, absent fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class OpenHarnessModel(HarnessModel):
    """A shape Harness types with an index signature: unknown keys are kept as they came."""

    model_config = ConfigDict(extra="allow")


def spec_for_type(
    value: Any,
    info: ValidationInfo,
    variants: Mapping[str, type[BaseModel]],
    default: type[BaseModel] | None,
) -> Any:
    """Validate a ``spec`` as the model its sibling ``type`` names (``default`` otherwise).

    For a field validator (mode ``wrap``) declared after ``type``: when ``type`` itself is
    missing or wrong, the spec is read as ``default`` so only the type is reported.
    Errors of the chosen model keep their paths under the spec's own.
    """
    if value is None:
        return None
    kind = info.data.get("type")
    model = variants.get(kind, default) if isinstance(kind, str) else default
    if model is None:
        return value
    return model.model_validate(value)
