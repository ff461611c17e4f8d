"""The model is pure: importing it must not pull in AWS SDKs or the database layer."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import awsconn.model

FORBIDDEN = ("boto3", "botocore", "sqlalchemy", "s3transfer", "moto")

_PROBE = """
import json, sys
import awsconn.model
import awsconn.model.{modules}
print(json.dumps(sorted(sys.modules)))
"""

MODULES = (
    "connector",
    "credentials",
    "harness_credential",
    "harness_yaml",
    "identifiers",
    "regions",
    "scope",
    "secret_refs",
    "text_rules",
    "validation",
    "yaml_io",
)


def _loaded_after_importing(module: str) -> set[str]:
    code = _PROBE.format(modules=module)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout))


@pytest.mark.parametrize("module", MODULES)
def test_importing_the_model_loads_no_sdk_or_database(module: str) -> None:
    loaded = _loaded_after_importing(module)
    assert f"awsconn.model.{module}" in loaded
    bad = sorted(m for m in loaded if m.split(".")[0] in FORBIDDEN)
    assert not bad, f"awsconn.model.{module} imports {bad}"


def test_public_names_are_all_importable() -> None:
    for name in awsconn.model.__all__:
        assert getattr(awsconn.model, name) is not None
