"""One client class per service and factory, instead of one per client.

botocore builds a fresh client class (about 750 generated methods for EC2) every
time a client is created; for hundreds of connectors that is most of the CPU cost
of a connection test. The class depends only on the service model and on the
``creating-client-class`` handlers of the emitter, so clients made through the same
shared emitter can share it. Only emitters marked by :func:`enable_class_cache`
(the factory's shared one) are cached; every other botocore user is unaffected.
"""

from __future__ import annotations

import threading
from typing import Any

from botocore.client import ClientCreator

__all__ = ["enable_class_cache"]

_MARK = "_awsconn_client_classes"
_lock = threading.Lock()
_original = getattr(ClientCreator, "_create_client_class")  # noqa: B009 - private in stubs


def _create_client_class(self: Any, service_name: str, service_model: Any) -> Any:
    emitter = self._event_emitter
    # Sessions wrap the emitter they are given in an EventAliaser; look through it.
    cache: dict[tuple[str, str], Any] | None = getattr(
        emitter, _MARK, getattr(getattr(emitter, "_emitter", None), _MARK, None)
    )
    if cache is None:
        return _original(self, service_name, service_model)
    key = (service_name, service_model.api_version)
    found = cache.get(key)
    if found is None:
        built = _original(self, service_name, service_model)
        with _lock:
            found = cache.setdefault(key, built)
    return found


def enable_class_cache(emitter: Any) -> None:
    """Share client classes among clients created with ``emitter`` (idempotent)."""
    if getattr(ClientCreator, "_create_client_class", None) is not _create_client_class:
        setattr(ClientCreator, "_create_client_class", _create_client_class)  # noqa: B010
    if getattr(emitter, _MARK, None) is None:
        setattr(emitter, _MARK, {})
