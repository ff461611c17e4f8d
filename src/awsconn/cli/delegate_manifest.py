"""``awsconn delegate manifest``: the Kubernetes YAML that runs a delegate (to stdout).

A sub-command module of the ``delegate`` noun: :func:`register` adds ``manifest`` to the
noun's Typer app (``cli/app.py`` calls it when ``delegate`` is invoked). What the objects
are is ``service/manifests.py``; here the options, the token and the manager's URL.

The token: ``--token``, or a fresh delegate token made now (named ``--token-name``,
default the delegate's name) on the store or server this CLI uses, as an admin. The
manager's URL: ``--manager``, else the server this CLI is logged in to.
"""

from __future__ import annotations

import sys

import typer

__all__ = ["manifest", "register"]

_MAX_SCRIPT_BYTES = 1_000_000


def register(app: typer.Typer) -> None:
    """Add ``manifest`` to the ``delegate`` noun's app (once, however often the CLI is
    built in one process)."""
    if not any(c.callback is manifest for c in app.registered_commands):
        app.command("manifest")(manifest)


def _read_script(path: str) -> str:
    from pathlib import Path

    from awsconn.cli.common import read_bounded
    from awsconn.errors import InvalidInput

    try:
        with Path(path).open("rb") as stream:
            data = read_bounded(stream, _MAX_SCRIPT_BYTES)
    except FileNotFoundError:
        raise InvalidInput(f"init script not found: {path}") from None
    except IsADirectoryError:
        raise InvalidInput(f"cannot read the init script {path}: it is a directory") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the init script {path}: {exc.strerror or exc}") from None
    if len(data) > _MAX_SCRIPT_BYTES:  # the service says so too; this stops the reading
        raise InvalidInput(
            f"the init script {path} is larger than {_MAX_SCRIPT_BYTES} bytes, "
            "more than a ConfigMap holds",
            hint="install from a script the init script downloads, or build an image FROM "
            "the delegate's with the tools in it",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(f"cannot read the init script {path}: it is not UTF-8 text") from None


def _tags(raw: list[str]) -> list[str]:
    return [t.strip() for item in raw for t in item.split(",") if t.strip()]


def manifest(
    name: str = typer.Option(
        ..., "--name", metavar="NAME", help="The delegate's name (its Kubernetes objects too)."
    ),
    tags: list[str] = typer.Option(
        [],
        "--tags",
        metavar="TAGS",
        help="Its tags, comma-separated or repeated (connectors' delegateSelectors).",
    ),
    manager: str | None = typer.Option(
        None,
        "--manager",
        metavar="URL",
        help="The awsconn server's URL as the pods reach it (default: the server this CLI "
        "is logged in to).",
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        metavar="TOKEN",
        help="A delegate token (default: make a fresh one now; needs token:admin).",
    ),
    token_name: str | None = typer.Option(
        None,
        "--token-name",
        metavar="NAME",
        help="The name of the fresh token (default: the delegate's name).",
    ),
    irsa_role_arn: str | None = typer.Option(
        None,
        "--irsa-role-arn",
        metavar="ARN",
        help="An IAM role for the pods (IRSA: the ServiceAccount's eks.amazonaws.com/role-arn).",
    ),
    init_script: str | None = typer.Option(
        None,
        "--init-script",
        metavar="FILE",
        help="A script run before the delegate takes work (in a ConfigMap).",
    ),
    replicas: int = typer.Option(2, "--replicas", metavar="N", help="Pods (1-100)."),
    namespace: str = typer.Option(
        "awsconn", "--namespace", metavar="NAMESPACE", help="The namespace of every object."
    ),
    image: str | None = typer.Option(
        None,
        "--image",
        metavar="IMAGE",
        help="The delegate image (default: awsconn-delegate:VERSION, the repository's Dockerfile).",
    ),
    cluster_role: str | None = typer.Option(
        None,
        "--cluster-role",
        metavar="ROLE",
        help="Also bind this ClusterRole (e.g. cluster-admin) to the delegate's "
        "ServiceAccount, for tools that deploy to the cluster.",
    ),
    cpu: str = typer.Option("250m", "--cpu", metavar="CPU", help="CPU requested per pod."),
    memory: str = typer.Option(
        "512Mi", "--memory", metavar="MEMORY", help="Memory requested and the limit per pod."
    ),
) -> None:
    """Print the Kubernetes YAML that runs a delegate: Namespace, ServiceAccount (with the
    IRSA annotation when asked), RBAC, the token's Secret, the init script's ConfigMap and
    a StatefulSet running `awsconn delegate run`. Apply it with kubectl apply -f."""
    from dataclasses import replace

    from awsconn.cli.backend import remote_of
    from awsconn.service.manifests import DEFAULT_IMAGE, check_request, manifest_yaml

    script = _read_script(init_script) if init_script is not None else None
    remote = remote_of()
    # every problem of the request first: a token is made only for a manifest that is good
    request = check_request(
        name=name,
        tags=_tags(tags),
        manager=manager or (remote.url if remote is not None else ""),
        token=token,
        namespace=namespace,
        image=image or DEFAULT_IMAGE,
        replicas=replicas,
        irsa_role_arn=irsa_role_arn,
        init_script=script,
        cluster_role=cluster_role,
        cpu=cpu,
        memory=memory,
    )
    if token is None:
        request = replace(request, token=_fresh_token(token_name or request.name))
    sys.stdout.write(manifest_yaml(request))


def _fresh_token(name: str) -> str:
    """A new delegate token named ``name`` on this CLI's store or server."""
    from awsconn.cli.backend import backend

    issued = backend().create_delegate_token(name=name, expires="never")
    sys.stderr.write(
        f"delegate token {issued.info.name!r} created; it is in the manifest's Secret only: "
        "keep the YAML as you keep passwords\n"
    )
    return issued.token
