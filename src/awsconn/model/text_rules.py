"""Limits and character rules for the text of a connector document.

Every text value ends up somewhere it can do harm when it is hostile: an HTTP header
(access key, External ID, role ARN), a log line, a terminal (names, tags, selectors).
These rules say, once, how long each field may be and which characters no field may hold.
All checks are linear in the length of the text.
"""

from __future__ import annotations

import re

from awsconn.errors import UNPRINTABLE

__all__ = [
    "MAX_CAPABILITIES",
    "MAX_CAPABILITY_CHARS",
    "MAX_DESCRIPTION_CHARS",
    "MAX_ID_CHARS",
    "MAX_ROLE_ARN_CHARS",
    "MAX_SELECTORS",
    "MAX_SELECTOR_CHARS",
    "MAX_TAGS",
    "MAX_TAG_KEY_CHARS",
    "MAX_TAG_VALUE_CHARS",
    "MAX_TEXT_CHARS",
    "SECRET_VALUE_EXPRESSION",
    "expression_in",
    "unsafe_character",
]

# Harness's limits where it has one (name, identifier: 128; description: 1,024).
MAX_ID_CHARS = 128
MAX_DESCRIPTION_CHARS = 1024
# awsconn's own, generous for what the fields hold.
MAX_TEXT_CHARS = 256  # any other short text: types, regions, secret references
MAX_TAG_KEY_CHARS = 128
MAX_TAG_VALUE_CHARS = 256
MAX_SELECTOR_CHARS = 128
MAX_CAPABILITY_CHARS = 64
MAX_ROLE_ARN_CHARS = 2048  # AWS: sts:AssumeRole RoleArn is 20-2048 characters
MAX_TAGS = 128
MAX_SELECTORS = 64
MAX_CAPABILITIES = 64

# No field holds C0/C1 controls (NUL, CR, LF, TAB, ESC, DEL, NEL, ...), line separators,
# bidi embeddings/overrides/isolates (text that displays reordered) or lone surrogates (no
# encoder writes them): errors.UNPRINTABLE. Multi-line free text may hold LF, TAB, U+2028/9.
_UNSAFE_MULTILINE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

# Harness's expression for reading a secret: <+secrets.getValue("account.key_id")>.
SECRET_VALUE_EXPRESSION = re.compile(
    r"<\+\s*secrets\.getValue\(\s*(?P<quote>[\"'])(?P<ref>[^\"'\\<>]{1,300})(?P=quote)\s*\)\s*>\Z"
)


def unsafe_character(text: str, *, multiline: bool = False) -> str | None:
    """Why ``text`` cannot be accepted (naming the first bad character), or None."""
    found = (_UNSAFE_MULTILINE if multiline else UNPRINTABLE).search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = (
        "a bidi override"
        if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069
        else "a lone surrogate"
        if 0xD800 <= code <= 0xDFFF
        else "a line separator"
        if code in (0x2028, 0x2029)
        else "a control character"
    )
    return f"contains {kind} (U+{code:04X}) at position {found.start() + 1}"


def expression_in(text: str) -> bool:
    """Whether ``text`` holds a Harness expression ``<+...>`` (awsconn evaluates none)."""
    start = text.find("<+")
    return start >= 0 and text.find(">", start + 2) >= 0
