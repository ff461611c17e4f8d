"""Connection-test benchmarks against a local moto server (auth enforced).

1. One connection test (awsconn) vs a bare boto3 script making the same two calls
   (GetCallerIdentity + DescribeRegions), each with a fresh session. Goal <= 1.15x.
2. 500 connectors: run_connection_tests (shared models, thread pool) vs a naive loop
   building a fresh boto3 session per connector. Goal >= 5x.

Run: .venv/bin/python benchmarks/bench_connectivity.py [--connectors 500] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from awsconn.aws.connectivity import run_connection_test, run_connection_tests
from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.aws.sessions import SessionFactory, SessionSpec, StaticKeys


def bare_boto3(keys: StaticKeys, url: str) -> None:
    session = boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        region_name="us-east-1",
    )
    cfg = Config(connect_timeout=10, read_timeout=10)
    session.client("sts", endpoint_url=url, config=cfg).get_caller_identity()
    session.client("ec2", endpoint_url=url, config=cfg).describe_regions()


def median_of(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--connectors", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    with LocalAwsEndpoint(enforce_auth=True) as endpoint:
        keys = endpoint.create_user("bench", allow_policy("ec2:DescribeRegions"))
        assert keys is not None
        env = endpoint.environ(Path(tempfile.mkdtemp()))
        # the bare script must not read the developer's config either
        os.environ.update({k: v for k, v in env.items() if k != "PATH"})

        def one_awsconn() -> None:
            # a fresh factory each time: no cross-run caching, like the bare script
            spec = SessionSpec("bench/one", "ManualConfig", "us-east-1", static_keys=keys)
            result = run_connection_test(spec, SessionFactory(env))
            assert result.ok, result.errors

        bare_boto3(keys, endpoint.url)  # warm imports and the server for both sides
        one_awsconn()
        ours = median_of(one_awsconn, args.rounds * 4)
        bare = median_of(lambda: bare_boto3(keys, endpoint.url), args.rounds * 4)
        print(f"one test: awsconn {ours * 1000:.1f} ms, bare boto3 {bare * 1000:.1f} ms, "
              f"ratio {ours / bare:.2f}x (goal <= 1.15x)")  # fmt: skip

        specs = [
            SessionSpec(f"bench/c{i}", "ManualConfig", "us-east-1", static_keys=keys)
            for i in range(args.connectors)
        ]

        def many_awsconn() -> None:
            results = run_connection_tests(specs, SessionFactory(env), concurrency=args.concurrency)
            assert all(r.ok for r in results)

        def many_naive() -> None:
            for _ in specs:
                bare_boto3(keys, endpoint.url)

        rounds = max(1, args.rounds // 2)
        fast = median_of(many_awsconn, rounds)
        slow = median_of(many_naive, rounds)
        print(f"{args.connectors} connectors: awsconn {fast:.2f} s, naive loop {slow:.2f} s, "
              f"speed-up {slow / fast:.1f}x (goal >= 5x)")  # fmt: skip


if __name__ == "__main__":
    main()
