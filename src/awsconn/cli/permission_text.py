"""Permission reports as text for people (``permissions check``, ``connector test --for``).

Only rendering of a report's ``to_dict``: every status and key comes from the service.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["report_lines", "summary_lines", "verdict"]

_WIDE = 20  # a capability with more actions than this shows only what is not granted


def verdict(d: dict[str, Any]) -> str:
    """The closing line: which of the three answers the whole check is."""
    status = d["status"]
    if status == "GRANTED":
        return "result: GRANTED (every required action is allowed)"
    if status == "DEPENDS":
        return (
            f"result: DEPENDS on {', '.join(d['dependsOn'])}: allowed only if the real "
            "requests carry what the conditions above test (a policy to attach would not "
            "decide it)"
        )
    return "result: NOT_GRANTED (see what is missing above)"


def report_lines(d: dict[str, Any]) -> list[str]:
    """The whole report (``permissions check``)."""
    who = d.get("principal") or {}
    lines = [f"principal: {who.get('arn')}  method: {d['method']}" + _source(who)]
    base = d.get("basePrincipal")
    if base:
        method = base.get("method") or d["method"]
        lines.append(
            f"base identity (under the role): {base.get('arn')}  method: {method}" + _source(base)
        )
    lines += [f"  default {name}: {value}" for name, value in d["defaults"].items()]
    lines += [f"  note: {note}" for note in d["notes"]]
    for cap in d["capabilities"]:
        lines += _capability(cap, "")
    for deny in d["explicitDenies"]:
        by = deny["decidedBy"][0] if deny["decidedBy"] else {}
        lines.append(
            f"explicit deny: {deny['action']} by {by.get('policy')} {by.get('statement', '')}: "
            "an Allow will not help; change that policy"
        )
    lines += _missing_policy(d, "")
    lines.append(verdict(d))
    return lines


def summary_lines(d: dict[str, Any]) -> list[str]:
    """The check inside ``connector test --for``: per capability its status, and what an
    answer that depends or is missing hangs on."""
    lines: list[str] = []
    for cap in d["capabilities"]:
        line = f"  permission {cap['capability']}: {cap['status']}"
        if cap["status"] == "DEPENDS":
            line += f" on {', '.join(cap['dependsOn'])}"
        if cap.get("identity") == "base":
            line += " (checked as the identity under the role)"
        lines.append(line)
        for a in cap["actions"]:
            if a["status"] == "DEPENDS":
                lines.append(f"    DEPENDS {a['action']} on {a['resource']}")
                lines += _conditions(a, "      ")
    lines += _missing_policy(d, "  ")
    lines.append("  " + verdict(d))
    return lines


def _source(who: dict[str, Any]) -> str:
    return f"  (principal from {who['source']})" if who.get("source") else ""


def _capability(cap: dict[str, Any], indent: str) -> list[str]:
    head = f"{indent}{cap['capability']}: {cap['status']}"
    if cap["status"] == "DEPENDS":
        head += f" on {', '.join(cap['dependsOn'])}"
    head += f" ({cap['granted']}/{cap['required']} granted)"
    if cap.get("identity") == "base":
        head += " [checked as the identity under the role]"
    lines = [head]
    for a in cap["actions"]:
        if a["status"] == "GRANTED" and cap["required"] > _WIDE:
            continue
        lines.append(f"{indent}  {a['status']:<11} {a['action']} on {a['resource']}{_how(a)}")
        if a["status"] == "DEPENDS":
            lines += _conditions(a, indent + "    ")
        for miss in a.get("nearMisses", []):
            lines += _near_miss(miss, indent + "    ")
    return lines


def _how(a: dict[str, Any]) -> str:
    by = a["decidedBy"][0] if a["decidedBy"] else None
    if a["status"] == "DEPENDS":
        return f"  depends on {', '.join(a['dependsOn'])}"
    if by:
        stmt = by.get("statement") or (f"line {by['line']}" if "line" in by else "")
        what = "" if a["status"] == "GRANTED" else f"{a['decision']} "
        return f"  ({what}by {by.get('policy')} {stmt})".replace(" )", ")")
    if a["reasons"]:
        what = "" if a["status"] == "GRANTED" else f"{a['decision']}: "
        return f"  ({what}{a['reasons'][0]})"
    return ""


def _conditions(a: dict[str, Any], indent: str) -> list[str]:
    """For an answer that depends: the statements and the conditions the request decides."""
    lines: list[str] = []
    keys = ", ".join(a["dependsOn"])
    for stmt in a.get("conditional", []):
        where = f"{stmt['layer']} policy {stmt['policy']!r} statement {stmt['statement']}"
        lines.append(f"{indent}{stmt['effect']} in {where} if:")
        for clause in stmt.get("unmetConditions", []):
            lines.append(f"{indent}  {clause['operator']} {clause['key']} {clause['values']}")
    if lines:
        lines.append(f"{indent}the real request decides: it must carry {keys} as these require")
    else:
        lines.append(f"{indent}{'; '.join(a['reasons'])}")
        lines.append(
            f"{indent}the real request decides: it must carry {keys} as the policies require"
        )
    return lines


def _near_miss(miss: dict[str, Any], indent: str) -> list[str]:
    where = f"{miss['layer']} policy {miss['policy']!r} statement {miss['statement']}"
    lines = [f"{indent}near miss: {where} ({miss['effect']})"]
    for u in miss.get("unmetConditions", []):
        got = "missing" if u.get("missingKey") else u.get("requestValues")
        lines.append(f"{indent}  unmet {u['operator']} {u['key']} {u['values']} (request: {got})")
    return lines


def _missing_policy(d: dict[str, Any], indent: str) -> list[str]:
    if not d.get("missingPolicy"):
        return []
    head = f"{indent}policy to attach for what is NOT_GRANTED"
    if any(a["status"] == "DEPENDS" for c in d["capabilities"] for a in c["actions"]):
        head += " (actions that depend on the request are left out)"
    return [head + ":", json.dumps(d["missingPolicy"], indent=2)]
