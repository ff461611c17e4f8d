"""Secret values that every spelling writes differently, and connectors that use them.

Shared by the canary tests on SQLite (test_secret_canary.py) and PostgreSQL
(test_postgres_backend.py).
"""

from __future__ import annotations

import contextlib
import json
from urllib.parse import quote, quote_plus

__all__ = ["CONNECTORS", "ODD", "REFUSED", "spellings_of"]

# Values that escape differently in every spelling: CR, LF, quotes, backslashes, percent
# signs, non-ASCII. The CR/LF and non-ASCII ones are refused at use; the others reach AWS.
ODD = {
    "ak_crlf": "AKIACANARY\r\n00000001",
    "sk_crlf": "CANARY-sk\r\nline2-9e0f",
    "tok_crlf": "CANARY-tok\r\nX-Evil: 1-7c1d",
    "tok_lf": "CANARY-tok-lf\n-2b3c",
    "sk_odd": "CANARY-sk-'q' \"dq\" back\\slash 100%41 -5a6b",
    "tok_odd": "CANARY-tok-'q' \"dq\" back\\slash 100%41 -3c4d",
    "sk_uni": "CANARY-sk-caf\u00e9-\u2603-1a2b",
    "tok_uni": "CANARY-tok-\u2603\u00e9-8e9f",
}


def spellings_of(value: str) -> list[str]:
    """The value as output, logs or a database could hold it: plain, repr, bytes, JSON, URL."""
    forms = [
        value,
        repr(value)[1:-1],
        ascii(value)[1:-1],
        repr(value.encode())[2:-1],
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote_plus(value),
    ]
    with contextlib.suppress(UnicodeEncodeError):  # latin-1 is what http.client sends
        forms.append(repr(value.encode("latin-1"))[2:-1])
    # ... and each of those as stored inside a JSON document (the test history).
    forms += [json.dumps(f)[1:-1] for f in forms] + [
        json.dumps(f, ensure_ascii=False)[1:-1] for f in forms
    ]
    return sorted(set(forms))


def _manual(identifier: str, *, key: str, secret: str, token: str = "", role: str = "") -> str:
    key_line = f"accessKeyRef: {key[4:]}" if key.startswith("ref:") else f"accessKey: {key}"
    cross = f"      crossAccountAccess:\n        crossAccountRoleArn: {role}\n" if role else ""
    return (
        f"connector:\n  name: {identifier}\n  identifier: {identifier}\n  type: Aws\n"
        "  spec:\n    credential:\n      type: ManualConfig\n"
        f"{cross}"
        f"      spec:\n        {key_line}\n        secretKeyRef: {secret}\n"
        + (f"        sessionTokenRef: {token}\n" if token else "")
        + "      region: us-east-1\n    delegateSelectors: []\n"
    )


CONNECTORS = {
    # refused at use: CR/LF or non-ASCII in each of the three settings
    "c_ak": _manual("c_ak", key="ref:ak_crlf", secret="sk_odd"),
    "c_sk": _manual("c_sk", key="AKIACANARYSK00000001", secret="sk_crlf"),
    "c_tok": _manual("c_tok", key="ASIACANARYTOK0000001", secret="sk_odd", token="tok_crlf"),
    "c_lf": _manual("c_lf", key="ASIACANARYTOK0000001", secret="sk_odd", token="tok_lf"),
    "c_uni": _manual("c_uni", key="ASIACANARYUNI0000001", secret="sk_uni", token="tok_uni"),
    # usable: the odd values go to AWS (which refuses them) and come back in its errors
    "c_odd": _manual("c_odd", key="ASIACANARYODD0000001", secret="sk_odd", token="tok_odd"),
    "c_role": _manual(
        "c_role",
        key="ASIACANARYROL0000001",
        secret="sk_odd",
        token="tok_odd",
        role="arn:aws:iam::123456789012:role/canary",
    ),
}
REFUSED = ("c_ak", "c_sk", "c_tok", "c_lf", "c_uni")
