"""Numbered pages, as Harness's list endpoints ask for them: the one rule for their range."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from awsconn.errors import Problem, ValidationFailed

__all__ = ["MAX_PAGE_INDEX", "MAX_PAGE_SIZE", "page_problems", "slice_page"]

MAX_PAGE_SIZE = 1000
MAX_PAGE_INDEX = 1_000_000
_T = TypeVar("_T")


def page_problems(page_index: int, page_size: int) -> list[Problem]:
    """What is wrong with ``pageIndex`` (0 to 1,000,000) and ``pageSize`` (1 to 1,000)."""
    problems: list[Problem] = []
    if not 0 <= page_index <= MAX_PAGE_INDEX:
        problems.append(
            Problem("pageIndex", "is out of range", given=page_index, allowed=f"0-{MAX_PAGE_INDEX}")
        )
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        problems.append(
            Problem("pageSize", "is out of range", given=page_size, allowed=f"1-{MAX_PAGE_SIZE}")
        )
    return problems


def slice_page(items: Sequence[_T], page_index: int, page_size: int) -> list[_T]:
    """Page ``page_index`` of ``items`` (ValidationFailed when the numbers are out of range)."""
    if problems := page_problems(page_index, page_size):
        raise ValidationFailed(problems, what="page")
    start = page_index * page_size
    return list(items[start : start + page_size])
