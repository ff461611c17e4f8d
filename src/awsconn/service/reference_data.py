"""What awsconn knows without any stored data: the capability catalog, the regions and
partitions, the IAM actions an action pattern matches.

Read-only reference tables shared by every entry point (no permission is asked here:
they hold nothing of any scope; an entry point that wants a token for them says so).
"""

from __future__ import annotations

from typing import Any

__all__ = ["capability_catalog", "expand_action_pattern", "known_regions"]


def capability_catalog(*, seed: bool = False) -> list[dict[str, Any]]:
    """Every use the catalog knows (``permissions list -o json``): what it requires, its
    parameters, where the seed describes it; ``seed`` adds the seed's own policy."""
    from awsconn.iam.capabilities import load_catalog

    return [c.to_dict(seed=seed) for c in load_catalog().capabilities.values()]


def known_regions() -> list[dict[str, Any]]:
    """The partitions awsconn knows, each with its regions, default region and which of
    them an account must opt in to."""
    from awsconn.model.regions import PARTITIONS, is_opt_in_region

    return [
        {
            "partition": p.name,
            "title": p.title,
            "defaultRegion": p.default_region,
            "regions": list(p.regions),
            "optInRegions": [r for r in p.regions if is_opt_in_region(r)],
        }
        for p in PARTITIONS
    ]


def expand_action_pattern(pattern: str) -> list[str]:
    """The IAM catalog's actions that ``pattern`` (``s3:Get*``) matches, sorted (none for
    a pattern that matches nothing)."""
    from awsconn.iam import expand_actions

    return expand_actions(pattern)
