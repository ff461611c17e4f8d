"""Starting ``awsconn server``: the first admin token is made once (even by replicas
starting together), written 0600 and printed once before /healthz answers; TLS and a
reverse proxy's root path; bad options are refused before anything starts."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api_fixtures import ApiServer, module_postgres_url
from awsconn.service.context import AppContext
from awsconn.service.tokens import list_tokens


def test_the_first_start_makes_one_admin_token_and_says_it_once(tmp_path: Path) -> None:
    server = ApiServer(tmp_path)
    with server:
        token_file = server.home / "admin-token"
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        assert server.logs().count(server.token) == 1
        with server.client() as http:
            assert http.get("/ng/api/awsconn/tokens").status_code == 200
        with server.client(token="") as http:
            ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["data"]["status"] == "READY"
    token = server.token
    with ApiServer(tmp_path) as again:  # a live admin token exists: nothing new
        assert again.token == token
        assert again.logs().count("printed this once") == 1


@pytest.mark.postgres
def test_replicas_starting_together_make_one_admin_token(
    tmp_path: Path, postgres_run_url: str
) -> None:
    url = module_postgres_url(postgres_run_url)
    replicas = [ApiServer(tmp_path / f"r{i}", database_url=url) for i in range(3)]
    try:
        for replica in replicas:  # all three start at once, each migrating and bootstrapping
            replica.launch()
        for replica in replicas:
            replica.wait_healthy()
        made = [r for r in replicas if (r.home / "admin-token").exists()]
        assert len(made) == 1
        assert sum("printed this once" in r.logs() for r in replicas) == 1
        ctx = AppContext(environ=replicas[0].service_environ())
        admins = [t for t in list_tokens(ctx) if t.name == "bootstrap-admin"]
        ctx.close()
        assert len(admins) == 1
    finally:
        for replica in replicas:
            replica.stop()


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    certfile, keyfile = folder / "cert.pem", folder / "key.pem"
    certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


def test_tls_and_a_root_path_behind_a_proxy(tmp_path: Path) -> None:
    certfile, keyfile = _self_signed(tmp_path)
    args = ("--certfile", str(certfile), "--keyfile", str(keyfile), "--root-path", "/awsconn")
    with ApiServer(tmp_path, args=args) as server:
        assert server.url.startswith("https://")
        trust = ssl.create_default_context(cafile=str(certfile))
        with server.client(verify=trust) as http:
            # the proxy strips /awsconn: routes are where they always are ...
            assert http.get("/ng/api/connectors").status_code == 200
            document = http.get("/openapi.json").json()
            page = http.get("/docs").text
        # ... and what the server tells clients to fetch goes through the proxy
        assert document["servers"] == [{"url": "/awsconn"}]
        assert "/awsconn/openapi.json" in page
        with pytest.raises(httpx.HTTPError):  # plain HTTP is not served on a TLS port
            httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=5).raise_for_status()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--certfile", "cert.pem"), "TLS needs both a certificate file and its key file"),
        (("--certfile", "nope.pem", "--keyfile", "nope.key"), "is not a readable file"),
        (("--root-path", "awsconn"), "must start with '/'"),
        (("--workers", "0"), "--workers"),
    ],
)
def test_bad_options_are_refused_before_anything_starts(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    server = ApiServer(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "awsconn", "server", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr
    assert not (server.home / "admin-token").exists()
