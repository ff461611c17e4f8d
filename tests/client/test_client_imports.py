"""The client loads nothing of the server: no service, store, SQL, web framework, and no
boto3 until a session is asked for; its transport (the ``credentials`` road) no pydantic."""

from __future__ import annotations

import subprocess
import sys

import pytest

SERVER_SIDE = ("awsconn.service", "awsconn.store", "awsconn.api", "sqlalchemy", "fastapi")


def _loaded(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize(
    "code",
    [
        "import awsconn.client",
        "from awsconn.client import connect, Client",
        "import awsconn; c = awsconn.connect('http://127.0.0.1:9', 'awsc_x'); c.close()",
        "from awsconn.client import connect; connect('http://127.0.0.1:9', 'awsc_x').connectors",
    ],
)
def test_the_client_loads_no_server_part_and_no_boto3(code: str) -> None:
    loaded = _loaded(code)
    bad = {m for m in loaded for top in (*SERVER_SIDE, "boto3", "botocore") if m == top}
    bad |= {m for m in loaded if m.startswith(tuple(f"{p}." for p in SERVER_SIDE))}
    assert bad == set()


def test_the_credentials_road_of_the_client_loads_no_pydantic() -> None:
    loaded = _loaded(
        "from awsconn.client.credentials import fetch_credentials\n"
        "from awsconn.client.transport import Transport\n"
        "Transport('http://127.0.0.1:9', 'awsc_x').close()"
    )
    assert "httpx" in loaded
    assert not {m for m in ("pydantic", "typer", "boto3", "sqlalchemy") if m in loaded}


def test_import_awsconn_stays_light() -> None:
    loaded = _loaded("import awsconn")
    assert not {m for m in ("httpx", "pydantic", "awsconn.client") if m in loaded}
