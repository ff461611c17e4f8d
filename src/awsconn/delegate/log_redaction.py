"""Secret values out of every line the delegate logs.

The agent never formats a task's session or result into a log line, but a message it
did not write (an exception's text, a library's warning) could hold one. While a task
runs, its session's secret values are known to :class:`SecretsFilter`, a logging filter
on the agent's handler that masks them (every spelling ``aws/redaction.py`` knows) in
each record before it is written.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterable

from awsconn.aws.redaction import Redactor

__all__ = ["SecretsFilter"]


class SecretsFilter(logging.Filter):
    """Masks the secrets of the running tasks in every record (thread-safe)."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()
        self._redactor = Redactor()

    def hold(self, secrets: Iterable[str | None]) -> None:
        """A task with these secrets starts."""
        with self._lock:
            self._held.update(s for s in secrets if s)
            self._redactor = Redactor(self._held)

    def release(self, secrets: Iterable[str | None]) -> None:
        """That task has ended (its values may still be held by another one)."""
        with self._lock:
            self._held.subtract(s for s in secrets if s)
            self._held = +self._held
            self._redactor = Redactor(self._held)

    def filter(self, record: logging.LogRecord) -> bool:
        redactor = self._redactor
        if redactor:
            text = record.getMessage()
            clean = redactor.text(text)
            if clean != text:
                record.msg, record.args = clean, None
        if record.exc_info and redactor:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, redactor.text(formatted)
        return True
