"""awsconn.iam: the offline IAM policy engine (pure: no boto3, no I/O).

Parse → compile → evaluate one statement → combine the layers; every decision
comes back as data with the statements and gates that made it.
"""

from awsconn.iam.catalog import (
    ActionInfo,
    ResourceType,
    action_condition_keys,
    action_info,
    action_resource_types,
    all_actions,
    expand_actions,
)
from awsconn.iam.compile import CompiledPolicy, clear_cache, compile_policy
from awsconn.iam.explain import Decision, Hit, NearMiss
from awsconn.iam.grammar import ConditionClause, Policy, Statement, parse_policy
from awsconn.iam.lint import Finding, lint_policy
from awsconn.iam.policyset import PolicySet, named
from awsconn.iam.request import Request

__all__ = [
    "ActionInfo",
    "CompiledPolicy",
    "ConditionClause",
    "Decision",
    "Finding",
    "Hit",
    "NearMiss",
    "Policy",
    "PolicySet",
    "Request",
    "ResourceType",
    "Statement",
    "action_condition_keys",
    "action_info",
    "action_resource_types",
    "all_actions",
    "clear_cache",
    "compile_policy",
    "expand_actions",
    "lint_policy",
    "named",
    "parse_policy",
]
