"""Kubernetes objects that run a delegate where its AWS identity lives (an EKS cluster,
with IRSA when asked), as the seed's "Use IRSA" section describes Harness's delegate YAML.

:func:`check_request` checks what was asked (every problem at its setting) and
:func:`manifest_documents` builds, in apply order:

- a ``Namespace``;
- a ``ServiceAccount`` the pods run as; with an IRSA role its
  ``eks.amazonaws.com/role-arn`` annotation (EKS then gives the pods ``AWS_ROLE_ARN`` and
  ``AWS_WEB_IDENTITY_TOKEN_FILE``; the delegate reports ``identity:Irsa``);
- RBAC: the delegate itself needs none of the Kubernetes API (the kubelet hands it its
  Secret and ConfigMap), so by default it gets no grant and its pods no API token
  (``automountServiceAccountToken: false``; IRSA's web identity token is EKS's own
  projected volume, not this one). With ``cluster_role``, the seed's
  ``ClusterRoleBinding`` of that ClusterRole (e.g. ``cluster-admin``) to the
  ServiceAccount, and the API token mounted, for tools an init script installs to deploy;
- a ``Secret`` holding the delegate token and the manager's URL;
- with an init script, a ``ConfigMap`` holding it (the seed's ``INIT_SCRIPT``), mounted
  and passed with ``--init-script``;
- a ``StatefulSet`` of ``replicas`` pods running ``awsconn delegate run`` as a non-root
  user, with the options the agent reads: the manager's URL and the token in its
  environment (``AWSCONN_DELEGATE_MANAGER``, ``AWSCONN_DELEGATE_TOKEN``) from the Secret,
  ``--name``, ``--tags`` and ``--init-script``; resources; a readiness probe (the pod
  reaches its manager's ``/readyz``: the server and its store answer), and the grace
  period SIGTERM needs (the agent finishes its running tasks, which end within their
  deadline, then leaves).

The agent has no health endpoint of its own, so there is no liveness probe: the agent
exits when it cannot go on (a failed init script, a refused token) and the container
restarts; a manager out of reach is retried by the agent itself, which a liveness
restart (running the init script again) would not improve.

:func:`manifest_yaml` renders them as one YAML stream (multi-line text in block style).
The token is in the Secret only; it is never part of a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import yaml

from awsconn.model.credentials import ROLE_ARN_PATTERN
from awsconn.model.text_rules import MAX_ROLE_ARN_CHARS, MAX_SELECTOR_CHARS, MAX_TAGS
from awsconn.model.validation import Collector
from awsconn.service.token_values import shaped_like_a_token
from awsconn.version import __version__

__all__ = [
    "CONFIGMAP_LIMIT",
    "DEFAULT_IMAGE",
    "DEFAULT_NAMESPACE",
    "INIT_DIR",
    "MANAGER_ENV",
    "RUN_AS",
    "TOKEN_ENV",
    "ManifestRequest",
    "check_request",
    "fresh_token_name",
    "manifest_documents",
    "manifest_yaml",
    "with_token",
]

DEFAULT_NAMESPACE = "awsconn"
DEFAULT_IMAGE = f"awsconn-delegate:{__version__}"
INIT_DIR = "/etc/awsconn/init"
INIT_FILE = "init.sh"
RUN_AS = 10001
"""The image's user and group (``Dockerfile``)."""
CONFIGMAP_LIMIT = 1_000_000
"""A ConfigMap holds at most 1 MiB; the script and its key must fit."""
MANAGER_ENV = "AWSCONN_DELEGATE_MANAGER"
"""Where ``awsconn delegate run`` reads its manager's URL (its manager option)."""
TOKEN_ENV = "AWSCONN_DELEGATE_TOKEN"
"""Where ``awsconn delegate run`` reads its token (its token option, kept off the command
line other processes can read)."""
GRACE_SECONDS = 150
"""SIGTERM to SIGKILL: a running task ends within its deadline (2 minutes) and then the
agent posts it and leaves."""
_MAX_NAME = 45  # the StatefulSet's name + "-" + revision hash fits a 63-character label
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_DNS_RULE = "lower-case letters, digits and '-', starting and ending with a letter or digit"
_QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?\Z")
_IMAGE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/:@+-]{0,511}\Z")
_TAG_UNSAFE = re.compile(r"[,\s]")
_LABELS = "app.kubernetes.io"


@dataclass(frozen=True)
class ManifestRequest:
    """What the manifest is for; ``token`` is kept out of ``repr``."""

    name: str
    tags: tuple[str, ...]
    manager: str
    token: str = field(repr=False)
    namespace: str = DEFAULT_NAMESPACE
    image: str = DEFAULT_IMAGE
    replicas: int = 2
    irsa_role_arn: str | None = None
    init_script: str | None = field(default=None, repr=False)
    cluster_role: str | None = None
    cpu: str = "250m"
    memory: str = "512Mi"


def _dns_label(c: Collector, value: str | None, path: str, max_length: int) -> None:
    if value is None:
        return
    if len(value) > max_length or not _DNS_LABEL.match(value):
        allowed = f"1-{max_length} {_DNS_RULE}"
        c.add(path, "is not a Kubernetes name", given=value, allowed=allowed)


