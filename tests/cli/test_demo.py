"""`awsconn demo` (what `make run` runs) works end to end and cleans up after itself."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path


def test_demo_shows_every_scenario_as_expected_and_leaves_nothing_behind(tmp_path: Path) -> None:
    before = set(Path(tempfile.gettempdir()).glob("awsconn-demo-*"))
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "200"}
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
    assert set(Path(tempfile.gettempdir()).glob("awsconn-demo-*")) == before
    assert not (tmp_path / ".awsconn").exists()  # the demo never touches the user's home
