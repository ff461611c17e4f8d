"""The base of result models: camelCase JSON out (the CLI's ``-o json``, the API), frozen.

Fields are snake_case in Python and camelCase in JSON (``expires_at`` -> ``expiresAt``),
as Harness's API spells them; both names are accepted when a model is built.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

__all__ = ["JsonModel", "to_camel"]


class JsonModel(BaseModel):
    """A result model; ``to_json()`` is what ``-o json`` prints and the API returns."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)
