"""The server's paths this client calls (rows of ``awsconn.api.paths.ROUTES``).

Written out rather than imported: the route table imports the service's permissions, and
a client loads nothing of the server. ``tests/client/test_client_routes.py`` keeps every
path here equal to a row of the table.
"""

from __future__ import annotations

__all__ = [
    "AUDIT",
    "CAPABILITIES",
    "CONNECTOR",
    "CONNECTORS",
    "CONNECTORS_APPLY",
    "CONNECTORS_LIST_V2",
    "CONNECTOR_CHECK",
    "CONNECTOR_CREDENTIALS",
    "CONNECTOR_DIFF",
    "CONNECTOR_HISTORY",
    "CONNECTOR_REGIONS",
    "CONNECTOR_TEST",
    "POLICY_ACTIONS",
    "POLICY_EVALUATE",
    "POLICY_GENERATE",
    "POLICY_LINT",
    "POLICY_SIMULATE",
    "POLICY_TRUST",
    "REGIONS",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "WHOAMI",
]

_NG = "/ng/api"
_OWN = f"{_NG}/awsconn"

CONNECTORS = f"{_NG}/connectors"
CONNECTOR = f"{CONNECTORS}/{{identifier}}"
CONNECTORS_LIST_V2 = f"{CONNECTORS}/listV2"
CONNECTOR_TEST = f"{CONNECTORS}/testConnection/{{identifier}}"
SECRETS = f"{_NG}/v2/secrets"
SECRET = f"{SECRETS}/{{identifier}}"
WHOAMI = f"{_OWN}/whoami"
CONNECTORS_APPLY = f"{_OWN}/connectors/apply"
CONNECTOR_CHECK = f"{_OWN}/connectors/{{identifier}}/permissions/check"
CONNECTOR_DIFF = f"{_OWN}/connectors/{{identifier}}/permissions/diff"
CONNECTOR_HISTORY = f"{_OWN}/connectors/{{identifier}}/history"
CONNECTOR_REGIONS = f"{_OWN}/connectors/{{identifier}}/regions"
CONNECTOR_CREDENTIALS = f"{_OWN}/connectors/{{identifier}}/credentials"
CAPABILITIES = f"{_OWN}/capabilities"
REGIONS = f"{_OWN}/regions"
POLICY_GENERATE = f"{_OWN}/policies/generate"
POLICY_TRUST = f"{_OWN}/policies/trust"
POLICY_EVALUATE = f"{_OWN}/policies/evaluate"
POLICY_SIMULATE = f"{_OWN}/policies/simulate"
POLICY_LINT = f"{_OWN}/policies/lint"
POLICY_ACTIONS = f"{_OWN}/policies/actions"
TOKENS = f"{_OWN}/tokens"
TOKEN = f"{TOKENS}/{{identifier}}"
AUDIT = f"{_OWN}/audit"
