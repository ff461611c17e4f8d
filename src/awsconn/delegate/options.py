"""What ``awsconn delegate run`` takes, checked before anything connects.

Every problem names its option's setting (``manager``, ``token``, ``name``, ...) and what
is allowed; the CLI exits 2 on them. The rules the server applies again (a delegate's
name, its tags) are the service's; here only what the agent itself needs is checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from awsconn.errors import Problem, ValidationFailed

__all__ = [
    "CONCURRENCY_RANGE",
    "INIT_TIMEOUT_RANGE",
    "POLL_RANGE",
    "AgentOptions",
    "check_options",
]

CONCURRENCY_RANGE = (1, 64)
POLL_RANGE = (1.0, 60.0)
INIT_TIMEOUT_RANGE = (1.0, 3600.0)
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,127}\Z")
_NAME_RULE = "1-128 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit"


@dataclass(frozen=True)
class AgentOptions:
    """One delegate's settings.

    ``manager``: the server's base URL; ``token``: a delegate token (never in repr);
    ``tags``: what connectors' ``delegateSelectors`` match; ``concurrency``: tasks run at
    once; ``poll_seconds``: how long one long poll waits for a task; ``init_script``: run
    once before taking work, ``init_timeout_s`` at most; ``verify``: TLS verification
    (False, or a CA bundle's path).
    """

    manager: str
    token: str = field(repr=False)
    name: str
    tags: tuple[str, ...] = ()
    concurrency: int = 4
    poll_seconds: float = 10.0
    init_script: Path | None = None
    init_timeout_s: float = 600.0
    verify: bool | str = True


def _tags(raw: Sequence[str]) -> tuple[str, ...]:
    """Tags given as several options or comma-separated, trimmed, duplicates dropped."""
    found: dict[str, None] = {}
    for item in raw:
        for tag in item.split(","):
            if tag.strip():
                found[tag.strip()] = None
    return tuple(found)


def check_options(
    *,
    manager: str | None,
    token: str | None,
    name: str | None,
    tags: Sequence[str],
    concurrency: int,
    poll_seconds: float,
    init_script: str | None,
    init_timeout_s: float,
    verify: bool | str = True,
) -> AgentOptions:
    """The options, or ValidationFailed listing every problem."""
    from awsconn.client.transport import check_url

    problems: list[Problem] = []
    url = ""
    if not manager:
        problems.append(Problem("manager", "is required: the awsconn server's URL"))
    else:
        try:
            url = check_url(manager)
        except ValidationFailed as exc:
            problems.extend(Problem("manager", p.message, p.given, p.allowed) for p in exc.problems)
    if not token:
        problems.append(Problem("token", "is required: a delegate token (the value is not shown)"))
    elif not token.startswith("awsc_"):
        problems.append(
            Problem("token", "is not a delegate token (they start with awsc_; not shown)")
        )
    if not name:
        problems.append(Problem("name", "is required", allowed=_NAME_RULE))
    elif not _NAME.match(name):
        problems.append(Problem("name", "is not a delegate name", given=name, allowed=_NAME_RULE))
    low, high = CONCURRENCY_RANGE
    if not low <= concurrency <= high:
        problems.append(
            Problem("concurrency", "is out of range", given=concurrency, allowed=f"{low}-{high}")
        )
    for setting, value, (lo, hi) in (
        ("poll", poll_seconds, POLL_RANGE),
        ("initTimeout", init_timeout_s, INIT_TIMEOUT_RANGE),
    ):
        if not lo <= value <= hi:
            allowed = f"{lo:g} to {hi:g} seconds"
            problems.append(Problem(setting, "is out of range", given=value, allowed=allowed))
    script = Path(init_script) if init_script else None
    if script is not None and not (script.is_file() and os.access(script, os.R_OK)):
        problems.append(Problem("initScript", "is not a readable file", given=init_script))
    if problems:
        raise ValidationFailed(problems, what="delegate options")
    assert token is not None and name is not None
    return AgentOptions(
        manager=url,
        token=token,
        name=name,
        tags=_tags(tags),
        concurrency=concurrency,
        poll_seconds=poll_seconds,
        init_script=script,
        init_timeout_s=init_timeout_s,
        verify=verify,
    )
