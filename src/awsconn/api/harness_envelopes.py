"""The envelopes around every Harness NG answer: ResponseDto, RestResponse, pages, errors.

- :class:`ResponseDto` ``{status, data, metaData, correlationId}``: every NG answer
  (``ResponseDtoConnectorResponse`` and its siblings are this one generic).
- :class:`RestResponse` ``{metaData, resource, responseMessages}``: the older envelope
  Harness's delegate endpoints still answer with (``RestResponseDelegateTokenDetails``).
- :class:`PageResponse` ``{content, pageIndex, pageSize, totalItems, totalPages, ...}``.
- :class:`ErrorDTO` (Harness's ``Error``) and :class:`FailureDTO` (``Failure``): error
  bodies. awsconn answers every error with an ErrorDTO whose documented extra fields
  (``awsconnCode``, ``hint``, ``problems``, ``awsErrorCode``, ``requestId``) carry what
  Harness's shape has no place for; ``harness_errors`` builds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import BaseModel

from awsconn.api.harness_base import HarnessModel, Int64, OpenHarnessModel
from awsconn.api.harness_error_codes import FailureType, HarnessErrorCode

__all__ = [
    "ErrorDTO",
    "ErrorMetadata",
    "FailureDTO",
    "PageResponse",
    "ProblemDTO",
    "ResponseDto",
    "ResponseMessage",
    "ResponseStatus",
    "RestResponse",
    "ValidationErrorDTO",
    "harness_schema_name",
]

T = TypeVar("T")

ResponseStatus = Literal["ERROR", "FAILURE", "SUCCESS"]

_SCALAR_NAMES = {bool: "Boolean", str: "String", int: "Long", float: "Double"}


def harness_schema_name(kind: Any) -> str:
    """The name Harness's OpenAPI gives a type: ``ResponseDto[PageResponse[ConnectorResponse]]``
    is ``ResponseDtoPageResponseConnectorResponse``, ``list[X]`` ``ListX``, ``bool``
    ``Boolean``, ``dict[str, Any]`` ``MapStringObject``."""
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return kind.__name__
    if kind in _SCALAR_NAMES:
        return _SCALAR_NAMES[kind]
    origin, args = get_origin(kind), get_args(kind)
    if origin is list:
        return "List" + harness_schema_name(args[0])
    if origin is dict:
        return "Map" + "".join(harness_schema_name(a) for a in args)
    return "Object"


class _HarnessGeneric(HarnessModel):
    """A generic envelope named as Harness names its specialisations (in OpenAPI too)."""

    @classmethod
    def model_parametrized_name(cls, params: tuple[Any, ...]) -> str:
        return cls.__name__ + "".join(harness_schema_name(p) for p in params)


class ResponseDto(_HarnessGeneric, Generic[T]):
    """The NG envelope: ``data`` is the answer; awsconn always sets ``correlationId``."""

    status: ResponseStatus | None = "SUCCESS"
    data: T | None = None
    meta_data: dict[str, Any] | None = None
    correlation_id: str | None = None


class ResponseMessage(HarnessModel):
    """One message of an error: Harness lists the chain of causes; awsconn lists the
    error and then each field problem (``additionalInfo.path`` names the field).

    ``exception`` is where Harness's Java services put an exception (with its stack
    trace); it is accepted when read from Harness and never set by awsconn.
    """

    code: HarnessErrorCode | None = None
    level: Literal["ERROR", "INFO"] | None = None
    message: str | None = None
    additional_info: dict[str, str] | None = None
    failure_types: list[FailureType] | None = None
    exception: dict[str, Any] | None = None


class RestResponse(_HarnessGeneric, Generic[T]):
    """The older envelope of Harness's delegate endpoints: the answer is ``resource``."""

    meta_data: dict[str, dict[str, Any]] | None = None
    resource: T | None = None
    response_messages: list[ResponseMessage] | None = None


class PageResponse(_HarnessGeneric, Generic[T]):
    """One page of a list; ``pageIndex`` counts from 0."""

    content: list[T] | None = None
    empty: bool | None = None
    page_index: Int64 | None = None
    page_item_count: Int64 | None = None
    page_size: Int64 | None = None
    page_token: str | None = None
    total_items: Int64 | None = None
    total_pages: Int64 | None = None

    @classmethod
    def of(
        cls, items: Sequence[T], *, page_index: int, page_size: int, total_items: int
    ) -> PageResponse[T]:
        """The page holding ``items`` out of ``total_items``, with the counts derived."""
        pages = -(-total_items // page_size) if page_size > 0 else 0
        return cls(
            content=list(items),
            empty=not items,
            page_index=page_index,
            page_item_count=len(items),
            page_size=page_size,
            total_items=total_items,
            total_pages=pages,
        )


class ErrorMetadata(OpenHarnessModel):
    """Harness's polymorphic error metadata (``type`` names the kind)."""

    type: str | None = None


class ProblemDTO(HarnessModel):
    """awsconn: one field problem of a refused input (``errors.Problem``), bounded."""

    path: str
    message: str
    given: Any = None
    allowed: str | None = None


class ErrorDTO(HarnessModel):
    """Harness's ``Error`` body, plus awsconn's documented extra fields.

    ``code`` is a Harness ErrorCode; ``awsconnCode`` is awsconn's own (the CLI's
    ``code``), ``hint`` what to change, ``problems`` every field problem with its path,
    ``awsErrorCode``/``requestId`` what AWS answered when an AWS call failed.
    """

    status: ResponseStatus | None = "ERROR"
    code: HarnessErrorCode | None = None
    message: str | None = None
    correlation_id: str | None = None
    detailed_message: str | None = None
    metadata: ErrorMetadata | None = None
    response_messages: list[ResponseMessage] | None = None
    # awsconn's extra fields
    awsconn_code: str | None = None
    hint: str | None = None
    problems: list[ProblemDTO] | None = None
    aws_error_code: str | None = None
    request_id: str | None = None


class ValidationErrorDTO(HarnessModel):
    """One field error of a ``Failure``: Harness names the field ``fieldId``."""

    error: str | None = None
    field_id: str | None = None


class FailureDTO(HarnessModel):
    """Harness's ``Failure`` body (its request-validation errors); awsconn reads it from
    Harness and answers with :class:`ErrorDTO` itself."""

    status: ResponseStatus | None = "FAILURE"
    code: HarnessErrorCode | None = None
    message: str | None = None
    correlation_id: str | None = None
    errors: list[ValidationErrorDTO] | None = None
