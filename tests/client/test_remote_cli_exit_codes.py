"""Against a server the CLI exits as it does on a local store: the server's 401, 403, 404,
409 and 400 are UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT and VALIDATION_FAILED,
exit 2, with the service's message; a server that cannot be reached is exit 1. What the
server's API cannot do is refused before any request, naming the option (exit 2)."""

from __future__ import annotations

import json

import pytest
from client_fixtures import Runner, connector_doc

from api_fixtures import ApiServer


@pytest.fixture
def viewer_token(api_server: ApiServer) -> str:
    return api_server.make_token("viewer")


def _error(out: str) -> dict[str, str]:
    error: dict[str, str] = json.loads(out)["error"]
    return error


def test_an_unknown_token_is_exit_2_unauthenticated_and_never_echoed(remote_cli: Runner) -> None:
    token = "awsc_" + "Z" * 43
    r = remote_cli("connector", "list", "-o", "json", token=token)
    assert r.code == 2
    assert _error(r.out)["code"] == "UNAUTHENTICATED"
    assert "no valid API token was presented" in r.err
    assert token not in r.text and "ZZZZZZZZ" not in r.text


def test_a_role_without_the_permission_is_exit_2_forbidden(
    remote_cli: Runner, viewer_token: str, unique_name: str
) -> None:
    doc = json.dumps(connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", "sk"))
    r = remote_cli("connector", "create", "-f", "-", input=doc, token=viewer_token)
    assert r.code == 2 and "error [FORBIDDEN]" in r.err
    r = remote_cli("secret", "create", unique_name, input="v", token=viewer_token)
    assert r.code == 2 and "error [FORBIDDEN]" in r.err


def test_not_found_conflict_and_bad_input_say_what_the_local_store_says(
    remote_cli: Runner, server_cli: Runner, unique_name: str
) -> None:
    doc = json.dumps(connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", f"{unique_name}_sk"))
    assert remote_cli("secret", "create", f"{unique_name}_sk", input="v").code == 0
    assert remote_cli("connector", "create", "-f", "-", input=doc).code == 0
    cases = [
        (("connector", "get", f"{unique_name}_absent", "-o", "json"), None, "NOT_FOUND"),
        (("connector", "create", "-f", "-", "-o", "json"), doc, "CONFLICT"),
        (("connector", "history", unique_name, "--limit", "0"), None, None),  # Typer's own
        (("secret", "delete", f"{unique_name}_sk", "--yes"), None, None),  # in use: CONFLICT
        (("connector", "get", "a/b/c/d", "-o", "json"), None, "VALIDATION_FAILED"),
        (("connector", "list", "--type", "Oidc", "-o", "json"), None, "VALIDATION_FAILED"),
        (("connector", "list", "--org", "bad org", "-o", "json"), None, "VALIDATION_FAILED"),
        (("secret", "create", "bad id"), "v", None),  # VALIDATION_FAILED: the identifier
    ]
    for argv, given, code in cases:
        remote, local = remote_cli(*argv, input=given), server_cli(*argv, input=given)
        assert (remote.code, remote.out, remote.err) == (local.code, local.out, local.err), argv
        assert remote.code == 2, argv
        if code is not None:
            assert _error(remote.out)["code"] == code, argv
    used = remote_cli("secret", "delete", f"{unique_name}_sk", "--yes")
    assert "pass --force" in used.err  # the CLI's words for the service's refusal


def test_a_server_that_cannot_be_reached_is_exit_1_naming_it(
    cli_at: Runner, unique_name: str
) -> None:
    from api_fixtures import free_port

    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    for argv in (("connector", "list"), ("credentials", unique_name)):
        r = cli_at(url, *argv)
        assert r.code == 1, r.text
        assert f"error [STORE_UNAVAILABLE]: cannot reach the awsconn server at {url}" in r.err


@pytest.mark.parametrize(
    ("argv", "given", "named"),
    [
        (("connector", "test", "x", "--here"), None, "--here"),
        (("connector", "regions", "x", "--here"), None, "--here"),
        (("permissions", "check", "x", "--for", "s3-read", "--here"), None, "--here"),
        (("credentials", "x", "--here"), None, "--here"),
        (("exec", "x", "--here", "--", "true"), None, "--here"),
    ],
)
def test_what_the_api_cannot_do_is_refused_naming_the_option(
    remote_cli: Runner,
    api_server: ApiServer,
    unique_name: str,
    argv: tuple[str, ...],
    given: str | None,
    named: str,
) -> None:
    doc = json.dumps(connector_doc(unique_name, "AKIAIOSFODNN7EXAMPLE", "sk"))
    text = given.replace("DOC", doc).replace("---", "\n---\n") if given else None
    r = remote_cli(*argv, input=text)
    assert r.code == 2, r.text
    assert named in r.err and api_server.url in r.err
    assert "Traceback" not in r.text
