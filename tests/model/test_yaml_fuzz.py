"""Fuzz: generated malformed YAML is bad input (exit 2) or a connector, never a crash.

Hypothesis generates broken connector documents (``yaml_fuzz_cases``); each goes through
``load_yaml_documents`` and ``parse_connector``. The run happens in a child process with
its address space capped, so an input that escaped the loader's bounds fails the test
with MemoryError instead of exhausting the machine; pytest-timeout bounds the time.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

_CHILD = textwrap.dedent(
    """
    import resource, sys
    limit = 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.path.insert(0, sys.argv[1])
    from hypothesis import HealthCheck, given, settings
    from yaml_fuzz_cases import check_connector_text, malformed_yaml

    @settings(
        max_examples=int(sys.argv[2]),
        deadline=None,
        database=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(malformed_yaml())
    def fuzz(text):
        check_connector_text(text)

    fuzz()
    print("ok")
    """
)


@pytest.mark.timeout(300)
def test_generated_malformed_yaml_is_bad_input_or_a_connector() -> None:
    here = Path(__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(here), "300"],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-6000:]


def test_the_fuzz_cases_hold_for_the_valid_document() -> None:
    from yaml_fuzz_cases import VALID, check_connector_text

    assert check_connector_text(VALID) == "parsed"
