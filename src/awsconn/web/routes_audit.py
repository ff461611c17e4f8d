"""The audit log for admins: every write and credential issued, newest first, a page at a
time (``audit.list_audit``, ``audit:view`` in the caller's scope)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from awsconn.errors import Problem, ValidationFailed
from awsconn.service.audit import list_audit
from awsconn.web.pages import render
from awsconn.web.session import Ui

router = APIRouter()

PAGE_SIZE = 50


@router.get("/audit")
def audit_page(request: Request, ui: Ui) -> Response:
    text = request.query_params.get("page", "1")
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise ValidationFailed(
            [Problem("page", "is not a page number", given=text, allowed="1 to 1000000")],
            what="audit page",
        )
    page = int(text)
    found = list_audit(ui.ctx, limit=PAGE_SIZE, page_index=page - 1)
    total = found.total_items or 0
    pages = max(1, -(-total // PAGE_SIZE))
    return render(request, "audit.html", ui=ui, section="audit", events=found.events,
                  page=page, pages=pages, total=total)  # fmt: skip
