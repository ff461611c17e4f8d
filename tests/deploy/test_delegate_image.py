"""The delegate image (``Dockerfile``): the build context holds what the build copies and
nothing private; where ``docker`` and its daemon answer, the image builds, runs as the
non-root user the manifest names, and its entry point is ``awsconn delegate run`` with the
awsconn of this tree installed (skipped with the reason otherwise)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from awsconn import __version__
from awsconn.service.manifests import DEFAULT_IMAGE, RUN_AS

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()


def _ignored() -> set[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def test_the_build_context_has_what_the_build_copies_and_nothing_private() -> None:
    copied = set()
    for line in DOCKERFILE.splitlines():
        match = re.match(r"^COPY (?!--from)(.+) \S+$", line)
        if match:
            copied.update(match.group(1).split())
    assert copied == {"pyproject.toml", "README.md", "src"}
    ignored = _ignored()
    assert not copied & ignored
    assert all((REPO / path).exists() for path in copied)
    # a developer's checkout: a virtualenv, git objects, local stores stay out of the context
    assert {".git", ".venv", ".cache", "tests"} <= ignored


def test_the_default_image_is_named_for_this_version() -> None:
    assert f"awsconn-delegate:{__version__}" == DEFAULT_IMAGE
    assert f"docker build -t {DEFAULT_IMAGE} ." in DOCKERFILE  # the build the docs show


def _docker_or_skip() -> str:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed here: the image cannot be built")
    info = subprocess.run(
        [docker, "info", "--format", "{{.ServerVersion}}"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if info.returncode != 0:
        reason = (info.stderr.strip().splitlines() or ["no answer"])[-1]
        pytest.skip(f"docker's daemon does not answer ({reason}): the image cannot be built")
    return docker


@pytest.fixture(scope="module")
def image() -> Iterator[tuple[str, str]]:
    """The image built from this tree (removed afterwards)."""
    docker = _docker_or_skip()
    tag = f"awsconn-delegate-test:{uuid.uuid4().hex[:12]}"
    built = subprocess.run(
        [docker, "build", "-q", "-t", tag, str(REPO)],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stderr[-4000:]
    try:
        yield docker, tag
    finally:
        subprocess.run([docker, "rmi", "-f", tag], capture_output=True, timeout=300)


@pytest.mark.timeout(2400)
def test_the_image_runs_the_delegate_as_a_user_that_is_not_root(image: tuple[str, str]) -> None:
    docker, tag = image
    inspected = subprocess.run(
        [docker, "image", "inspect", tag], capture_output=True, text=True, timeout=60, check=True
    )
    config = json.loads(inspected.stdout)[0]["Config"]
    assert config["Entrypoint"] == ["awsconn", "delegate", "run"]
    assert config["User"] == f"{RUN_AS}:{RUN_AS}"
    who = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "id", tag],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert who.stdout.strip().startswith(f"uid={RUN_AS}(awsconn) gid={RUN_AS}(awsconn)")
    version = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "awsconn", tag, "--version"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert version.returncode == 0 and __version__ in version.stdout
    # the probe's interpreter is there, and the manifest command of this tree runs
    manifest = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "awsconn", tag, "delegate", "manifest", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert manifest.returncode == 0 and "--irsa-role-arn" in manifest.stdout
    python = subprocess.run(
        [docker, "run", "--rm", "--entrypoint", "python", tag, "-c", "import urllib.request"],
        capture_output=True,
        timeout=120,
    )
    assert python.returncode == 0
    if _agent_on_this_branch():
        agent = subprocess.run(
            [docker, "run", "--rm", tag, "--help"], capture_output=True, text=True, timeout=120
        )
        assert agent.returncode == 0 and "--manager" in agent.stdout


def _agent_on_this_branch() -> bool:
    import typer

    from awsconn.cli.app import build_app

    group = typer.main.get_command(build_app(["delegate"]))
    return "run" in group.commands["delegate"].commands  # type: ignore[attr-defined]
