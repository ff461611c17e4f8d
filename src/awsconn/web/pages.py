"""Rendering pages: one Jinja2 environment (autoescaped), links under the UI's root, the
headers every page carries.

Templates get ``ui`` (the request's links and, when signed in, the caller and CSRF
token) besides their own values. Pages are never cached and never framed; the Content
Security Policy allows this server's own scripts and styles only (no inline script, no
eval), so nothing injected into a page can run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from awsconn.model import Scope
from awsconn.model.regions import region_label
from awsconn.service.access import Permission
from awsconn.version import __version__

__all__ = ["STATIC_DIR", "Links", "render", "security_headers"]

_HERE = Path(__file__).resolve().parent
STATIC_DIR = _HERE / "static"
TEMPLATES_DIR = _HERE / "templates"
UI_PREFIX = "/ui"

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def security_headers() -> dict[str, str]:
    return {
        "Content-Security-Policy": _CSP,
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }


class Links:
    """URLs of the UI and its assets for one request (behind a proxy's root path too)."""

    def __init__(self, request: Request) -> None:
        ui_root = str(request.scope.get("root_path") or "").rstrip("/")
        self.root = ui_root
        self.app_root = ui_root.removesuffix(UI_PREFIX)

    def __call__(self, path: str, query: Mapping[str, Any] | None = None, **params: Any) -> str:
        """``path`` inside the UI, with the query parameters that have a value."""
        given = {**(query or {}), **params}
        values = [(k, v) for k, v in given.items() if v not in (None, "", False)]
        tail = f"?{urlencode(values, doseq=True)}" if values else ""
        return f"{self.root}{path}{tail}"

    def static(self, name: str) -> str:
        return f"{self.app_root}/static/{name}"

    def scoped(self, path: str, scope: Scope, **params: Any) -> str:
        """``path`` in ``scope`` (its org and project as query parameters)."""
        return self(path, org=scope.org, project=scope.project, **params)


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _scope_label(scope: Scope) -> str:
    return scope.label()


def _pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, ensure_ascii=False)


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(["html"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["scope_label"] = _scope_label
    env.filters["pretty_json"] = _pretty_json
    env.filters["region_label"] = region_label
    env.globals["awsconn_version"] = __version__
    env.globals["Permission"] = Permission
    env.globals["Scope"] = Scope
    return env


def render(
    request: Request,
    template: str,
    *,
    status: int = 200,
    ui: Any = None,
    headers: Mapping[str, str] | None = None,
    **values: Any,
) -> HTMLResponse:
    """``template`` as the answer; an htmx request gets the template's ``fragment`` block
    when it has one (the part the request swaps), else the whole page."""
    env = _environment()
    tmpl = env.get_template(template)
    context = {
        "links": Links(request),
        "ui": ui,
        "htmx": bool(request.headers.get("hx-request")),
        "correlation_id": getattr(request.state, "correlation_id", ""),
        "section": "",
        **values,
    }
    if context["htmx"] and "fragment" in tmpl.blocks:
        body = "".join(tmpl.blocks["fragment"](tmpl.new_context(context)))
    else:
        body = tmpl.render(context)
    out = {**security_headers(), **(headers or {})}
    return HTMLResponse(body, status_code=status, headers=out)
