"""Status alerts to a real local HTTP receiver: one plain JSON POST per SUCCESS→FAILURE and
FAILURE→SUCCESS, in order, with the connector, both statuses, the time and the error code
(never a message, never a secret); retried with a doubling pause, a timeout per POST, and
nothing lost while the receiver is down. The webhook URL is checked and never shown."""

from __future__ import annotations

import pytest

from awsconn.errors import ValidationFailed
from awsconn.model import EntityRef, Scope
from awsconn.service import connectors
from awsconn.service.access import SERVER_CALLER
from awsconn.service.alerts import (
    EVENT,
    WEBHOOK_URL_ENV,
    Webhook,
    send_alerts,
    webhook_of,
)
from awsconn.service.context import AppContext
from awsconn.service.monitoring import follow_status_changes
from status_change_fixtures import connector_yaml, post_outcome
from webhook_fixtures import Receiver

CANARY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYALERTCANARY"


def _no_pause(pauses: list[float] | None = None) -> object:
    def wait(seconds: float) -> bool:
        if pauses is not None:
            pauses.append(seconds)
        return False

    return wait


def _ready(server: AppContext, identifier: str = "prod", org: str | None = "eng") -> EntityRef:
    connectors.apply_yaml(server, connector_yaml(identifier, org), mode="create")
    follow_status_changes(server, "alert-webhook", lambda c: True, holder="setup")
    return EntityRef(Scope(org), identifier)


def test_each_success_failure_move_is_posted_once_in_order(
    server: AppContext, receiver: Receiver
) -> None:
    ref = _ready(server)
    own = server.for_request(SERVER_CALLER)
    hook = Webhook(receiver.url)
    post_outcome(server, ref, "SUCCESS")  # its first status: not alerted
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED", message=f"denied {CANARY}")
    post_outcome(server, ref, "SUCCESS")
    report = send_alerts(own, hook, holder="p1", wait=_no_pause())  # type: ignore[arg-type]
    assert (len(report.sent), report.passed_over, report.undelivered) == (2, 1, None)
    posts = receiver.delivered
    assert [p.path for p in posts] == ["/hooks/T0KEN-IN-THE-PATH"] * 2
    assert all(p.headers["Content-Type"] == "application/json" for p in posts)
    first, second = (p.body for p in posts)
    assert set(first) == {
        "event", "changeId", "account", "connector", "fromStatus", "toStatus", "at", "errorCode",
    }  # fmt: skip
    assert (first["event"], first["account"], first["connector"]) == (EVENT, "default", "eng/prod")
    assert (first["fromStatus"], first["toStatus"], first["errorCode"]) == (
        "SUCCESS",
        "FAILURE",
        "ACCESS_DENIED",
    )
    assert (second["fromStatus"], second["toStatus"], second["errorCode"]) == (
        "FAILURE",
        "SUCCESS",
        None,
    )
    assert first["changeId"] < second["changeId"] and first["at"].endswith("Z")
    assert all(CANARY not in p.raw.decode() and "denied" not in p.raw.decode() for p in posts)
    again = send_alerts(own, hook, holder="p2", wait=_no_pause())  # type: ignore[arg-type]
    assert again.sent == [] and len(receiver.posts) == 2  # sent once


def test_a_failed_post_is_tried_again_with_a_doubling_pause(
    server: AppContext, receiver: Receiver
) -> None:
    ref = _ready(server)
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="TIMEOUT")
    receiver.answer_with(503, 500)
    pauses: list[float] = []
    hook = Webhook(receiver.url, attempts=3, backoff_s=1.0)
    report = send_alerts(server, hook, holder="p1", wait=_no_pause(pauses))  # type: ignore[arg-type]
    assert [p.status for p in receiver.posts] == [503, 500, 200]
    assert pauses == [1.0, 2.0] and len(report.sent) == 1
    assert receiver.posts[0].raw == receiver.posts[2].raw  # the same alert each time


def test_nothing_is_lost_while_the_receiver_is_down(
    server: AppContext, receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    ref = _ready(server)
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED")
    post_outcome(server, ref, "SUCCESS")
    hook = Webhook(receiver.url, attempts=2)
    receiver.answer_with(502, 502)
    down = send_alerts(server, hook, holder="p1", wait=_no_pause())  # type: ignore[arg-type]
    assert down.sent == [] and down.failure == "HTTP 502"
    assert down.undelivered is not None and down.undelivered.to_status == "FAILURE"
    assert "T0KEN" not in caplog.text and "http://127.0.0.1" in caplog.text
    up = send_alerts(server, hook, holder="p2", wait=_no_pause())  # type: ignore[arg-type]
    assert [(c.from_status, c.to_status) for c in up.sent] == [
        ("SUCCESS", "FAILURE"),
        ("FAILURE", "SUCCESS"),
    ]
    assert [p.body["toStatus"] for p in receiver.delivered] == ["FAILURE", "SUCCESS"]


def test_each_post_has_a_timeout(server: AppContext, receiver: Receiver) -> None:
    ref = _ready(server)
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED")
    receiver.hang()
    hook = Webhook(receiver.url, timeout_s=0.3, attempts=1)
    report = send_alerts(server, hook, holder="p1", wait=_no_pause())  # type: ignore[arg-type]
    receiver.release()
    assert report.sent == [] and report.failure == "no answer within 0.3 s"


def test_a_stop_between_attempts_ends_the_pass(server: AppContext, receiver: Receiver) -> None:
    ref = _ready(server)
    post_outcome(server, ref, "SUCCESS")
    post_outcome(server, ref, "FAILURE", code="ACCESS_DENIED")
    receiver.answer_with(500)
    report = send_alerts(server, Webhook(receiver.url), holder="p1", wait=lambda s: True)
    assert len(receiver.posts) == 1 and report.sent == []


def test_the_webhook_url_is_checked_and_never_shown() -> None:
    assert webhook_of({}) is None and webhook_of({WEBHOOK_URL_ENV: "  "}) is None
    hook = webhook_of({WEBHOOK_URL_ENV: "https://user:pw@hooks.example:8443/T0KEN?x=SECRET"})
    assert hook is not None and hook.where == "https://hooks.example:8443"
    assert "T0KEN" not in repr(hook) and "SECRET" not in repr(hook)
    for bad, why in (
        ("ftp://hooks.example/T0KEN", "is not an http or https URL"),
        ("https:///T0KEN", "names no host"),
        ("https://hooks.example:port/T0KEN", "is not a URL"),
        ("https://hooks.example/T0KEN with space", "spaces or control"),
    ):
        with pytest.raises(ValidationFailed) as info:
            webhook_of({WEBHOOK_URL_ENV: bad})
        text = str(info.value)
        assert WEBHOOK_URL_ENV in text and why in text and "T0KEN" not in text
