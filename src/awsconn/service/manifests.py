"""Kubernetes objects that run a delegate where its AWS identity lives (an EKS cluster,
with IRSA when asked), as the seed's "Use IRSA" section describes Harness's delegate YAML.

:func:`check_request` checks what was asked (every problem at its setting) and
:func:`manifest_documents` builds, in apply order:

- a ``Namespace``;
- a ``ServiceAccount`` the pods run as; with an IRSA role its
  ``eks.amazonaws.com/role-arn`` annotation (EKS then gives the pods ``AWS_ROLE_ARN`` and
  ``AWS_WEB_IDENTITY_TOKEN_FILE``; the delegate reports ``identity:Irsa``);
- RBAC: a ``Role`` and ``RoleBinding`` letting the ServiceAccount read its own Secret and
  ConfigMap, nothing else (the delegate itself never needs more of the cluster); with
  ``cluster_role`` also the seed's ``ClusterRoleBinding`` of that ClusterRole (e.g.
  ``cluster-admin``) to the ServiceAccount, for tools an init script installs to deploy;
- a ``Secret`` holding the delegate token and the manager's URL;
- with an init script, a ``ConfigMap`` holding it (the seed's ``INIT_SCRIPT``), mounted
  and passed with ``--init-script``;
- a ``StatefulSet`` of ``replicas`` pods running ``awsconn delegate run`` as a non-root
  user: the manager's URL in the environment from the Secret, the token as a file from
  the Secret (``--token-file``: kept out of the environment an init script inherits),
  resources, and liveness (``/healthz``) and readiness (``/readyz``) probes on the
  agent's ``--health-port``.

:func:`manifest_yaml` renders them as one YAML stream (multi-line text in block style).
The token is in the Secret only; it is never part of a message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import yaml

from awsconn import __version__
from awsconn.model.credentials import ROLE_ARN_PATTERN
from awsconn.model.text_rules import MAX_ROLE_ARN_CHARS, MAX_SELECTOR_CHARS, MAX_SELECTORS
from awsconn.model.validation import Collector
from awsconn.service.token_values import shaped_like_a_token

__all__ = [
    "CONFIGMAP_LIMIT",
    "DEFAULT_IMAGE",
    "DEFAULT_NAMESPACE",
    "HEALTH_PORT",
    "INIT_DIR",
    "RUN_AS",
    "TOKEN_DIR",
    "ManifestRequest",
    "check_request",
    "manifest_documents",
    "manifest_yaml",
]

DEFAULT_NAMESPACE = "awsconn"
DEFAULT_IMAGE = f"awsconn-delegate:{__version__}"
HEALTH_PORT = 8080
TOKEN_DIR = "/etc/awsconn/token"
INIT_DIR = "/etc/awsconn/init"
INIT_FILE = "init.sh"
RUN_AS = 10001
"""The image's user and group (``Dockerfile``)."""
CONFIGMAP_LIMIT = 1_000_000
"""A ConfigMap holds at most 1 MiB; the script and its key must fit."""
MANAGER_ENV = "AWSCONN_DELEGATE_MANAGER"
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
) -> ManifestRequest:
    """The request, or ValidationFailed listing every problem at its setting (``name``,
    ``tags[i]``, ``manager``, ``token``, ``namespace``, ``image``, ``replicas``,
    ``irsaRoleArn``, ``initScript``, ``clusterRole``, ``cpu``, ``memory``). ``token`` None:
    one is made after this check (the request's token is then empty until it is set)."""
    c = Collector("delegate manifest")
    clean_name = c.string(name, "name", required=True, allow_empty=False, max_length=_MAX_NAME)
    _dns_label(c, clean_name, "name", _MAX_NAME)
    clean_ns = c.string(namespace, "namespace", required=True, allow_empty=False, max_length=63)
    _dns_label(c, clean_ns, "namespace", 63)
    clean_tags: list[str] = []
    if not tags:
        c.add("tags", "is required: what connectors' delegateSelectors name")
    if len(tags) > MAX_SELECTORS:
        c.add("tags", f"holds more than {MAX_SELECTORS} tags", given=len(tags))
    for i, tag in enumerate(tags[:MAX_SELECTORS]):
        path = f"tags[{i}]"
        text = c.string(tag, path, required=True, allow_empty=False, max_length=MAX_SELECTOR_CHARS)
        if text is not None and _TAG_UNSAFE.search(text):
            c.add(path, "holds a comma or a space", given=text, allowed="one tag per item")
        elif text is not None and text not in clean_tags:
            clean_tags.append(text)
    url = c.string(manager, "manager", required=True, allow_empty=False, max_length=2048)
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            c.add("manager", "is not an http(s) URL of the awsconn server", given=url)
    if token is not None and not shaped_like_a_token(token):
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
    subject = {"kind": "ServiceAccount", "name": req.name, "namespace": req.namespace}
    rules = [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [f"{req.name}-token"],
         "verbs": ["get"]},
    ]  # fmt: skip
    if req.init_script is not None:
        rules.append(
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": [f"{req.name}-init"],
             "verbs": ["get"]},
        )  # fmt: skip
    out: list[dict[str, Any]] = [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": _meta(req, req.name),
            "rules": rules,
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": _meta(req, req.name),
            "subjects": [subject],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": req.name},
        },
    ]
    if req.cluster_role:
        meta = {"name": f"{req.namespace}-{req.name}", "labels": _labels(req)}
        out.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": meta,
                "subjects": [subject],
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "ClusterRole",
                    "name": req.cluster_role,
                },
            }
        )
    return out


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


