"""Exit codes: 2 for a request that cannot be carried out as given, 1 for a failed check.

The README's table is the contract; this file keeps it and errors.py in step.
"""

from __future__ import annotations

import re
from pathlib import Path

from cli_fixtures import Runner

from awsconn import errors

README = Path(__file__).resolve().parents[2] / "README.md"

DOC = """
connector:
  name: c1
  identifier: c1
  type: Aws
  spec:
    credential:
      type: ManualConfig
      spec:
        accessKey: AKIAIOSFODNN7EXAMPLE
        secretKeyRef: sk
      region: us-east-1
    delegateSelectors: []
"""


def _error_classes() -> list[type[errors.AwsconnError]]:
    out: list[type[errors.AwsconnError]] = []
    todo = list(errors.AwsconnError.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    # AwsCallFailed takes its code from the failure it carries (the taxonomy).
    return [c for c in out if c is not errors.AwsCallFailed and c.__module__ == errors.__name__]


def _readme_rows() -> dict[str, str]:
    """exit code -> the text of its row in the README's exit-code table."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        for code in re.findall(r"`(\d+)`", cells[0]) if len(cells) == 3 else ():
            rows[code] = line
    return rows


def test_the_readme_table_names_every_error_code_under_its_exit_code() -> None:
    rows = _readme_rows()
    assert {"0", "1", "2", "126", "127", "130"} <= set(rows)
    for cls in _error_classes():
        row = rows[str(cls.exit_code)]
        assert f"`{cls.code}`" in row, f"{cls.code} (exit {cls.exit_code}) missing from README"
    assert "`AWS_ERROR`" in rows[str(errors.AwsCallFailed.exit_code)]


def test_a_duplicate_create_is_bad_input_exit_2(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    assert cli("connector", "create", "-f", "-", input=DOC).code == 0
    r = cli("connector", "create", "-f", "-", input=DOC)
    assert r.code == 2, r.text
    assert "[CONFLICT]" in r.err and "already exists" in r.err
    r = cli("connector", "create", "--dry-run", "-f", "-", input=DOC)
    assert r.code == 2, r.text


def test_deleting_a_secret_in_use_is_bad_input_exit_2(cli: Runner) -> None:
    cli("secret", "create", "sk", input="x")
    cli("connector", "create", "-f", "-", input=DOC)
    r = cli("secret", "delete", "sk", "--yes")
    assert r.code == 2, r.text
    assert "used by connector c1" in r.err