def check_request(
    *,
    name: str,
    tags: list[str] | tuple[str, ...],
    manager: str,
    token: str | None,
    namespace: str = DEFAULT_NAMESPACE,
    image: str = DEFAULT_IMAGE,
    replicas: int = 2,
    irsa_role_arn: str | None = None,
    init_script: str | None = None,
    cluster_role: str | None = None,
    cpu: str = "250m",
    memory: str = "512Mi",
    token_to_come: bool = False,
) -> ManifestRequest:
    """The request, or ValidationFailed listing every problem at its setting (``name``,
    ``tags[i]``, ``manager``, ``token``, ``namespace``, ``image``, ``replicas``,
    ``irsaRoleArn``, ``initScript``, ``clusterRole``, ``cpu``, ``memory``); the token is
    never part of a message. ``token_to_come``: no token is given because the caller makes
    a fresh one once everything else is right (the request then holds an empty token until
    ``with_token``)."""
    c = Collector("delegate manifest")
    clean_name = c.string(name, "name", required=True, allow_empty=False, max_length=_MAX_NAME)
    _dns_label(c, clean_name, "name", _MAX_NAME)
    clean_ns = c.string(namespace, "namespace", required=True, allow_empty=False, max_length=63)
    _dns_label(c, clean_ns, "namespace", 63)
    clean_tags: list[str] = []
    if not tags:
        c.add("tags", "is required: what connectors' delegateSelectors name")
    if len(tags) > MAX_TAGS:
        c.add("tags", f"holds more than {MAX_TAGS} tags", given=len(tags))
    for i, tag in enumerate(tags[:MAX_TAGS]):
        path = f"tags[{i}]"
        text = c.string(tag, path, required=True, allow_empty=False, max_length=MAX_SELECTOR_CHARS)
        if text is not None and _TAG_UNSAFE.search(text):
            c.add(path, "holds a comma or a space", given=text, allowed="one tag per item")
        elif text is not None and text not in clean_tags:
            clean_tags.append(text)
    url: str | None = None
    if not manager:
        c.add("manager", "is required: the awsconn server's URL as the delegate's pods reach it")
    else:
        url = c.string(manager, "manager", max_length=2048)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            c.add("manager", "is not an http(s) URL of the awsconn server", given=url)
    if not token:
        if not token_to_come:
            c.add("token", "is required: a delegate token (awsconn delegate token create)")
    elif not shaped_like_a_token(token):
        c.add("token", "is not a delegate token (awsc_ and 43 letters or digits; not shown)")
    c.string(image, "image", required=True, allow_empty=False, max_length=512)
    if isinstance(image, str) and image and not _IMAGE.match(image):
        c.add("image", "is not an image reference", given=image, allowed="REGISTRY/NAME:TAG")
    if isinstance(replicas, bool) or not isinstance(replicas, int) or not 1 <= replicas <= 100:
        c.add("replicas", "is out of range", given=replicas, allowed="1-100")
    if irsa_role_arn is not None:
        arn = c.string(irsa_role_arn, "irsaRoleArn", max_length=MAX_ROLE_ARN_CHARS)
        if arn is not None and not ROLE_ARN_PATTERN.match(arn):
            allowed = "arn:PARTITION:iam::ACCOUNT:role/NAME"
            c.add("irsaRoleArn", "is not an IAM role ARN", given=arn, allowed=allowed)
    if init_script is not None:
        size = len(init_script.encode("utf-8", "surrogateescape"))
        if not init_script.strip():
            c.add("initScript", "is empty")
        elif size + len(INIT_FILE) > CONFIGMAP_LIMIT:
            c.add("initScript", f"is larger than a ConfigMap holds ({CONFIGMAP_LIMIT} bytes)")
        elif "\x00" in init_script:
            c.add("initScript", "holds a NUL character: a script is text")
    if cluster_role is not None:
        role = c.string(cluster_role, "clusterRole", allow_empty=False, max_length=253)
        if role is not None and not re.match(r"^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?\Z", role):
            c.add("clusterRole", "is not a ClusterRole name", given=role)
    for path, quantity in (("cpu", cpu), ("memory", memory)):
        if not isinstance(quantity, str) or not _QUANTITY.match(quantity):
            c.add(path, "is not a Kubernetes quantity", given=quantity, allowed="e.g. 250m, 512Mi")
    c.raise_if_any()
    assert clean_name is not None and clean_ns is not None and url is not None
    assert token or token_to_come
    return ManifestRequest(
        name=clean_name,
        tags=tuple(clean_tags),
        manager=url,
        token=token or "",
        namespace=clean_ns,
        image=image,
        replicas=replicas,
        irsa_role_arn=irsa_role_arn,
        init_script=init_script,
        cluster_role=cluster_role,
        cpu=cpu,
        memory=memory,
    )


def with_token(req: ManifestRequest, token: str) -> ManifestRequest:
    """The request holding ``token`` (a delegate token made for it after ``check_request``)."""
    if not shaped_like_a_token(token):
        raise ValueError("not a delegate token")
    return replace(req, token=token)


