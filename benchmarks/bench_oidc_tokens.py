"""What an OIDC connector's session costs awsconn before any AWS call, against access keys.

``session_spec`` of an ``OidcAuthentication`` connector reads the signing key, opens it
(AES-GCM, then the RSA key parsed) and signs an RS256 ID token; of a ``ManualConfig``
connector it decrypts one secret. Baseline, measured in the same run on the same store:
the ManualConfig spec. Also the JWKS a server answers (one indexed read). The AWS side
(AssumeRoleWithWebIdentity) is one STS call, like AssumeRole for keys with a role.

Run: .venv/bin/python benchmarks/bench_oidc_tokens.py [--iterations 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable

from joserfc.jwk import RSAKey

from awsconn.model import EntityRef, Scope, parse_connector_document
from awsconn.service import secrets
from awsconn.service.context import AppContext
from awsconn.service.oidc_issuer import jwks
from awsconn.service.session_specs import session_spec


def _doc(identifier: str, credential: dict[str, object]) -> dict[str, object]:
    return {
        "connector": {
            "name": identifier,
            "identifier": identifier,
            "type": "Aws",
            "spec": {"credential": credential, "executeOnDelegate": False},
        }
    }


def _per_call_us(work: Callable[[], object], iterations: int, rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(iterations):
            work()
        samples.append((time.perf_counter() - start) / iterations * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="30 iterations, 3 rounds")
    args = parser.parse_args()
    iterations, rounds = (30, 3) if args.quick else (args.iterations, args.rounds)

    home = tempfile.mkdtemp(prefix="awsconn-bench-oidc-")
    env = {"AWSCONN_HOME": home, "AWSCONN_OIDC_ISSUER_URL": "https://awsconn.example.com"}
    ctx = AppContext(environ=env)
    secrets.create(ctx, EntityRef(Scope(), "sk"), b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    manual = parse_connector_document(
        _doc(
            "keys",
            {
                "type": "ManualConfig",
                "spec": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKeyRef": "sk"},
            },
        )
    )
    oidc = parse_connector_document(
        _doc(
            "oidc",
            {
                "type": "OidcAuthentication",
                "spec": {"iamRoleArn": "arn:aws:iam::123456789012:role/deploy"},
            },
        )
    )
    session_spec(ctx, oidc)  # the first key is made once, outside the measurement

    keys_us = _per_call_us(lambda: session_spec(ctx, manual), iterations, rounds)
    oidc_us = _per_call_us(lambda: session_spec(ctx, oidc), iterations, rounds)
    jwks_us = _per_call_us(lambda: jwks(ctx), iterations, rounds)
    pem = RSAKey.generate_key(2048, private=True).as_pem(private=True)
    parse_us = _per_call_us(lambda: RSAKey.import_key(pem), max(iterations // 10, 3), rounds)
    ctx.close()
    print(f"iterations {iterations} x rounds {rounds} (median of rounds), SQLite store")
    print(f"session_spec ManualConfig      {keys_us:8.0f} us  (baseline: one secret decrypted)")
    print(f"session_spec OidcAuthentication {oidc_us:7.0f} us  (key opened, token signed)")
    print(f"jwks (what the server answers)  {jwks_us:7.0f} us")
    print(f"RSA private key parse           {parse_us:7.0f} us  (per token if not reused)")
    print(f"ratio oidc/keys  {oidc_us / keys_us:5.2f}x")


if __name__ == "__main__":
    main()
