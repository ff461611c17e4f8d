"""`awsconn --help` stays fast: it must not import the AWS SDK, the ORM or a web framework."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("boto3", "botocore", "sqlalchemy", "fastapi", "alembic", "cryptography")


def _modules_after(argv: list[str]) -> set[str]:
    probe = (
        "import sys\nfrom awsconn.cli import main\n"
        f"main({argv!r})\n"
        "print('\\n'.join(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_help_imports_no_heavy_module() -> None:
    loaded = _modules_after(["--help"])
    assert not {m for m in HEAVY if m in loaded}


def test_subcommand_help_imports_no_heavy_module() -> None:
    for noun in ("connector", "secret", "policy", "permissions"):
        loaded = _modules_after([noun, "--help"])
        assert not {m for m in HEAVY if m in loaded}, noun
