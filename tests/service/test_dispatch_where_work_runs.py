"""One dispatch seam decides where a connector's work runs, honouring executeOnDelegate.

The rule (``service.dispatch.where_runs``) on its own, then the four uses of a
connector's identity through it, in a CLI and in a server process, on a real store
and the local moto server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from awsconn.aws.local_endpoint import LocalAwsEndpoint, allow_policy
from awsconn.errors import DelegateUnavailable, InvalidInput
from awsconn.model import Connector, parse_connector_document, parse_ref
from awsconn.secrets.store import SecretStore
from awsconn.service import connection, connectivity, connectors, secrets
from awsconn.service.connector_permissions import check_connector
from awsconn.service.context import AppContext, Runtime
from awsconn.service.dispatch import where_runs
from awsconn.service.refusals import NeedsDelegate

NONE: frozenset[str] = frozenset()


def _connector(kind: str, selectors: list[str], execute_on_delegate: bool = True) -> Connector:
    credential: dict[str, Any] = {"type": kind, "region": "us-east-1"}
    if kind == "ManualConfig":
        credential["spec"] = {"accessKey": "AKIAIOSFODNN7EXAMPLE", "secretKeyRef": "sk"}
    spec = {
        "credential": credential,
        "delegateSelectors": selectors,
        "executeOnDelegate": execute_on_delegate,
    }
    return parse_connector_document(
        {"connector": {"name": "c", "identifier": "c", "type": "Aws", "spec": spec}}
    )


# -- the rule --------------------------------------------------------------------------


@pytest.mark.parametrize("runs_as", ["cli", "server"])
def test_keys_that_need_no_delegate_run_where_awsconn_runs(runs_as: Any) -> None:
    where = where_runs(
        _connector("ManualConfig", ["gpu"], execute_on_delegate=False),
        runs_as=runs_as,
        tags=NONE,
        here=False,
    )
    assert where.runs_here and "executeOnDelegate: false" in where.reason


def test_in_the_cli_keys_on_a_delegate_run_where_its_tags_cover_the_selectors() -> None:
    anywhere = where_runs(_connector("ManualConfig", []), runs_as="cli", tags=NONE, here=False)
    assert anywhere.runs_here  # no selectors: any delegate, the CLI too
    tagged = _connector("ManualConfig", ["gpu"])
    assert where_runs(tagged, runs_as="cli", tags=frozenset({"gpu", "x"}), here=False).runs_here
    refused = where_runs(tagged, runs_as="cli", tags=NONE, here=False)
    assert not refused.runs_here and refused.overridable
    assert "executeOnDelegate: true" in refused.reason and "lacks gpu" in refused.reason
    forced = where_runs(tagged, runs_as="cli", tags=NONE, here=True)
    assert forced.runs_here and forced.missing == ("gpu",)
    assert "local-identity override" in forced.reason


@pytest.mark.parametrize("kind", ["InheritFromDelegate", "Irsa"])
def test_a_delegates_own_identity_runs_only_on_a_delegate_with_the_selectors(kind: str) -> None:
    c = _connector(kind, ["eks"])
    assert where_runs(c, runs_as="cli", tags=frozenset({"eks"}), here=False).runs_here
    refused = where_runs(c, runs_as="cli", tags=NONE, here=False)
    assert not refused.runs_here and f"uses {kind}" in refused.reason
    assert where_runs(c, runs_as="cli", tags=NONE, here=True).runs_here


@pytest.mark.parametrize(
    ("kind", "selectors"),
    [("ManualConfig", []), ("ManualConfig", ["gpu"]), ("InheritFromDelegate", ["eks"])],
)
def test_a_server_sends_work_that_needs_a_delegate_as_a_task(
    kind: str, selectors: list[str]
) -> None:
    where = where_runs(_connector(kind, selectors), runs_as="server", tags=NONE, here=False)
    assert not where.runs_here and not where.overridable and where.via_task
    assert "sends it to a connected delegate as a task" in where.reason
    for selector in selectors:
        assert selector in where.reason
    with pytest.raises(NeedsDelegate) as info:
        where.require()
    assert info.value.code == "DELEGATE_UNAVAILABLE" and info.value.selectors == tuple(selectors)


# -- the uses of an identity, through the seam ------------------------------------------

DOC = (
    "connector:\n  name: {id}\n  identifier: {id}\n  type: Aws\n  spec:\n    credential:\n"
    "      type: ManualConfig\n      spec:\n        accessKey: {key}\n"
    "        secretKeyRef: sk\n      region: us-east-1\n"
    "    delegateSelectors: [{selectors}]\n    executeOnDelegate: {on_delegate}\n"
)


def _store(
    aws_env: dict[str, str], tmp_path: Path, key: str, *, secret: str = "not-a-real-secret"
) -> dict[str, str]:
    environ = {**aws_env, "AWSCONN_HOME": str(tmp_path / "home")}
    setup = AppContext(environ=environ)
    secrets.create(setup, parse_ref("sk"), secret.encode())
    text = DOC.format(id="on_delegate", key=key, selectors="gpu", on_delegate="true")
    text += "---\n" + DOC.format(id="here", key=key, selectors="gpu", on_delegate="false")
    connectors.apply_yaml(setup, text, mode="import")
    return environ


USES = {
    "test": lambda ctx, ref: connectivity.run_connector_test(ctx, ref, timeout_s=5),
    "regions": lambda ctx, ref: connectivity.list_regions(ctx, ref, timeout_s=5),
    "credentials": lambda ctx, ref: connection.credential_process_output(ctx, ref),
    "exec": lambda ctx, ref: connection.exec_environment(ctx, ref, {}),
    "permission check": lambda ctx, ref: check_connector(ctx, ref, ["describe-regions"]),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("use", list(USES))
def test_on_a_server_with_no_delegate_work_that_needs_one_is_refused_at_once_decrypting_nothing(
    aws_env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use: str
) -> None:
    environ = _store(aws_env, tmp_path, "AKIAIOSFODNN7EXAMPLE")
    server = AppContext(runtime=Runtime(environ, runs_as="server"))
    revealed: list[str] = []
    real = SecretStore.reveal

    def counted(self: SecretStore, **kwargs: Any) -> Any:
        revealed.append(kwargs["identifier"])
        return real(self, **kwargs)

    monkeypatch.setattr(SecretStore, "reveal", counted)
    if use == "test":  # a connection test answers FAILURE with the error, as Harness does
        outcome = USES[use](server, parse_ref("on_delegate"))
        [failure] = outcome.errors
        code, message = failure.code, failure.message
    else:
        with pytest.raises(DelegateUnavailable) as info:
            USES[use](server, parse_ref("on_delegate"))
        code, message = info.value.code, info.value.message
    assert code == "DELEGATE_UNAVAILABLE"
    assert "delegateSelectors: gpu" in message and "no delegate is connected" in message
    assert revealed == []
    assert connectors.history(server, parse_ref("on_delegate")) == []


def test_on_a_server_keys_that_need_no_delegate_are_tested_in_the_server(
    aws_env: dict[str, str], moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    environ = _store(aws_env, tmp_path, keys.access_key_id, secret=keys.secret_access_key)
    server = AppContext(runtime=Runtime(environ, runs_as="server"))
    assert connectivity.run_connector_test(server, parse_ref("here")).status == "SUCCESS"
    outcomes = {o.connector: o for o in connectivity.run_all_tests(server)}
    assert outcomes["here"].status == "SUCCESS"
    skipped = outcomes["on_delegate"]
    assert skipped.status == "SKIPPED" and not skipped.ok
    assert skipped.errors is not None and skipped.errors[0].code == "DELEGATE_UNAVAILABLE"
    with pytest.raises(InvalidInput, match="local-identity override"):
        connectivity.run_connector_test(server, parse_ref("here"), here=True)


def test_in_the_cli_executeondelegate_is_honoured_and_the_tags_or_here_let_it_run(
    aws_env: dict[str, str], moto_auth: LocalAwsEndpoint, unique_name: str, tmp_path: Path
) -> None:
    keys = moto_auth.create_user(unique_name, allow_policy("ec2:DescribeRegions"))
    assert keys is not None
    environ = _store(aws_env, tmp_path, keys.access_key_id, secret=keys.secret_access_key)
    untagged = AppContext(environ=environ)
    with pytest.raises(NeedsDelegate) as info:
        connectivity.run_connector_test(untagged, parse_ref("on_delegate"))
    assert info.value.overridable and info.value.missing == ("gpu",)
    forced = connectivity.run_connector_test(untagged, parse_ref("on_delegate"), here=True)
    assert forced.status == "SUCCESS" and forced.ran_here_despite_selectors == ["gpu"]
    tagged = AppContext(environ={**environ, "AWSCONN_DELEGATE_TAGS": "gpu"})
    outcome = connectivity.run_connector_test(tagged, parse_ref("on_delegate"))
    assert outcome.status == "SUCCESS" and outcome.ran_here_despite_selectors == []
