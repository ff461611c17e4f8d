"""The connector's back-off override (``awsSdkClientBackOffStrategyOverride``) on botocore.

Why: botocore's standard retry mode decides *whether* to retry well (throttling,
transient errors, connection errors) but its delay curve is fixed. We keep its
decision and quota and swap only the delay, honouring the connector's strategy.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from botocore.retries import quota, standard
from botocore.retries.base import BaseRetryBackoff

from awsconn.aws.session_spec import Backoff

__all__ = ["Backoff", "BackoffDelay", "install_backoff"]


class BackoffDelay(BaseRetryBackoff):
    """Delay before retry ``attempt`` (1 = first retry), in seconds, per the strategy."""

    def __init__(self, backoff: Backoff, rand: Callable[[], float] = random.random) -> None:
        self._backoff = backoff
        self._rand = rand

    def seconds(self, attempt: int) -> float:
        b = self._backoff
        if b.kind == "FixedDelayBackoffStrategy":
            return b.fixed_backoff_ms / 1000.0
        ceiling = min(b.max_backoff_ms, b.base_delay_ms * (2 ** max(attempt - 1, 0)))
        if b.kind == "EqualJitterBackoffStrategy":
            half = ceiling / 2.0
            return float(half + self._rand() * half) / 1000.0
        return float(self._rand() * ceiling) / 1000.0

    def delay_amount(self, context: Any) -> float:
        return self.seconds(context.attempt_number)


def install_backoff(client: Any, backoff: Backoff) -> Any:
    """Replace the client's standard-mode retry handler by one using ``backoff``'s delays.

    The client must have been created in ``standard`` retry mode; the returned handler
    is the one now registered (tests inspect it).
    """
    service_event = client.meta.service_model.service_id.hyphenize()
    unique_id = f"retry-config-{service_event}"
    client.meta.events.unregister(f"needs-retry.{service_event}", unique_id=unique_id)
    adapter = standard.RetryEventAdapter()
    detector = standard.ThrottlingErrorDetector(adapter)
    quota_checker: Any = standard.RetryQuotaChecker(quota.RetryQuota(), detector)
    handler = standard.RetryHandler(
        retry_policy=standard.RetryPolicy(
            retry_checker=standard.StandardRetryConditions(max_attempts=backoff.retry_count + 1),
            retry_backoff=BackoffDelay(backoff),
        ),
        retry_event_adapter=adapter,
        retry_quota=quota_checker,
        service_name=service_event,
    )
    client.meta.events.register(
        f"needs-retry.{service_event}", handler.needs_retry, unique_id=unique_id
    )
    client.meta.awsconn_backoff = backoff
    return handler
