"""The permission check's own cost over the engine's: request context, statuses, near misses.

Every catalog capability (all their actions, wildcards expanded) is checked in what-if
mode against 10 AWS managed policies (moto's copy) plus a policy that requires HTTPS and
names the caller, as one principal. Baseline, same run, same capabilities and policies:
what a check cost before it filled the request context - the catalog rendered and
expanded, then the bare engine decision with an empty context for each item, no near
misses, no statuses.

    .venv/bin/python benchmarks/bench_permission_check.py [--rounds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime

from moto.iam.aws_managed_policies import aws_managed_policies_data

from awsconn.iam import PolicySet, Request
from awsconn.iam.capabilities import Parameters, expand_action, load_catalog
from awsconn.service.permission_context import CredentialFacts, KnownPrincipal, SessionFacts
from awsconn.service.permissions import check

PRINCIPAL = "arn:aws:iam::123456789012:user/bench"
MANAGED = [
    "ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonEC2ReadOnlyAccess",
    "IAMReadOnlyAccess",
    "AWSLambda_FullAccess",
    "AmazonDynamoDBFullAccess",
    "CloudWatchLogsFullAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSReadOnlyAccess",
    "SecurityAudit",
]
CONDITIONED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "HttpsOnlyForMe",
            "Effect": "Allow",
            "Action": ["ecr:*", "sts:AssumeRole"],
            "Resource": "*",
            "Condition": {
                "Bool": {"aws:SecureTransport": "true"},
                "StringEquals": {"aws:PrincipalArn": PRINCIPAL},
            },
        },
        {
            "Sid": "NoPlainHttp",
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ],
}


def policies() -> list[tuple[str, dict[str, object]]]:
    data = json.loads(aws_managed_policies_data)
    out = [(name, data[name]["Document"]) for name in MANAGED]
    return [*out, ("conditioned", CONDITIONED)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalog = load_catalog()
    names = list(catalog.names())
    docs = policies()
    params = Parameters.build(bucket="artifacts", repository="app", role="deploy")
    filled = Parameters(**{**params.as_dict(), "account": "123456789012", "region": "us-east-1"})

    def plan() -> list[tuple[str, str]]:
        return [
            (action, req.resource)
            for req in catalog.render(catalog.resolve(names), filled)
            for action in expand_action(req.action) or (req.action,)
        ]

    items = plan()
    now = datetime(2025, 6, 1, tzinfo=UTC)
    session = SessionFacts(credentials=CredentialFacts(long_term=True, clean=True))
    principal = KnownPrincipal(PRINCIPAL, "benchmark")

    def baseline() -> int:
        ps = PolicySet(identity=docs)
        allowed = 0
        for action, resource in plan():
            decision = ps.evaluate(
                Request(
                    principal=PRINCIPAL,
                    action=action,
                    resource=resource,
                    wildcard_only=resource == "*",
                )
            )
            allowed += decision.allowed
        return allowed

    def checked() -> int:
        report = check(
            names,
            params=params,
            policy_files=docs,
            principal=principal,
            now=now,
            session=session,
        )
        return sum(c.allowed for cap in report.capabilities for c in cap.checks)

    base_times, check_times = [], []
    base_allowed = check_allowed = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        base_allowed = baseline()
        base_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        check_allowed = checked()
        check_times.append(time.perf_counter() - start)
    base, full = statistics.median(base_times), statistics.median(check_times)
    print(f"{len(items)} (action, resource) items, {len(docs)} policies, {args.rounds} rounds")
    print(
        f"baseline: bare engine, empty context     {base * 1000:8.1f} ms  ({base_allowed} allowed)"
    )
    print(
        f"check: context, statuses, near misses    {full * 1000:8.1f} ms  ({check_allowed} allowed)"
    )
    print(f"ratio check / baseline: {full / base:.2f}x")


if __name__ == "__main__":
    main()
