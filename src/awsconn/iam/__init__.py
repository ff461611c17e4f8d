"""awsconn.iam: the offline IAM policy engine (pure: no boto3, no I/O).

Parse → compile → evaluate one statement → combine the layers; every decision
comes back as data with the statements and gates that made it (``Allowed``,
``ImplicitlyDenied``, ``ExplicitlyDenied``, or ``Depends`` on keys the request leaves
unknown).
"""

from awsconn.iam.catalog import (
    ActionInfo,
    ResourceType,
    action_condition_keys,
    action_info,
    action_resource_types,
    all_actions,
    expand_actions,
    is_wildcard_only,
)
from awsconn.iam.compile import CompiledPolicy, clear_cache, compile_policy
from awsconn.iam.explain import Decision, Hit, NearMiss, Result
from awsconn.iam.grammar import ConditionClause, Policy, Statement, parse_policy
from awsconn.iam.kinds import KINDS, PolicyKind, parse_kind
from awsconn.iam.lint import Finding, lint_policy
from awsconn.iam.policy_json import load_json
from awsconn.iam.policyset import PolicySet, named
from awsconn.iam.request import Request

__all__ = [
    "KINDS",
    "ActionInfo",
    "CompiledPolicy",
    "ConditionClause",
    "Decision",
    "Finding",
    "Hit",
    "NearMiss",
    "Policy",
    "PolicyKind",
    "PolicySet",
    "Request",
    "ResourceType",
    "Result",
    "Statement",
    "action_condition_keys",
    "action_info",
    "action_resource_types",
    "all_actions",
    "clear_cache",
    "compile_policy",
    "expand_actions",
    "is_wildcard_only",
    "lint_policy",
    "load_json",
    "named",
    "parse_kind",
    "parse_policy",
]
