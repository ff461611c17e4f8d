"""Valid connector documents to start from, and helpers to break one field at a time.

Each test takes a fresh valid document, changes one thing by its dotted path (the same
path the parser reports problems at) and looks at what the parser says.
"""

from __future__ import annotations

from typing import Any

from awsconn.errors import Problem
from awsconn.model import parse_connector

__all__ = [
    "ROLE_ARN",
    "delete_path",
    "inherit_doc",
    "irsa_doc",
    "manual_doc",
    "problem_paths",
    "problems",
    "set_path",
]

ROLE_ARN = "arn:aws:iam::123456789012:role/deploy"


def manual_doc() -> dict[str, Any]:
    """A minimal valid ManualConfig connector at account scope."""
    return {
        "connector": {
            "name": "Prod keys",
            "identifier": "prod_keys",
            "type": "Aws",
            "spec": {
                "credential": {
                    "type": "ManualConfig",
                    "spec": {
                        "accessKey": "AKIAIOSFODNN7EXAMPLE",
                        "secretKeyRef": "account.aws_secret",
                    },
                },
            },
        }
    }


def inherit_doc() -> dict[str, Any]:
    """A minimal valid InheritFromDelegate connector at account scope."""
    return {
        "connector": {
            "name": "Delegate role",
            "identifier": "delegate_role",
            "type": "Aws",
            "spec": {
                "credential": {"type": "InheritFromDelegate"},
                "delegateSelectors": ["aws-delegate"],
            },
        }
    }


def irsa_doc() -> dict[str, Any]:
    """A minimal valid Irsa connector at account scope."""
    return {
        "connector": {
            "name": "Irsa role",
            "identifier": "irsa_role",
            "type": "Aws",
            "spec": {"credential": {"type": "Irsa"}, "delegateSelectors": ["eks-delegate"]},
        }
    }


def _walk(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    node = doc["connector"]
    *parents, last = path.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    return node, last


def set_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set ``path`` (relative to ``connector:``, e.g. ``spec.credential.region``) in place."""
    node, last = _walk(doc, path)
    node[last] = value
    return doc


def delete_path(doc: dict[str, Any], path: str) -> dict[str, Any]:
    node, last = _walk(doc, path)
    del node[last]
    return doc


def problems(doc: Any) -> list[Problem]:
    return parse_connector(doc).problems


def problem_paths(doc: Any) -> list[str]:
    return [p.path for p in problems(doc)]
