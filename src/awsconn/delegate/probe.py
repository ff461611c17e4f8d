"""What this delegate offers: its capabilities, as the server routes tasks by them.

- Every task kind (``connection-test``, ``regions``, ``permission-check``,
  ``credentials``): a delegate runs them all.
- ``identity:InheritFromDelegate`` when the ambient AWS chain has a source here:
  environment keys, a profile in the shared files, a container or EKS Pod Identity
  endpoint, a web identity token, or an instance metadata service that answers within
  :data:`IMDS_TIMEOUT_S`; ``identity:Irsa`` with ``AWS_ROLE_ARN`` and a readable
  ``AWS_WEB_IDENTITY_TOKEN_FILE``. Each source found is also listed as
  ``credentials:SOURCE`` (env, profile, web-identity, container, instance).
- ``aws-cli:VERSION`` and ``serverless:VERSION`` when those tools are on ``PATH``.

Nothing here calls AWS: the probe only looks at what the botocore chain would use, so
a delegate starts fast and the connection test is what proves the identity works.
"""

from __future__ import annotations

import configparser
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

__all__ = ["IMDS_TIMEOUT_S", "TASK_KINDS", "Probe", "probe"]

TASK_KINDS = ("connection-test", "regions", "permission-check", "credentials")
IMDS_TIMEOUT_S = 1.0
TOOL_TIMEOUT_S = 15.0
_VERSION = re.compile(r"(\d+(?:\.\d+)+)")
_IMDS = "http://169.254.169.254"


@dataclass(frozen=True)
class Probe:
    """What was found: the capabilities to report, and each finding for the log."""

    capabilities: tuple[str, ...]
    sources: tuple[str, ...]
    tools: dict[str, str | None]

    def describe(self) -> str:
        tools = ", ".join(f"{k} {v or '(version unknown)'}" for k, v in self.tools.items())
        return (
            f"AWS identity sources: {', '.join(self.sources) or 'none'}; tools: {tools or 'none'}"
        )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes")


def _profile_found(environ: Mapping[str, str]) -> bool:
    """Whether the profile botocore would use is in the shared config or credentials file."""
    home = Path(environ.get("HOME", "~")).expanduser()
    name = environ.get("AWS_PROFILE") or environ.get("AWS_DEFAULT_PROFILE") or "default"
    files = (
        (Path(environ.get("AWS_SHARED_CREDENTIALS_FILE", home / ".aws" / "credentials")), name),
        (
            Path(environ.get("AWS_CONFIG_FILE", home / ".aws" / "config")),
            name if name == "default" else f"profile {name}",
        ),
    )
    for path, section in files:
        parser = configparser.RawConfigParser(strict=False)
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        if parser.has_section(section) and parser.items(section):
            return True
    return False


def _web_identity(environ: Mapping[str, str]) -> bool:
    token_file = environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
    if not environ.get("AWS_ROLE_ARN") or not token_file:
        return False
    try:
        return Path(token_file).is_file() and bool(Path(token_file).read_bytes().strip())
    except OSError:
        return False


def _imds_answers(environ: Mapping[str, str]) -> bool:
    """Whether an instance metadata service answers (any HTTP answer counts)."""
    if _truthy(environ.get("AWS_EC2_METADATA_DISABLED")):
        return False
    base = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or _IMDS
    request = urllib.request.Request(
        f"{base.rstrip('/')}/latest/api/token",
        method="PUT",
        headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(request, timeout=IMDS_TIMEOUT_S):
            return True
    except urllib.error.HTTPError:
        return True  # it answered
    except (OSError, ValueError):
        return False


def identity_sources(environ: Mapping[str, str]) -> list[str]:
    """The sources of the ambient AWS chain found here, in botocore's order."""
    found = []
    if environ.get("AWS_ACCESS_KEY_ID") and environ.get("AWS_SECRET_ACCESS_KEY"):
        found.append("env")
    if _web_identity(environ):
        found.append("web-identity")
    if _profile_found(environ):
        found.append("profile")
    if environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI") or environ.get(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
    ):
        found.append("container")
    if _imds_answers(environ):
        found.append("instance")
    return found


def tool_version(command: str, environ: Mapping[str, str]) -> tuple[bool, str | None]:
    """Whether ``command`` is on the environ's PATH, and its version when it says one."""
    found = shutil.which(command, path=environ.get("PATH"))
    if found is None:
        return False, None
    try:
        done = subprocess.run(
            [found, "--version"],
            env=dict(environ),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TOOL_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return True, None
    match = _VERSION.search(done.stdout + "\n" + done.stderr)
    return True, match.group(1) if match else None


def probe(environ: Mapping[str, str]) -> Probe:
    """What this machine offers now (run again after the init script)."""
    with ThreadPoolExecutor(max_workers=3) as pool:
        sources = pool.submit(identity_sources, environ)
        aws = pool.submit(tool_version, "aws", environ)
        sls = pool.submit(tool_version, "serverless", environ)
        found_sources = sources.result()
        tools: dict[str, str | None] = {}
        for name, future in (("aws-cli", aws), ("serverless", sls)):
            present, version = future.result()
            if present:
                tools[name] = version
    caps = list(TASK_KINDS)
    if found_sources:
        caps.append("identity:InheritFromDelegate")
    if "web-identity" in found_sources:
        caps.append("identity:Irsa")
    caps += [f"credentials:{s}" for s in found_sources]
    caps += [f"{name}:{version}" if version else name for name, version in tools.items()]
    return Probe(tuple(caps), tuple(found_sources), tools)
