"""`permissions list --show-seed`: the seed's policies as the seed writes them, marked."""

from __future__ import annotations

import json

import pytest
from cli_fixtures import Runner


def _section(text: str, capability: str) -> str:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(capability + " "))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i] and not lines[i].startswith(" ")),
        len(lines),
    )
    return "\n".join(lines[start:end])


def test_the_seed_policy_reads_as_in_the_seed_with_its_placeholders_listed(cli: Runner) -> None:
    r = cli("permissions", "list", "--show-seed")
    assert r.code == 0, r.text
    assert "${" not in r.out and "\ue000" not in r.out
    write = _section(r.out, "s3-write")
    assert '"arn:aws:s3:::bucket-name/*"' in write
    assert "placeholders:" in write
    assert "    bucket-name -> --bucket" in write
    assert "aws (after arn:) -> the partition of the region" in write
    read = _section(r.out, "s3-read")
    assert "(arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess)" in read
    assert "requires s3:GetObject on arn:aws:s3:::bucket-name/*" in read
    assert "placeholders:" not in _section(r.out, "describe-regions")


def test_on_a_terminal_the_placeholders_are_highlighted(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich treats the output as a terminal
    monkeypatch.delenv("NO_COLOR", raising=False)
    out = cli("permissions", "list", "--show-seed").out
    section = _section(out, "s3-write")
    reverse, end = "\x1b[7m", "\x1b[0m"
    wanted = f'"arn:{reverse}aws{end}:s3:::{reverse}bucket-name{end}/*"'
    assert wanted in section  # one line: not wrapped, either


def test_json_gives_the_seed_document_and_its_placeholders(cli: Runner) -> None:
    caps = {
        c["name"]: c
        for c in json.loads(cli("permissions", "list", "--show-seed", "-o", "json").out)
    }
    seed = caps["s3-read-write"]["seedPolicy"]
    resources = [s["Resource"] for s in seed["document"]["Statement"]]
    assert resources == ["*", ["arn:aws:s3:::bucket-name"], ["arn:aws:s3:::bucket-name/*"]]
    assert seed["placeholders"] == [
        {"text": "aws", "parameter": "partition"},
        {"text": "bucket-name", "parameter": "bucket"},
    ]
    assert "seedPolicy" not in json.loads(cli("permissions", "list", "-o", "json").out)[0]
