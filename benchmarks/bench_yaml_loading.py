"""Cost of awsconn's bounded YAML loading against PyYAML's own safe loader.

Baseline, same run, same text: ``yaml.load_all(text, Loader=yaml.SafeLoader)`` (pure
Python, as awsconn's loader is). Measures the canonical export of many connectors (load,
then parse), and how fast hostile inputs are refused (the baseline never finishes an
alias bomb: it is not run on one).

Usage: .venv/bin/python benchmarks/bench_yaml_loading.py [--connectors 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import yaml

from awsconn.errors import ValidationFailed
from awsconn.model import dump_connectors_yaml, load_yaml_documents, parse_connector_document


def _median_s(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _export(count: int) -> str:
    doc = {
        "connector": {
            "name": "n",
            "identifier": "c",
            "description": "deploys things",
            "orgIdentifier": "default",
            "projectIdentifier": "web",
            "tags": {"team": "payments", "env": "prod"},
            "type": "Aws",
            "spec": {
                "credential": {
                    "crossAccountAccess": {
                        "crossAccountRoleArn": "arn:aws:iam::123456789012:role/deploy",
                        "externalId": "ext-123",
                    },
                    "type": "ManualConfig",
                    "spec": {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKeyRef": "account.sk"},
                    "region": "us-east-1",
                },
                "delegateSelectors": ["a"],
                "executeOnDelegate": True,
            },
        }
    }
    connectors = []
    for i in range(count):
        doc["connector"]["identifier"] = f"c{i}"
        doc["connector"]["name"] = f"connector {i}"
        connectors.append(parse_connector_document(doc))
    return dump_connectors_yaml(connectors)


def _refusal_s(text: str) -> float:
    start = time.perf_counter()
    try:
        load_yaml_documents(text)
    except ValidationFailed:
        return time.perf_counter() - start
    raise AssertionError("not refused")


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--connectors", type=int, default=1000)
    args.add_argument("--runs", type=int, default=5)
    opts = args.parse_args()

    text = _export(opts.connectors)
    base = _median_s(lambda: list(yaml.load_all(text, Loader=yaml.SafeLoader)), opts.runs)
    ours = _median_s(lambda: load_yaml_documents(text), opts.runs)
    docs = load_yaml_documents(text)
    parse = _median_s(lambda: [parse_connector_document(d) for d in docs], opts.runs)
    print(f"canonical export of {opts.connectors} connectors ({len(text):,} bytes)")
    print(f"  yaml.SafeLoader (baseline): {base * 1000:8.1f} ms")
    print(f"  awsconn load_yaml_documents: {ours * 1000:7.1f} ms  ({ours / base:.2f}x baseline)")
    print(f"  parse_connector_document x{opts.connectors}: {parse * 1000:6.1f} ms")

    laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        laughs.append(f"b{i}: &b{i} [" + ",".join(["*a" if i == 1 else f"*b{i - 1}"] * 9) + "]")
    hostile = {
        "alias bomb (9**9 nodes, 500 bytes)": "\n".join(laughs) + "\n",
        "nesting 100,000 deep": "a: " + "[" * 100_000 + "]" * 100_000,
        "flow list of 1,000,000 items (2 MB)": "a: [" + "1," * 999_999 + "1]",
    }
    for name, hostile_text in hostile.items():
        print(f"  refused: {name}: {_refusal_s(hostile_text) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
