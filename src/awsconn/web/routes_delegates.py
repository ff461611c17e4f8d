"""The Delegates page: registered delegates (connected or not, and why), their tags,
capabilities, version, last heartbeat and running tasks; how to start one, with a fresh
delegate token for an admin (shown once, as ``awsconn token create`` shows a token).
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from awsconn.errors import AwsconnError, Forbidden, ValidationFailed
from awsconn.model import Scope
from awsconn.model.results import Task
from awsconn.service import tasks
from awsconn.service.access import Permission
from awsconn.service.delegates import list_delegates
from awsconn.service.tokens import create_delegate_token
from awsconn.web.pages import Links, render
from awsconn.web.session import Ui, UiCall, form_of, problem_error

router = APIRouter()


def _running(ui: UiCall) -> dict[str, list[Task]]:
    """Running tasks by the delegate that holds them (those the caller may see)."""
    try:
        found = tasks.list_tasks(ui.ctx, scope=ui.caller.scope, states=["running"], limit=500)
    except Forbidden:
        return {}
    out: dict[str, list[Task]] = defaultdict(list)
    for task in found:
        if task.owner:
            out[task.owner].append(task)
    return out


def _page(
    request: Request,
    ui: UiCall,
    *,
    issued: str | None = None,
    token_name: str = "",
    failure: dict[str, object] | None = None,
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> Response:
    delegates = list_delegates(ui.ctx)
    server_url = str(request.url.replace(path=Links(request).app_root, query="")).rstrip("/")
    return render(
        request,
        "delegates.html",
        status=status,
        ui=ui,
        section="delegates",
        delegates=delegates,
        running=_running(ui),
        can_make_tokens=ui.can(Permission.TOKEN_ADMIN, Scope()),
        server_url=server_url,
        issued=issued,
        token_name=token_name,
        failure=failure,
        errors=errors or {},
    )


@router.get("/delegates")
def delegates_page(request: Request, ui: Ui) -> Response:
    return _page(request, ui)


@router.post("/delegates/token")
async def delegate_token(request: Request, ui: Ui) -> Response:
    form = await form_of(request)
    name = form.get("name", "").strip()

    def make() -> Response:
        try:
            issued = create_delegate_token(ui.ctx, name=name)
        except ValidationFailed as exc:
            errors = {"name": [p.message for p in exc.problems]}
            return _page(request, ui, token_name=name, errors=errors, status=400)
        except AwsconnError as exc:
            if isinstance(exc, Forbidden):
                raise
            return _page(request, ui, token_name=name, failure=problem_error(exc),
                         status=exc.http_status)  # fmt: skip
        return _page(request, ui, issued=issued.token, token_name=name)

    return await run_in_threadpool(make)
