"""awsconn.iam decisions vs moto's IAM policy evaluator, measured in the same run.

Baseline: ``moto.iam.access_control.IAMPolicy.is_action_permitted`` (what moto uses to
enforce IAM auth), on the same requests. AWS managed policies come from moto's own
copy (``moto.iam.aws_managed_policies``), loaded at benchmark time.

    .venv/bin/python benchmarks/bench_iam.py [--quick]

Numbers are medians per decision. "warm" = the set has seen the action before (its
per-action statement index is filled); "cold" = that index is cleared before every
decision, so each one matches the action against every statement.

Last, wildcard matching on pathological input (``*a*a*b`` against ``aaaa...``): the
engine vs a backtracking regex of the same glob (``.*a.*a.*b``, how globs ran before
awsconn.iam.globs), same inputs, same run.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections.abc import Callable

from moto.iam.access_control import IAMPolicy
from moto.iam.aws_managed_policies import aws_managed_policies_data

from awsconn.iam import (
    PolicySet,
    Request,
    all_actions,
    clear_cache,
    compile_policy,
    is_wildcard_only,
)

PRINCIPAL = "arn:aws:iam::123456789012:user/bench"
SERVICES = ["s3", "ec2", "iam", "lambda", "dynamodb", "sqs", "sns", "kms", "logs", "ecr"]


def wildcard_policy() -> dict[str, object]:
    """20 statements: wildcard actions across services, wildcard ARNs, two Denies."""
    statements: list[dict[str, object]] = []
    verbs = ["Get*", "List*", "Describe*", "Put*", "*Object*", "Create*", "Delete*", "Update*"]
    for i in range(18):
        svc = SERVICES[i % len(SERVICES)]
        statements.append(
            {
                "Sid": f"S{i}",
                "Effect": "Allow",
                "Action": [
                    f"{svc}:{verbs[i % len(verbs)]}",
                    f"{svc}:{verbs[(i + 3) % len(verbs)]}",
                ],
                "Resource": [f"arn:aws:{svc}:*:123456789012:*", f"arn:aws:{svc}:::bucket-{i}/*"],
            }
        )
    statements.append({"Sid": "D1", "Effect": "Deny", "Action": "iam:Delete*", "Resource": "*"})
    statements.append(
        {"Sid": "D2", "Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::secret/*"}
    )
    return {"Version": "2012-10-17", "Statement": statements}


def managed(name: str) -> dict[str, object]:
    data = json.loads(aws_managed_policies_data)
    doc: dict[str, object] = data[name]["Document"]
    return doc


def per_call_ns(fn: Callable[[], object], reps: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(reps):
        fn()
    return (time.perf_counter_ns() - start) / reps


def requests_for(actions: list[str]) -> list[tuple[str, str]]:
    """One request per action; an action without resource types (wildcard-only in the IAM
    action data) is asked on "*", as AWS authorizes it (moto does not know the data)."""
    out = []
    for a in actions:
        svc = a.split(":")[0]
        if is_wildcard_only(a):
            resource = "*"
        elif svc == "s3":
            resource = "arn:aws:s3:::bucket-4/k"
        else:
            resource = f"arn:aws:{svc}:us-east-1:123456789012:thing/x"
        out.append((a, resource))
    return out


def compare(
    label: str, doc: dict[str, object], reqs: list[tuple[str, str]], reps: int, moto_reps: int
) -> dict[str, float]:
    ps = PolicySet(identity=[doc])
    moto = IAMPolicy(json.dumps(doc))
    agree = 0
    warm: list[float] = []
    cold: list[float] = []
    base: list[float] = []
    for action, resource in reqs:
        req = Request(
            principal=PRINCIPAL, action=action, resource=resource, resource_account="123456789012"
        )
        ours = ps.evaluate(req).result
        theirs = moto.is_action_permitted(action, resource).name
        agree += (ours == "Allowed") == (theirs == "PERMITTED")
        warm.append(per_call_ns(lambda req=req: ps.evaluate(req), reps))

        def cold_call(req: Request = req) -> object:
            ps._by_action.clear()
            ps._fast_actions.clear()
            ps._by_service.clear()
            return ps.evaluate(req)

        cold.append(per_call_ns(cold_call, max(1, reps // 4)))
        base.append(
            per_call_ns(lambda a=action, r=resource: moto.is_action_permitted(a, r), moto_reps)
        )
    w, c, m = (statistics.median(x) / 1000 for x in (warm, cold, base))
    print(f"{label}: {len(reqs)} requests; allow/deny agreement with moto {agree}/{len(reqs)}")
    print(f"  awsconn warm  {w:9.2f} µs   ({m / w:,.0f}x moto)")
    print(f"  awsconn cold  {c:9.2f} µs   ({m / c:,.0f}x moto)")
    print(f"  moto          {m:9.2f} µs")
    return {"warm": w, "cold": c, "moto": m}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer requests and repetitions")
    args = parser.parse_args()
    rng = random.Random(7)
    catalog = all_actions()
    n = 60 if args.quick else 200

    # 1. 20-statement wildcard policy, requests over its services
    in_scope = [a for a in catalog if a.split(":")[0] in SERVICES]
    compare(
        "20-statement wildcard policy",
        wildcard_policy(),
        requests_for(rng.sample(in_scope, n)),
        2000,
        200,
    )

    # 2. ReadOnlyAccess (about 3,000 action patterns)
    ro = managed("ReadOnlyAccess")
    clear_cache()
    t0 = time.perf_counter()
    compile_policy(ro)
    compile_ms = (time.perf_counter() - t0) * 1000
    print(f"\nReadOnlyAccess compile (parse + matchers, cache cleared): {compile_ms:.1f} ms")
    compare("ReadOnlyAccess", ro, requests_for(rng.sample(catalog, n // 4)), 500, 3)

    # 3. every catalog action against 10 managed policies attached to one principal
    names = [
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
    docs = [managed(x) for x in names]
    clear_cache()
    t0 = time.perf_counter()
    ps = PolicySet(identity=[(x, d) for x, d in zip(names, docs, strict=True)])
    build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    allowed = sum(ps.evaluate(Request(PRINCIPAL, a, "*")).allowed for a in catalog)
    total_s = time.perf_counter() - t0
    print(
        f"\n{len(catalog)} catalog actions x 10 managed policies (one principal): "
        f"{total_s:.3f} s total ({total_s / len(catalog) * 1e6:.1f} µs/decision, cold), "
        f"{allowed} allowed; compile of the 10: {build_s * 1000:.0f} ms"
    )
    t0 = time.perf_counter()
    for doc in docs:
        single = PolicySet(identity=[doc])
        for a in catalog:
            single.evaluate(Request(PRINCIPAL, a, "*"))
    each_s = time.perf_counter() - t0
    print(
        f"{len(catalog)} actions x each of the 10 policies separately "
        f"({len(catalog) * 10} decisions): {each_s:.3f} s"
    )
    sample = rng.sample(catalog, 30 if args.quick else 100)
    moto_policies = [IAMPolicy(json.dumps(d)) for d in docs]
    t0 = time.perf_counter()
    for a in sample:
        for mp in moto_policies:
            mp.is_action_permitted(a, "*")
    moto_est = (time.perf_counter() - t0) / len(sample) * len(catalog)
    print(f"moto, same 10 policies, extrapolated from {len(sample)} actions: {moto_est:.0f} s")

    # 4. wildcard matching on pathological input
    pathological(args.quick)


def pathological(quick: bool) -> None:
    """A resource glob with three wildcards against n characters that almost match."""
    glob = "*a*a*b"
    backtracking = re.compile(r"arn:aws:s3:::.*a.*a.*b", re.DOTALL)
    ps = PolicySet(
        identity=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"arn:aws:s3:::{glob}",
                    }
                ],
            }
        ]
    )
    print(f"\nResource arn:aws:s3:::{glob} against arn:aws:s3:::aaaa... (no match):")
    for n in (250, 500) if quick else (250, 500, 1000):
        resource = "arn:aws:s3:::" + "a" * n
        req = Request(PRINCIPAL, "s3:GetObject", resource, resource_account="123456789012")
        assert not ps.evaluate(req).allowed
        ours = per_call_ns(lambda req=req: ps.evaluate(req), 200) / 1e6
        t0 = time.perf_counter()
        assert backtracking.fullmatch(resource) is None
        theirs = (time.perf_counter() - t0) * 1000
        print(
            f"  n={n:5}: awsconn {ours:8.3f} ms   backtracking regex {theirs:9.1f} ms"
            f"   ({theirs / ours:,.0f}x)"
        )
    long = "arn:aws:s3:::" + "a" * 10_000
    evil = PolicySet(
        identity=[
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::" + "*a" * 50 + "*b",
                    }
                ],
            }
        ]
    )
    t0 = time.perf_counter()
    evil.evaluate(Request(PRINCIPAL, "s3:GetObject", long, resource_account="123456789012"))
    print(
        f"  50 wildcards, 10 kB resource: awsconn {(time.perf_counter() - t0) * 1000:.2f} ms"
        " (the backtracking regex is not run: n^51 steps)"
    )


if __name__ == "__main__":
    main()