def fresh_token_name(name: str, now: datetime) -> str:
    """The name of a delegate token made for a manifest: the delegate's name and the
    moment, so each manifest run gets its own (revocable by name)."""
    return f"{name}-manifest-{now:%Y%m%d%H%M%S}"


def _labels(req: ManifestRequest) -> dict[str, str]:
    return {
        f"{_LABELS}/name": "awsconn-delegate",
        f"{_LABELS}/instance": req.name,
        f"{_LABELS}/version": __version__,
        f"{_LABELS}/managed-by": "awsconn",
    }


def _meta(req: ManifestRequest, name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": req.namespace, "labels": _labels(req), **extra}


def _service_account(req: ManifestRequest) -> dict[str, Any]:
    meta = _meta(req, req.name)
    if req.irsa_role_arn:
        meta["annotations"] = {"eks.amazonaws.com/role-arn": req.irsa_role_arn}
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta}


def _rbac(req: ManifestRequest) -> list[dict[str, Any]]:
    if not req.cluster_role:
        return []
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": {"name": f"{req.namespace}-{req.name}", "labels": _labels(req)},
            "subjects": [{"kind": "ServiceAccount", "name": req.name, "namespace": req.namespace}],
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": req.cluster_role,
            },
        }
    ]


def _secret(req: ManifestRequest) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": _meta(req, f"{req.name}-token"),
        "type": "Opaque",
        "stringData": {"token": req.token, "manager": req.manager},
    }


def _config_map(req: ManifestRequest) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _meta(req, f"{req.name}-init"),
        "data": {INIT_FILE: req.init_script},
    }


_READY_CHECK = (
    "import os, urllib.request; "
    f"urllib.request.urlopen(os.environ['{MANAGER_ENV}'].rstrip('/') + '/readyz', timeout=4)"
)


def _container(req: ManifestRequest) -> dict[str, Any]:
    # exactly ``awsconn delegate run``'s options; the URL and the token from the environment
    args = ["--name", req.name, "--tags", ",".join(req.tags)]
    mounts: list[dict[str, Any]] = []
    if req.init_script is not None:
        args += ["--init-script", f"{INIT_DIR}/{INIT_FILE}"]
        mounts.append({"name": "init", "mountPath": INIT_DIR, "readOnly": True})
    secret = f"{req.name}-token"
    container: dict[str, Any] = {
        "name": "delegate",
        "image": req.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["awsconn", "delegate", "run"],
        "args": args,
        "env": [
            {
                "name": MANAGER_ENV,
                "valueFrom": {"secretKeyRef": {"name": secret, "key": "manager"}},
            },
            {"name": TOKEN_ENV, "valueFrom": {"secretKeyRef": {"name": secret, "key": "token"}}},
        ],
        "resources": {
            "requests": {"cpu": req.cpu, "memory": req.memory},
            "limits": {"memory": req.memory},
        },
        # ready: the pod reaches its manager and the manager's store answers
        "readinessProbe": {
            "exec": {"command": ["python", "-c", _READY_CHECK]},
            "periodSeconds": 10,
            "timeoutSeconds": 5,
            "failureThreshold": 3,
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }
    if mounts:
        container["volumeMounts"] = mounts
    return container


def _stateful_set(req: ManifestRequest) -> dict[str, Any]:
    selector = {f"{_LABELS}/name": "awsconn-delegate", f"{_LABELS}/instance": req.name}
    volumes: list[dict[str, Any]] = []
    if req.init_script is not None:
        volumes.append(
            {"name": "init", "configMap": {"name": f"{req.name}-init", "defaultMode": 0o555}}
        )
    pod_spec: dict[str, Any] = {
        "serviceAccountName": req.name,
        "automountServiceAccountToken": bool(req.cluster_role),
        "terminationGracePeriodSeconds": GRACE_SECONDS,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [_container(req)],
    }
    if volumes:
        pod_spec["volumes"] = volumes
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _meta(req, req.name),
        "spec": {
            "replicas": req.replicas,
            "serviceName": req.name,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": _labels(req)}, "spec": pod_spec},
        },
    }


def manifest_documents(req: ManifestRequest) -> list[dict[str, Any]]:
    """The objects, in the order ``kubectl apply`` should create them."""
    namespace = {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": req.namespace, "labels": {f"{_LABELS}/managed-by": "awsconn"}},
    }
    docs = [namespace, _service_account(req), *_rbac(req), _secret(req)]
    if req.init_script is not None:
        docs.append(_config_map(req))
    docs.append(_stateful_set(req))
    return docs


class _Dumper(yaml.SafeDumper):
    """Multi-line text (an init script) in block style, as people write it."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def manifest_yaml(req: ManifestRequest) -> str:
    """The objects as one YAML stream (``---`` between documents)."""
    header = (
        f"# awsconn delegate {req.name!r}: kubectl apply -f this file.\n"
        "# It holds a delegate token (in the Secret): keep it as you keep passwords.\n"
    )
    body = yaml.dump_all(
        manifest_documents(req),
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        width=100,
    )
    return header + body
