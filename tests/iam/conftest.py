"""Print the conformance suite's passed/failed per case file in pytest's closing summary."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    module = sys.modules.get("test_conformance")
    lines = module.summary_lines() if module is not None else []
    if lines:
        terminalreporter.section("IAM conformance (iam-simulate cases) per file")
        for line in lines:
            terminalreporter.write_line(line)
