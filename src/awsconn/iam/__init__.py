"""awsconn.iam: the offline IAM policy engine (pure: no boto3, no I/O).

Parse → compile → evaluate one statement → combine the layers; every decision
comes back as data with the statements and gates that made it.
"""

from awsconn.iam.compile import CompiledPolicy, clear_cache, compile_policy
from awsconn.iam.explain import Decision, Hit, NearMiss
from awsconn.iam.grammar import ConditionClause, Policy, Statement, parse_policy
from awsconn.iam.policyset import PolicySet, named
from awsconn.iam.request import Request

__all__ = [
    "CompiledPolicy",
    "ConditionClause",
    "Decision",
    "Hit",
    "NearMiss",
    "Policy",
    "PolicySet",
    "Request",
    "Statement",
    "clear_cache",
    "compile_policy",
    "named",
    "parse_policy",
]
