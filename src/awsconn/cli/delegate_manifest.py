"""``awsconn delegate manifest``: the Kubernetes YAML that runs a delegate (to stdout).

A sub-command module of the ``delegate`` noun: :func:`register` adds ``manifest`` to the
noun's Typer app (``cli/app.py`` calls it when ``delegate`` is invoked, through
``SUBCOMMANDS``). What the objects are is ``service/manifests.py``; here the options, the
token and the manager's URL.

The token: ``--token``, or else a fresh delegate token made for this manifest (on the
server this CLI is logged in to, or the local store; an admin's work) once every other
setting is right; it is written into the Secret and nowhere else (its name goes to
stderr, to revoke it later). The manager's URL: ``--manager-url``, else the server this
CLI is logged in to.
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


def _script_problem(message: str, path: str) -> Exception:
    from awsconn.errors import Problem, ValidationFailed

    return ValidationFailed([Problem("initScript", message, given=path)], what="delegate manifest")


def _read_script(path: str) -> str:
    """The init script's text: a readable UTF-8 file a ConfigMap holds (checked by the
    service too; reading stops one byte past the limit)."""
    from pathlib import Path

    from awsconn.cli.common import read_bounded

    try:
        with Path(path).open("rb") as stream:
            data = read_bounded(stream, _MAX_SCRIPT_BYTES)
    except FileNotFoundError:
        raise _script_problem("is not a file that exists", path) from None
    except IsADirectoryError:
        raise _script_problem("is a directory, not a script", path) from None
    except OSError as exc:
        raise _script_problem(f"cannot be read: {exc.strerror or exc}", path) from None
    if len(data) > _MAX_SCRIPT_BYTES:
        raise _script_problem(
            f"is larger than a ConfigMap holds ({_MAX_SCRIPT_BYTES} bytes)", path
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise _script_problem("is not UTF-8 text", path) from None


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
        "--manager-url",
        "--manager",
        metavar="URL",
        help="The awsconn server's URL as the pods reach it (default: the server this CLI "
        "is logged in to).",
    ),
    token: str | None = typer.Option(
        None,
        "--token",
        metavar="TOKEN",
        help="The delegate token the pods use (default: a fresh one, made by an admin's "
        "token on the server or the local store); written into the Secret only.",
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
    from awsconn.cli.backend import backend, remote_of
    from awsconn.model.clock import utc_now
    from awsconn.service.manifests import (
        DEFAULT_IMAGE,
        check_request,
        fresh_token_name,
        manifest_yaml,
        with_token,
    )

    script = _read_script(init_script) if init_script is not None else None
    remote = remote_of()
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
        token_to_come=token is None,
    )
    if token is None:
        issued = backend().create_delegate_token(
            name=fresh_token_name(request.name, utc_now()), expires="never"
        )
        request = with_token(request, issued.token)
        sys.stderr.write(
            f"made delegate token {issued.info.name!r} for these pods "
            f"(revoke: awsconn delegate token revoke {issued.info.name!r})\n"
        )
    sys.stdout.write(manifest_yaml(request))
