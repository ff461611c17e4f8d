"""The base of every result model and the field helpers they share.

- The wire form is ``model.wire()`` (= ``model_dump(mode="json", by_alias=True)``):
  camelCase names; ``Model.model_validate(wire)`` gives back an equal model.
- Timestamps are aware datetimes, kept in UTC; each entry point renders them (the CLI
  as ISO 8601 with ``Z``, the API as Harness's epoch milliseconds).
- A field that a shape has only sometimes is left out of the wire form while it is
  empty (:func:`optional`, :func:`unless_empty`), so each shape stays the one scripts
  already read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = ["Timestamp", "WireModel", "is_empty", "is_none", "optional", "unless_empty"]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Timestamp = Annotated[AwareDatetime, AfterValidator(_utc)]
"""An aware datetime, converted to UTC (so the wire form is the same whoever made it)."""


def is_none(value: object) -> bool:
    """``exclude_if`` for a field left out while None."""
    return value is None


def is_empty(value: object) -> bool:
    """``exclude_if`` for a field left out while empty (or False)."""
    return not value


def optional(default: Any = None) -> Any:
    """A field left out of the wire form while it is None."""
    return Field(default=default, exclude_if=is_none)


def unless_empty() -> Any:
    """A list left out of the wire form while it is empty."""
    return Field(default_factory=list, exclude_if=is_empty)


class WireModel(BaseModel):
    """A result: camelCase on the wire, either name in, no unknown field, immutable."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        defer_build=True,
    )

    def wire(self) -> dict[str, Any]:
        """The wire form (JSON types, camelCase names)."""
        return self.model_dump(mode="json", by_alias=True)
