"""The delegate's Kubernetes YAML: every document parses, every field is one the official
Kubernetes models know (their required fields present, their types right), and the fields
that matter hold what the delegate needs (the IRSA annotation only when asked, no API
grant nor API token unless a ClusterRole is asked, the token in the Secret only, the
StatefulSet's command, environment, probe, grace period, volumes and user); bad requests
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
    GRACE_SECONDS,
    MANAGER_ENV,
    RUN_AS,
    TOKEN_ENV,
    ManifestRequest,
    check_request,
    manifest_documents,
    manifest_yaml,
)

TOKEN = "awsc_" + "T0kenValue" * 4 + "abc"
ARN = "arn:aws:iam::123456789012:role/awsconn-delegate"
SCRIPT = '#!/bin/bash\necho "Start"\nexport DEBIAN_FRONTEND=noninteractive\nnpm install -g serverless@v2.50.0\necho "Done"\n'  # noqa: E501
REPO = Path(__file__).resolve().parents[2]
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


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
    scalars = ("str", "int", "bool", "object", "datetime")
    if model.startswith(("dict(", "dict[")) or model in scalars:
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
        assert docs[-1]["kind"] == "StatefulSet"  # what it uses is made before it
        for doc in docs:
            assert set(doc) >= {"apiVersion", "kind", "metadata"}
            assert _DNS_NAME.match(doc["metadata"]["name"])
            _models_accept(doc)
            if doc["kind"] not in ("Namespace", "ClusterRoleBinding"):
                assert doc["metadata"]["namespace"] == "awsconn"
    versions = {d["kind"]: d["apiVersion"] for d in manifest_documents(
        _request(init_script=SCRIPT, cluster_role="x"))}  # fmt: skip
    assert versions == {
        "Namespace": "v1", "ServiceAccount": "v1", "Secret": "v1", "ConfigMap": "v1",
        "ClusterRoleBinding": "rbac.authorization.k8s.io/v1", "StatefulSet": "apps/v1",
    }  # fmt: skip


def test_the_models_check_catches_a_wrong_field() -> None:
    """The structure check above can fail: a typo, a missing required field."""
    doc = manifest_documents(_request())[-1]
    doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolicey"] = "Always"
    with pytest.raises(AssertionError):
        _models_accept(doc)
    del doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolicey"]
    del doc["spec"]["selector"]
    with pytest.raises(ValueError, match="selector"):
        _models_accept(doc)


def test_irsa_annotates_the_service_account_only_when_asked() -> None:
    plain = _parsed(_request())["ServiceAccount"]
    assert "annotations" not in plain["metadata"]
    irsa = _parsed(_request(irsa_role_arn=ARN))
    account = irsa["ServiceAccount"]
    assert account["metadata"]["annotations"] == {"eks.amazonaws.com/role-arn": ARN}
    pod = irsa["StatefulSet"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"] == "eks-prod"
    # EKS adds AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE itself: nothing of ours
    env = {e["name"] for e in pod["containers"][0]["env"]}
    assert env == {MANAGER_ENV, TOKEN_ENV}


def test_no_api_grant_unless_a_cluster_role_is_asked() -> None:
    docs = _parsed(_request(init_script=SCRIPT))
    assert not {"Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"} & set(docs)
    pod = docs["StatefulSet"]["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    seed = _parsed(_request(cluster_role="cluster-admin"))
    binding = seed["ClusterRoleBinding"]
    subject = {"kind": "ServiceAccount", "name": "eks-prod", "namespace": "awsconn"}
    assert binding["subjects"] == [subject]  # the seed's binding, to our ServiceAccount
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "cluster-admin",
    }
    assert binding["metadata"]["name"] == "awsconn-eks-prod"  # cluster-wide: namespaced name
    assert seed["StatefulSet"]["spec"]["template"]["spec"]["automountServiceAccountToken"] is True


def test_the_token_is_in_the_secret_only() -> None:
    req = _request(init_script=SCRIPT)
    text = manifest_yaml(req)
    assert text.count(TOKEN) == 1 and TOKEN not in repr(req)
    docs = _parsed(req)
    secret = docs["Secret"]
    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {"token": TOKEN, "manager": "https://awsconn.example:7420"}
    container = docs["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]
    assert TOKEN not in repr(container)


def test_the_stateful_set_runs_the_delegate_with_what_it_needs() -> None:
    docs = _parsed(_request(init_script=SCRIPT, replicas=3, image="reg.example/d:1.2"))
    spec = docs["StatefulSet"]["spec"]
    assert spec["replicas"] == 3
    assert spec["serviceName"] == "eks-prod"
    assert spec["selector"]["matchLabels"].items() <= spec["template"]["metadata"]["labels"].items()
    pod = spec["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "reg.example/d:1.2"
    assert container["command"] == ["awsconn", "delegate", "run"]
    args = container["args"]
    flags = dict(zip(args[::2], args[1::2], strict=True))
    assert flags == {
        "--name": "eks-prod",
        "--tags": "eks,prod",
        "--init-script": "/etc/awsconn/init/init.sh",
    }
    # the manager's URL and the token: the agent's environment, from the Secret's keys
    secret = docs["Secret"]
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container["env"]}
    assert env == {
        "AWSCONN_DELEGATE_MANAGER": {"name": secret["metadata"]["name"], "key": "manager"},
        "AWSCONN_DELEGATE_TOKEN": {"name": secret["metadata"]["name"], "key": "token"},
    }
    assert {ref["key"] for ref in env.values()} == set(secret["stringData"])
    # the script: a file where the argument says, from the ConfigMap, executable
    (mount,) = container["volumeMounts"]
    (volume,) = pod["volumes"]
    assert mount["name"] == volume["name"] and mount["readOnly"] is True
    init = volume["configMap"]
    assert init["name"] == docs["ConfigMap"]["metadata"]["name"]
    (key,) = docs["ConfigMap"]["data"]
    assert f"{mount['mountPath']}/{key}" == flags["--init-script"]
    assert docs["ConfigMap"]["data"][key] == SCRIPT
    assert init["defaultMode"] == 0o555
    # ready once it reaches its manager's /readyz; SIGTERM gets a task's deadline and more
    probe = container["readinessProbe"]
    command = probe["exec"]["command"]
    assert command[:2] == ["python", "-c"] and MANAGER_ENV in command[2]
    assert "/readyz" in command[2]
    assert probe["timeoutSeconds"] < probe["periodSeconds"]
    assert "livenessProbe" not in container  # the agent has no health endpoint (docs)
    assert pod["terminationGracePeriodSeconds"] == GRACE_SECONDS >= 120 + 15
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"memory": "512Mi"},
    }
    # a user that is not root: the image's own
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["runAsUser"] == security["runAsGroup"] == security["fsGroup"] == RUN_AS
    dockerfile = (REPO / "Dockerfile").read_text()
    assert f"useradd --uid {RUN_AS} --gid {RUN_AS}" in dockerfile
    assert f"USER {RUN_AS}:{RUN_AS}" in dockerfile
    assert 'ENTRYPOINT ["awsconn", "delegate", "run"]' in dockerfile
    assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_readiness_check_asks_the_manager_readyz(tmp_path: Path) -> None:
    """The probe's Python, run as the pod runs it, against a local HTTP server: exit 0 on
    200 from /readyz, not 0 on 503 or nobody listening."""
    import http.server
    import subprocess
    import sys
    import threading

    answers = {"status": 200}
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            self.send_response(answers["status"])
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/root/"
        container = _parsed(_request(manager=url))["StatefulSet"]["spec"]["template"]["spec"][
            "containers"
        ][0]
        command = [sys.executable, *container["readinessProbe"]["exec"]["command"][1:]]

        def probe(manager: str) -> int:
            env = {"PATH": "/usr/bin:/bin", MANAGER_ENV: manager}
            return subprocess.run(command, env=env, capture_output=True, timeout=30).returncode

        assert probe(url) == 0
        assert asked == ["/root/readyz"]
        answers["status"] = 503
        assert probe(url) != 0
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert probe(url) != 0  # nobody listens any more


def test_without_an_init_script_there_is_no_config_map_nor_its_flag() -> None:
    docs = _parsed(_request())
    assert "ConfigMap" not in docs
    pod = docs["StatefulSet"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["args"] == ["--name", "eks-prod", "--tags", "eks,prod"]
    assert "volumes" not in pod and "volumeMounts" not in container
    assert docs["StatefulSet"]["spec"]["replicas"] == 2
    assert container["image"] == DEFAULT_IMAGE


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
    for replicas in (101, -1, True):
        with pytest.raises(ValidationFailed, match="replicas"):
            _request(replicas=replicas)
    _request(replicas=1), _request(replicas=100)  # the ends of the range


def test_the_token_and_the_manager_are_required() -> None:
    with pytest.raises(ValidationFailed) as info:
        _request(token=None, manager="")
    assert {p.path for p in info.value.problems} == {"token", "manager"}
    assert "delegate token create" in str(info.value)
