"""spec beyond the credential: delegate selectors, executeOnDelegate, SDK backoff, capabilities."""

from __future__ import annotations

from typing import Any

import pytest
from model_documents import inherit_doc, irsa_doc, manual_doc, problem_paths, problems, set_path

from awsconn.model import BackoffStrategy, parse_connector_document

SELECTORS = "spec.delegateSelectors"
EXECUTE = "spec.executeOnDelegate"
BACKOFF = "spec.awsSdkClientBackOffStrategyOverride"

# --- delegateSelectors ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [inherit_doc, irsa_doc])
@pytest.mark.parametrize("value", ["<missing>", None, []])
def test_delegate_identity_needs_selectors(make: Any, value: Any) -> None:
    doc = make()
    if value == "<missing>":
        del doc["connector"]["spec"]["delegateSelectors"]
    else:
        set_path(doc, SELECTORS, value)
    [problem] = problems(doc)
    assert problem.path == SELECTORS
    assert "is required" in problem.message
    assert problem.allowed == "a non-empty list of delegate tags"


def test_manual_config_needs_no_selectors() -> None:
    assert parse_connector_document(manual_doc()).delegate_selectors == ()


def test_selectors_are_trimmed_deduplicated_and_sorted() -> None:
    doc = set_path(irsa_doc(), SELECTORS, ["zeta", " alpha ", "zeta", "alpha", "mid"])
    assert parse_connector_document(doc).delegate_selectors == ("alpha", "mid", "zeta")


@pytest.mark.parametrize(
    ("value", "paths"),
    [
        ("eks-delegate", [SELECTORS]),
        ({"a": 1}, [SELECTORS]),
        (["ok", ""], [f"{SELECTORS}[1]"]),
        (["ok", "  ", ["nested"]], [f"{SELECTORS}[1]", f"{SELECTORS}[2]"]),
    ],
)
def test_bad_selectors_are_reported_by_index(value: Any, paths: list[str]) -> None:
    doc = set_path(manual_doc(), SELECTORS, value)
    assert problem_paths(doc) == paths


# --- executeOnDelegate ----------------------------------------------------------------------


@pytest.mark.parametrize("make", [manual_doc, inherit_doc, irsa_doc])
def test_execute_on_delegate_defaults_to_true(make: Any) -> None:
    assert parse_connector_document(make()).execute_on_delegate is True


def test_execute_on_delegate_null_means_the_default() -> None:
    doc = set_path(irsa_doc(), EXECUTE, None)
    assert parse_connector_document(doc).execute_on_delegate is True


def test_manual_config_may_run_on_the_platform() -> None:
    doc = set_path(manual_doc(), EXECUTE, False)
    assert parse_connector_document(doc).execute_on_delegate is False


@pytest.mark.parametrize("make", [inherit_doc, irsa_doc])
def test_delegate_identity_must_execute_on_delegate(make: Any) -> None:
    [problem] = problems(set_path(make(), EXECUTE, False))
    assert problem.path == EXECUTE
    assert problem.given is False
    assert problem.allowed == "false only with ManualConfig or OidcAuthentication"


@pytest.mark.parametrize("value", ["false", "no way", 0, 1, [True]])
def test_execute_on_delegate_must_be_a_boolean(value: Any) -> None:
    [problem] = problems(set_path(manual_doc(), EXECUTE, value))
    assert (problem.path, problem.message, problem.given) == (
        EXECUTE,
        "must be true or false",
        repr(value) if isinstance(value, list) else value,
    )


# --- awsSdkClientBackOffStrategyOverride ----------------------------------------------------


@pytest.mark.parametrize(
    ("block", "strategy"),
    [
        (
            {"type": "FixedDelayBackoffStrategy", "spec": {"fixedBackoff": 500, "retryCount": 3}},
            BackoffStrategy("FixedDelayBackoffStrategy", 3, fixed_backoff=500),
        ),
        (
            {
                "type": "EqualJitterBackoffStrategy",
                "spec": {"baseDelay": 100, "maxBackoffTime": 20000, "retryCount": 5},
            },
            BackoffStrategy(
                "EqualJitterBackoffStrategy", 5, base_delay=100, max_backoff_time=20000
            ),
        ),
        (
            {
                "type": "FullJitterBackoffStrategy",
                "spec": {"baseDelay": 0, "maxBackoffTime": 0, "retryCount": 0},
            },
            BackoffStrategy("FullJitterBackoffStrategy", 0, base_delay=0, max_backoff_time=0),
        ),
        (
            {  # numbers written as strings are accepted
                "type": "FixedDelayBackoffStrategy",
                "spec": {"fixedBackoff": "3600000", "retryCount": "100"},
            },
            BackoffStrategy("FixedDelayBackoffStrategy", 100, fixed_backoff=3_600_000),
        ),
    ],
)
def test_backoff_strategies(block: dict[str, Any], strategy: BackoffStrategy) -> None:
    doc = set_path(manual_doc(), BACKOFF, block)
    assert parse_connector_document(doc).backoff == strategy


