"""`permissions policy` says on stderr when a parameter left out widens the policy."""

from __future__ import annotations

import json

import pytest

from awsconn.cli import main


def test_policy_without_bucket_notes_that_it_covers_every_bucket(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["permissions", "policy", "--for", "s3-read"]) == 0
    out, err = capsys.readouterr()
    json.loads(out)  # stdout stays pure JSON
    assert "--bucket not given" in err


def test_policy_with_every_parameter_prints_no_note(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["permissions", "policy", "--for", "s3-read", "--bucket", "artifacts"]) == 0
    out, err = capsys.readouterr()
    assert "arn:aws:s3:::artifacts" in out
    assert err == ""
