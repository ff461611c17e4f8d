"""The delegate's Kubernetes YAML: every document parses, every field is one the official
Kubernetes models know, and the fields that matter hold what the delegate needs (the IRSA
annotation only when asked, RBAC limited to its own objects, the token in the Secret
only, the StatefulSet's command, environment, probes, volumes and user); bad requests
are refused at their setting without echoing the token."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from awsconn.errors import ValidationFailed
from awsconn.service.manifests import (
    DEFAULT_IMAGE,
    HEALTH_PORT,
    RUN_AS,
    ManifestRequest,
    check_request,
    manifest_documents,
    manifest_yaml,
)

TOKEN = "awsc_" + "T0kenValue" * 4 + "abc"
ARN = "arn:aws:iam::123456789012:role/awsconn-delegate"
SCRIPT = '#!/bin/bash\necho "Start"\nexport DEBIAN_FRONTEND=noninteractive\nnpm install -g serverless@v2.50.0\necho "Done"\n'  # noqa: E501
REPO = Path(__file__).resolve().parents[2]


def _request(**changes: Any) -> ManifestRequest:
    asked: dict[str, Any] = {
        "name": "eks-prod",
        "tags": ["eks", "prod"],
        "manager": "https://awsconn.example:7420",
        "token": TOKEN,
    }
    asked.update(changes)
    return check_request(**asked)


def _parsed(req: ManifestRequest) -> dict[str, dict[str, Any]]:
    docs = list(yaml.safe_load_all(manifest_yaml(req)))
    assert docs == manifest_documents(req)  # the text is exactly the objects
    by_kind = {d["kind"]: d for d in docs}
    assert len(by_kind) == len(docs)  # one of each
    return by_kind


def _known_fields(value: Any, model: str, path: str = "") -> list[str]:
    """Fields the Kubernetes model ``model`` does not have (a typo would be one)."""
    from kubernetes import client

    if model.startswith("list["):
        inner = model[5:-1]
        return [p for i, v in enumerate(value) for p in _known_fields(v, inner, f"{path}[{i}]")]
    if model.startswith("dict(") or model in ("str", "int", "bool", "object", "datetime"):
        return []
    cls = getattr(client.models, model)
    by_json = {json_name: attr for attr, json_name in cls.attribute_map.items()}
    unknown = []
    for key, item in value.items():
        if key not in by_json:
            unknown.append(f"{path}.{key}")
            continue
        kind = cls.openapi_types[by_json[key]]
        kind = re.sub(r"^List\[(.*)\]$", r"list[\1]", kind)
        unknown += _known_fields(item, kind, f"{path}.{key}")
    return unknown


def _models_accept(doc: dict[str, Any]) -> None:
    """The official Python models read the document (required fields, types) and know
    every field in it."""
    from kubernetes import client

    kind = {"RoleBinding": "V1RoleBinding", "ClusterRoleBinding": "V1ClusterRoleBinding"}
    model = kind.get(doc["kind"], f"V1{doc['kind']}")
    assert _known_fields(doc, model, doc["kind"]) == []
    api = client.ApiClient()
    built = api._ApiClient__deserialize(doc, model)  # type: ignore[attr-defined]
    assert api.sanitize_for_serialization(built) == doc


def test_every_document_is_valid_kubernetes() -> None:
    for req in (_request(), _request(irsa_role_arn=ARN, init_script=SCRIPT, cluster_role="x")):
        docs = manifest_documents(req)
        assert [d["kind"] for d in docs][:2] == ["Namespace", "ServiceAccount"]
        assert docs[-1]["kind"] == "StatefulSet"  # what it mounts is made before it
        for doc in docs:
            _models_accept(doc)
            if doc["kind"] not in ("Namespace", "ClusterRoleBinding"):
                assert doc["metadata"]["namespace"] == "awsconn"


def test_irsa_annotates_the_service_account_only_when_asked() -> None:
    plain = _parsed(_request())["ServiceAccount"]
    assert "annotations" not in plain["metadata"]
    irsa = _parsed(_request(irsa_role_arn=ARN))
    account = irsa["ServiceAccount"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ARN}
    pod = irsa["StatefulSet"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"] == "eks-prod"


def test_rbac_reads_its_own_objects_and_binds_a_cluster_role_only_when_asked() -> None:
    docs = _parsed(_request(init_script=SCRIPT))
    role, binding = docs["Role"], docs["RoleBinding"]
    assert role["rules"] == [
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["eks-prod-token"],
         "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["eks-prod-init"],
         "verbs": ["get"]},
    ]  # fmt: skip
    subject = {"kind": "ServiceAccount", "name": "eks-prod", "namespace": "awsconn"}
    assert binding["subjects"] == [subject]
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": role["metadata"]["name"],
    }
    assert "ClusterRoleBinding" not in docs
    seed = _parsed(_request(cluster_role="cluster-admin"))["ClusterRoleBinding"]
    assert seed["subjects"] == [subject]  # the seed's binding, to our ServiceAccount
    assert seed["roleRef"]["kind"] == "ClusterRole" and seed["roleRef"]["name"] == "cluster-admin"


def test_the_token_is_in_the_secret_only() -> None:
    req = _request(init_script=SCRIPT)
    text = manifest_yaml(req)
    assert text.count(TOKEN) == 1 and TOKEN not in repr(req)
    secret = _parsed(req)["Secret"]
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {"token": TOKEN, "manager": "https://awsconn.example:7420"}


def test_the_stateful_set_runs_the_delegate_with_what_it_needs() -> None:
    docs = _parsed(_request(init_script=SCRIPT, replicas=3, image="reg.example/d:1.2"))
    spec = docs["StatefulSet"]["spec"]
    assert spec["replicas"] == 3
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "reg.example/d:1.2"
    assert container["command"] == ["awsconn", "delegate", "run"]
    args = container["args"]
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert flags == {
        "--manager": "$(AWSCONN_DELEGATE_MANAGER)",
        "--token-file": "/etc/awsconn/token/token",
        "--name": "eks-prod",
        "--tags": "eks,prod",
        "--health-port": str(HEALTH_PORT),
        "--init-script": "/etc/awsconn/init/init.sh",
    }
    # the manager's URL: the environment, from the Secret's key
    (env,) = container["env"]
    ref = env["valueFrom"]["secretKeyRef"]
    assert env["name"] == "AWSCONN_DELEGATE_MANAGER"
    assert ref["name"] == docs["Secret"]["metadata"]["name"]
    assert ref["key"] in docs["Secret"]["stringData"]
    # the token and the script: files where the arguments say, from the Secret / ConfigMap
    mounts = {m["name"]: m for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert set(mounts) == set(volumes) == {"token", "init"}
    assert all(m["readOnly"] for m in mounts.values())
    token = volumes["token"]["secret"]
    assert token["secretName"] == docs["Secret"]["metadata"]["name"]
    assert f"{mounts['token']['mountPath']}/{token['items'][0]['path']}" == flags["--token-file"]
    assert token["items"][0]["key"] == "token" and token["defaultMode"] == 0o440
    init = volumes["init"]["configMap"]
    assert init["name"] == docs["ConfigMap"]["metadata"]["name"]
    (key,) = docs["ConfigMap"]["data"]
    assert f"{mounts['init']['mountPath']}/{key}" == flags["--init-script"]
    assert docs["ConfigMap"]["data"][key] == SCRIPT
    assert init["defaultMode"] == 0o555
    # probes on the health port; resources; a user that is not root, the image's own
    (port,) = container["ports"]
    assert port == {"name": "health", "containerPort": HEALTH_PORT, "protocol": "TCP"}
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"memory": "512Mi"},
    }
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == security["runAsGroup"] == security["fsGroup"] == RUN_AS
    dockerfile = (REPO / "Dockerfile").read_text()
    assert f"useradd --uid {RUN_AS} --gid {RUN_AS}" in dockerfile
    assert f"USER {RUN_AS}:{RUN_AS}" in dockerfile
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_without_an_init_script_there_is_no_config_map_nor_its_flag() -> None:
    docs = _parsed(_request())
    assert "ConfigMap" not in docs
    container = docs["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]
    assert "--init-script" not in container["args"]
    assert [v["name"] for v in docs["StatefulSet"]["spec"]["template"]["spec"]["volumes"]] == [
        "token"
    ]
    assert docs["StatefulSet"]["spec"]["replicas"] == 2
    assert container["image"] == DEFAULT_IMAGE
    assert [r["resourceNames"] for r in docs["Role"]["rules"]] == [["eks-prod-token"]]


def test_the_init_script_is_kept_exactly_in_block_style() -> None:
    script = "#!/bin/sh\n# comment: with a colon\necho 'a: b' \"$HOME\"\n\n  indented\n"
    text = manifest_yaml(_request(init_script=script))
    assert "  init.sh: |" in text
    assert _parsed(_request(init_script=script))["ConfigMap"]["data"]["init.sh"] == script


def test_bad_requests_are_refused_at_their_setting() -> None:
    with pytest.raises(ValidationFailed) as info:
        _request(
            name="Prod_Delegate",
            tags=["eks", "a,b", ""],
            manager="ftp://awsconn.example",
            token="awsc_not-a-token",
            namespace="-bad",
            image="has space",
            replicas=0,
            irsa_role_arn="arn:aws:iam::123:user/x",
            init_script="   ",
            cluster_role="Cluster Admin",
            cpu="lots",
            memory="1 GB",
        )
    paths = {p.path for p in info.value.problems}
    assert paths == {
        "name", "tags[1]", "tags[2]", "manager", "token", "namespace", "image", "replicas",
        "irsaRoleArn", "initScript", "clusterRole", "cpu", "memory",
    }  # fmt: skip
    assert "not-a-token" not in str(info.value)
    with pytest.raises(ValidationFailed, match="tags"):
        _request(tags=[])
    with pytest.raises(ValidationFailed, match="name"):
        _request(name="d" * 46)  # its objects' names must fit
    with pytest.raises(ValidationFailed, match="initScript"):
        _request(init_script="x" * 1_000_001)


def test_a_request_without_a_token_yet_renders_only_once_it_has_one() -> None:
    req = _request(token=None)
    with pytest.raises(ValueError, match="token"):
        manifest_yaml(req)
