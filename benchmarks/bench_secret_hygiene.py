"""What the secret checks add to each connection test, against the test itself.

Per connector the service now runs the offline preflight, builds a Redactor over the
spec's secrets (every spelling of each) and cleans each failure message. Baseline,
measured in the same run: one connection test (GetCallerIdentity + DescribeRegions)
against a local moto server with auth enforced. Goal: the checks cost < 1% of a test.

Run: .venv/bin/python benchmarks/bench_secret_hygiene.py [--rounds 7] [--iterations 20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from awsconn.aws.connectivity import run_connection_test
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.preflight import preflight
from awsconn.aws.redaction import Redactor
from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys
from awsconn.errors import AwsFailure

FAILURE = AwsFailure(
    "INVALID_CREDENTIALS",
    "GetCallerIdentity failed: InvalidClientTokenId: The security token included in the "
    "request is invalid.",
    "AWS does not recognise these credentials: check the access key id and secret (and "
    "that the key is active); keys of one partition do not work in another.",
)


def checks_once(spec: SessionSpec) -> None:
    assert preflight(spec) is None
    Redactor(spec.secrets()).failure(FAILURE)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=20000)
    args = parser.parse_args()

    with LocalAwsEndpoint(enforce_auth=True) as endpoint:
        keys = endpoint.create_user("bench", allow_policy("ec2:DescribeRegions"))
        assert keys is not None
        keys = StaticKeys(keys.access_key_id, keys.secret_access_key, "a-session-token" * 20)
        env = endpoint.environ(Path(tempfile.mkdtemp()))
        spec = SessionSpec("bench/one", "ManualConfig", "us-east-1", static_keys=keys)

        def one_test() -> float:
            start = time.perf_counter()
            run_connection_test(spec, SessionFactory(env))  # refused token: a FAILURE
            return time.perf_counter() - start

        one_test()  # warm imports and the server
        test_s = statistics.median(one_test() for _ in range(args.rounds))

    checks_once(spec)
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(args.iterations):
            checks_once(spec)
        samples.append((time.perf_counter() - start) / args.iterations)
    checks_s = statistics.median(samples)
    print(
        f"secret checks per connector: {checks_s * 1e6:.1f} us; one connection test "
        f"(baseline, same run): {test_s * 1000:.1f} ms; checks = "
        f"{checks_s / test_s * 100:.3f}% of a test (goal < 1%)"
    )


if __name__ == "__main__":
    main()