def _probe(path: str, *, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "health"},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def _container(req: ManifestRequest) -> dict[str, Any]:
    args = [
        "--manager", f"$({MANAGER_ENV})",
        "--token-file", f"{TOKEN_DIR}/token",
        "--name", req.name,
        "--tags", ",".join(req.tags),
        "--health-port", str(HEALTH_PORT),
    ]  # fmt: skip
    mounts = [{"name": "token", "mountPath": TOKEN_DIR, "readOnly": True}]
    if req.init_script is not None:
        args += ["--init-script", f"{INIT_DIR}/{INIT_FILE}"]
        mounts.append({"name": "init", "mountPath": INIT_DIR, "readOnly": True})
    manager_ref = {"secretKeyRef": {"name": f"{req.name}-token", "key": "manager"}}
    return {
        "name": "delegate",
        "image": req.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["awsconn", "delegate", "run"],
        "args": args,
        "env": [{"name": MANAGER_ENV, "valueFrom": manager_ref}],
        "ports": [{"name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP"}],
        "resources": {
            "requests": {"cpu": req.cpu, "memory": req.memory},
            "limits": {"memory": req.memory},
        },
        # alive while the agent runs (an init script may take minutes: that is alive);
        # ready once registered, its init script done, taking tasks
        "livenessProbe": {**_probe("/healthz", period=10, failures=6), "initialDelaySeconds": 10},
        "readinessProbe": _probe("/readyz", period=5, failures=3),
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": mounts,
    }


def _stateful_set(req: ManifestRequest) -> dict[str, Any]:
    selector = {f"{_LABELS}/name": "awsconn-delegate", f"{_LABELS}/instance": req.name}
    volumes: list[dict[str, Any]] = [
        {
            "name": "token",
            "secret": {
                "secretName": f"{req.name}-token",
                "items": [{"key": "token", "path": "token"}],
                "defaultMode": 0o440,
            },
        }
    ]
    if req.init_script is not None:
        volumes.append(
            {"name": "init", "configMap": {"name": f"{req.name}-init", "defaultMode": 0o555}}
        )
    pod_spec = {
        "serviceAccountName": req.name,
        "terminationGracePeriodSeconds": 60,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS,
            "runAsGroup": RUN_AS,
            "fsGroup": RUN_AS,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [_container(req)],
        "volumes": volumes,
    }
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
    if not req.token:
        raise ValueError("a manifest needs its delegate token")
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