def test_backoff_is_optional() -> None:
    assert parse_connector_document(manual_doc()).backoff is None


def test_unknown_backoff_type() -> None:
    doc = set_path(manual_doc(), BACKOFF, {"type": "ExponentialBackoff", "spec": {}})
    [problem] = problems(doc)
    assert problem.path == f"{BACKOFF}.type"
    assert problem.given == "ExponentialBackoff"
    assert problem.allowed == (
        "FixedDelayBackoffStrategy, EqualJitterBackoffStrategy, FullJitterBackoffStrategy"
    )


@pytest.mark.parametrize(
    ("kind", "spec", "paths"),
    [
        # fields of the other kind are unknown fields, and the own fields stay required
        (
            "FixedDelayBackoffStrategy",
            {"baseDelay": 1, "retryCount": 1},
            [f"{BACKOFF}.spec.baseDelay", f"{BACKOFF}.spec.fixedBackoff"],
        ),
        (
            "FullJitterBackoffStrategy",
            {"fixedBackoff": 1, "baseDelay": 1, "maxBackoffTime": 2, "retryCount": 1},
            [f"{BACKOFF}.spec.fixedBackoff"],
        ),
        (
            "EqualJitterBackoffStrategy",
            {"retryCount": 1},
            [f"{BACKOFF}.spec.baseDelay", f"{BACKOFF}.spec.maxBackoffTime"],
        ),
    ],
)
def test_backoff_fields_follow_the_kind(kind: str, spec: dict[str, Any], paths: list[str]) -> None:
    doc = set_path(manual_doc(), BACKOFF, {"type": kind, "spec": spec})
    assert problem_paths(doc) == paths


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("fixedBackoff", -1, "is out of range"),
        ("fixedBackoff", 3_600_001, "is out of range"),
        ("retryCount", 101, "is out of range"),
        ("retryCount", "-2", "is out of range"),
        ("retryCount", 1.5, "must be an integer"),
        ("retryCount", True, "must be an integer"),
        ("fixedBackoff", "soon", "must be an integer"),
    ],
)
def test_backoff_numbers_are_checked(key: str, value: Any, message: str) -> None:
    spec = {"fixedBackoff": 10, "retryCount": 3, key: value}
    doc = set_path(manual_doc(), BACKOFF, {"type": "FixedDelayBackoffStrategy", "spec": spec})
    [problem] = problems(doc)
    assert (problem.path, problem.message, problem.given) == (
        f"{BACKOFF}.spec.{key}",
        message,
        value if message == "must be an integer" else int(value),
    )


def test_base_delay_may_not_exceed_max_backoff_time() -> None:
    spec = {"baseDelay": 500, "maxBackoffTime": 100, "retryCount": 3}
    doc = set_path(manual_doc(), BACKOFF, {"type": "FullJitterBackoffStrategy", "spec": spec})
    [problem] = problems(doc)
    assert problem.path == f"{BACKOFF}.spec.baseDelay"


def test_backoff_spec_is_required() -> None:
    doc = set_path(manual_doc(), BACKOFF, {"type": "FixedDelayBackoffStrategy"})
    paths = problem_paths(doc)
    assert paths[0] == f"{BACKOFF}.spec"


# --- capabilities ---------------------------------------------------------------------------


def test_capabilities_are_kept_in_order_without_duplicates() -> None:
    doc = set_path(manual_doc(), "spec.capabilities", ["s3-read", "ecr-pull", "s3-read"])
    assert parse_connector_document(doc).capabilities == ("s3-read", "ecr-pull")


@pytest.mark.parametrize(
    ("value", "paths"),
    [
        ("s3-read", ["spec.capabilities"]),
        (["S3-Read"], ["spec.capabilities[0]"]),
        (["ok", "s3_read", ""], ["spec.capabilities[1]", "spec.capabilities[2]"]),
    ],
)
def test_bad_capabilities(value: Any, paths: list[str]) -> None:
    assert problem_paths(set_path(manual_doc(), "spec.capabilities", value)) == paths
