"""Keep secret values out of every message: in plain text and in every escaped spelling.

Why every spelling: a secret rarely comes back verbatim. ``http.client`` refused a
session token containing CR/LF with ``Invalid header value b'...'`` (the bytes repr),
Python messages quote values with ``repr`` (``'a\\r\\nb'``), JSON escapes them
(``"a\\r\\nb"``, ``\\u2603``) and URLs percent-encode them (``a%0D%0Ab``). Replacing only
the plain value let such messages reach the output, the test history and the database.
A :class:`Redactor` knows each secret's spellings and replaces all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import quote, quote_plus

from awsconn.errors import AwsCallFailed, AwsconnError, AwsFailure

__all__ = ["MASK", "MIN_SECRET_LENGTH", "Redactor", "spellings"]

MASK = "***"
# Shorter values cannot be real AWS keys or tokens, and replacing one or two characters
# everywhere would garble every message without protecting anything.
MIN_SECRET_LENGTH = 4

_PERCENT = re.compile(r"%[0-9A-F]{2}")


def spellings(secret: str) -> set[str]:
    """The ways ``secret`` can be written inside a message (itself included)."""
    forms = {
        secret,
        repr(secret)[1:-1],
        ascii(secret)[1:-1],
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
    }
    for encoding in ("utf-8", "latin-1"):
        try:
            forms.add(repr(secret.encode(encoding))[2:-1])
        except UnicodeEncodeError:
            continue
    forms |= {_PERCENT.sub(lambda m: m.group(0).lower(), f) for f in forms if "%" in f}
    # ... and each of those quoted once more inside a JSON document (an AWS error body).
    forms |= {json.dumps(f)[1:-1] for f in forms}
    return {f for f in forms if f}


class Redactor:
    """Replaces the known secret values, in every spelling, by ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        forms: set[str] = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                forms |= spellings(secret)
        # Longest first: a spelling may contain another (the plain value inside its repr).
        self._forms = sorted(forms, key=len, reverse=True)

    def __bool__(self) -> bool:
        return bool(self._forms)

    def text(self, text: str) -> str:
        for form in self._forms:
            if form in text:
                text = text.replace(form, MASK)
        return text

    def failure(self, failure: AwsFailure) -> AwsFailure:
        """A copy of ``failure`` whose message and hint hold no secret."""
        if not self._forms:
            return failure
        return replace(failure, message=self.text(failure.message), hint=self.text(failure.hint))

    def error(self, exc: AwsconnError) -> AwsconnError:
        """``exc`` with its message, hint (and classified failure) cleaned, in place."""
        if not self._forms:
            return exc
        exc.message = self.text(exc.message)
        exc.hint = self.text(exc.hint) if exc.hint else exc.hint
        exc.args = tuple(self.text(a) if isinstance(a, str) else a for a in exc.args)
        if isinstance(exc, AwsCallFailed):
            exc.failure = self.failure(exc.failure)
        return exc
