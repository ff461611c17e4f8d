"""docs/troubleshooting.md has a section for every code awsconn can report.

The codes come from the code itself (the connection-test taxonomy in aws/diagnosis.py
and the error classes in errors.py), so a new code without a section fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from awsconn import errors
from awsconn.aws.diagnosis import CODES, OTHER_CODES
from awsconn.service import permission_reports

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "troubleshooting.md"

# The permission check's answers (and the simulator fallback) are words of its report.
PERMISSION_ANSWERS = (
    permission_reports.GRANTED,
    permission_reports.NOT_GRANTED,
    permission_reports.DEPENDS,
    "SIMULATOR_UNAVAILABLE",
)
# Codes of the secret store's key handling, documented ahead of their error classes.
KEY_CODES = ("MASTER_KEY_MISSING", "MASTER_KEY_MISMATCH")


def _error_codes() -> set[str]:
    codes: set[str] = set()
    todo = list(errors.AwsconnError.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls is not errors.AwsCallFailed and cls.__module__ == errors.__name__:
            codes.add(cls.code)
    return codes


def _sections() -> dict[str, str]:
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    return {p.split("\n", 1)[0].strip(): p.split("\n", 1)[1] for p in parts}


def test_every_code_has_a_section_with_cause_fix_and_reading() -> None:
    sections = _sections()
    wanted = {*CODES, *OTHER_CODES, *_error_codes(), *PERMISSION_ANSWERS, *KEY_CODES}
    assert not wanted - set(sections), f"codes without a section: {wanted - set(sections)}"
    for code, body in sections.items():
        for part in ("**Cause**", "**Fix**", "**Read**"):
            assert part in body, (code, part)


def test_aws_codes_point_to_the_aws_documentation() -> None:
    sections = _sections()
    for code in (*CODES, *OTHER_CODES, *PERMISSION_ANSWERS):
        read = sections[code].split("**Read**", 1)[1]
        assert re.search(
            r"\[[^\]]+\]\(https://[a-z0-9.]*(aws\.amazon\.com|amazonaws\.com)/", read
        ), code


def test_eventual_consistency_is_said_and_the_readme_links_the_page() -> None:
    assert "IAM changes can take a few minutes to apply" in DOC.read_text(encoding="utf-8")
    assert "(docs/troubleshooting.md)" in (ROOT / "README.md").read_text(encoding="utf-8")
