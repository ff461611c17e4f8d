"""`awsconn demo` (what `make run` runs) works end to end and cleans up after itself.

The demo runs with a temp folder of its own (TMPDIR): what it leaves there is its own,
whatever other demos or test runs on the machine do in the shared one at the same time.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_demo_shows_every_scenario_as_expected_and_leaves_nothing_behind(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COLUMNS": "200",
        "TMPDIR": str(tmpdir),
    }
    proc = subprocess.run(
        [sys.executable, "-m", "awsconn", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for code in (
        "SUCCESS",
        "INVALID_CREDENTIALS",
        "DESCRIBE_REGIONS_DENIED",
        "ASSUME_ROLE_FAILED",
        "PARTITION_MISMATCH",
        "ENDPOINT_UNREACHABLE",
    ):
        assert code in proc.stdout, code
    assert "each result as expected" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    assert list(tmpdir.iterdir()) == []  # its home and its endpoints' folders are gone
    assert not (tmp_path / ".awsconn").exists()  # the demo never touches the user's home
