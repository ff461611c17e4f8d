"""The create/edit wizard's form: its fields, the connector document they make, and where
each validation problem belongs.

The form holds text only; the rules are the model's and the service's: the document is
built as written (a bad ID stays bad) and checked by the same validation as the API, and
each problem's YAML path is mapped back to the field that caused it. The Secret Key
typed in the form is never kept here beyond the request, never put back into a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from awsconn.errors import Problem
from awsconn.model import CredentialType, EntityRef, Scope
from awsconn.model.credentials import MAX_CHAIN_HOPS
from awsconn.service.inline_secrets import SECRET_KEY_PATH, NewSecret, inline_secret_name

__all__ = [
    "CREDENTIAL_TYPES",
    "FIELD_STEPS",
    "MAX_CHAIN_HOPS",
    "STEPS",
    "WizardForm",
    "errors_by_field",
    "first_step_with_errors",
]

STEPS = ("Overview", "Credentials", "Connectivity", "Connection test")
CREDENTIAL_TYPES = (
    ("InheritFromDelegate", "Assume IAM Role on Delegate"),
    ("ManualConfig", "AWS Access Key"),
    ("Irsa", "Use IRSA"),
    ("OidcAuthentication", "Use OpenID Connect (OIDC)"),
)
"""The Credentials step's choices, in the seed's words (the connectors list's labels too)."""
BACKOFF_TYPES = (
    ("", "SDK default"),
    ("FixedDelayBackoffStrategy", "Fixed delay"),
    ("EqualJitterBackoffStrategy", "Equal jitter"),
    ("FullJitterBackoffStrategy", "Full jitter"),
)
_BACKOFF_FIELDS = {
    "retryCount": "retry_count",
    "fixedBackoff": "fixed_backoff",
    "baseDelay": "base_delay",
    "maxBackoffTime": "max_backoff_time",
}
_TEXT_FIELDS = (
    "name", "identifier", "description", "tags", "credential_type", "access_key_mode",
    "access_key", "access_key_ref", "secret_key_mode", "secret_key_ref", "secret_key_name",
    "session_token_ref", "cross_account", "role_arn", "external_id", "region",
    "iam_role_arn", "audience",
    "backoff_type", "retry_count", "fixed_backoff", "base_delay", "max_backoff_time",
    "connectivity", "delegate_mode", "delegate_tags",
)  # fmt: skip

FIELD_STEPS: dict[str, int] = {
    **{f: 1 for f in ("name", "identifier", "description", "tags")},
    **{
        f: 2
        for f in (
            "credential_type", "access_key", "access_key_ref", "secret_key_ref",
            "secret_key_name", "secret_key_value", "session_token_ref", "role_arn",
            "external_id", "region", "backoff_type", "retry_count", "fixed_backoff",
            "base_delay", "max_backoff_time", "capabilities", "iam_role_arn", "audience",
            "chain",
            *(f"chain_{k}_{i}" for k in ("role_arn", "external_id") for i in range(MAX_CHAIN_HOPS)),
        )
    },
    **{f: 3 for f in ("connectivity", "delegate_tags")},
}  # fmt: skip
"""The step each field is on."""

_CRED = "spec.credential"
_CHAIN = f"{_CRED}.crossAccountAccess.chain"
_HOP_PATH = re.compile(re.escape(_CHAIN) + r"\[(\d+)\](?:\.(roleArn|externalId))?")
_PATHS: tuple[tuple[str, str], ...] = (
    (f"{_CRED}.spec.iamRoleArn", "iam_role_arn"),
    (f"{_CRED}.spec.audience", "audience"),
    (_CHAIN, "chain"),
    (f"{_CRED}.spec.accessKeyRef", "access_key_ref"),
    (f"{_CRED}.spec.accessKey", "access_key"),
    (f"{_CRED}.spec.sessionTokenRef", "session_token_ref"),
    (f"{_CRED}.crossAccountAccess.crossAccountRoleArn", "role_arn"),
    (f"{_CRED}.crossAccountAccess.externalId", "external_id"),
    (f"{_CRED}.crossAccountAccess", "role_arn"),
    (f"{_CRED}.region", "region"),
    (f"{_CRED}.type", "credential_type"),
    (f"{_CRED}.spec", "credential_type"),
    (_CRED, "credential_type"),
    ("spec.awsSdkClientBackOffStrategyOverride.type", "backoff_type"),
    *(
        (f"spec.awsSdkClientBackOffStrategyOverride.spec.{k}", v)
        for k, v in _BACKOFF_FIELDS.items()
    ),
    ("spec.awsSdkClientBackOffStrategyOverride", "backoff_type"),
    ("spec.capabilities", "capabilities"),
    ("spec.delegateSelectors", "delegate_tags"),
    ("spec.executeOnDelegate", "connectivity"),
    ("newSecret.identifier", "secret_key_name"),
    ("newSecret.value", "secret_key_value"),
    ("description", "description"),
    ("identifier", "identifier"),
    ("name", "name"),
    ("tags", "tags"),
)


def field_of(path: str, *, new_secret: bool) -> str | None:
    """The form field a problem at ``path`` belongs to (None: the form as a whole)."""
    if path == SECRET_KEY_PATH:
        return "secret_key_name" if new_secret else "secret_key_ref"
    hop = _HOP_PATH.match(path)
    if hop is not None and int(hop.group(1)) < MAX_CHAIN_HOPS:
        kind = "external_id" if hop.group(2) == "externalId" else "role_arn"
        return f"chain_{kind}_{hop.group(1)}"
    for prefix, name in _PATHS:
        if path == prefix or path.startswith((prefix + ".", prefix + "[")):
            return name
    return None


def _message(problem: Problem) -> str:
    return f"{problem.message} (allowed: {problem.allowed})" if problem.allowed else problem.message


def errors_by_field(
    problems: list[Problem], *, new_secret: bool
) -> tuple[dict[str, list[str]], list[Problem]]:
    """Problems as messages per field, and those that belong to no field."""
    out: dict[str, list[str]] = {}
    general: list[Problem] = []
    for p in problems:
        name = field_of(p.path, new_secret=new_secret)
        if name is None:
            general.append(p)
        elif _message(p) not in out.setdefault(name, []):
            out[name].append(_message(p))
    return out, general


def first_step_with_errors(errors: Mapping[str, list[str]]) -> int | None:
    steps = [FIELD_STEPS.get(name, 3) for name in errors]
    return min(steps) if steps else None


def _split(text: str) -> list[str]:
    return [t for t in re.split(r"[,\s]+", text.strip()) if t]


def _tags(text: str) -> tuple[dict[str, str], list[Problem]]:
    """Tags written one per line (or comma-separated) as ``KEY=VALUE`` or ``KEY``."""
    out: dict[str, str] = {}
    problems: list[Problem] = []
    for item in (t.strip() for t in re.split(r"[\n,]", text)):
        if not item:
            continue
        key, _, value = item.partition("=")
        if not key.strip():
            problems.append(
                Problem("tags", "a tag needs a key", given=item, allowed="KEY or KEY=VALUE")
            )
            continue
        out[key.strip()] = value.strip()
    return out, problems


@dataclass
class WizardForm:
    """The wizard's fields as text (the Secret Key value only as long as the request)."""

    values: dict[str, str] = field(default_factory=dict)
    capabilities: list[str] = field(default_factory=list)
    secret_value: str = field(default="", repr=False)

    @classmethod
    def from_form(cls, form: Any) -> WizardForm:
        values = {k: str(form.get(k) or "") for k in _TEXT_FIELDS}
        rows = str(form.get("chain_rows") or "0")
        count = min(int(rows), MAX_CHAIN_HOPS) if rows.isdigit() else 0
        for i in range(count):
            for kind in ("role_arn", "external_id"):
                values[f"chain_{kind}_{i}"] = str(form.get(f"chain_{kind}_{i}") or "")
        values["chain_rows"] = str(count)
        caps = [str(c) for c in form.getlist("capabilities") if c]
        return cls(values, caps, str(form.get("secret_key_value") or ""))

    @classmethod
    def blank(cls) -> WizardForm:
        return cls(
            {
                "credential_type": "ManualConfig",
                "access_key_mode": "plain",
                "secret_key_mode": "new",
                "region": "us-east-1",
                "delegate_mode": "any",
            }
        )

    @classmethod
    def of_document(cls, body: Mapping[str, Any]) -> WizardForm:
        """The form of a stored connector (the ``connector`` body of its document)."""
        spec = body.get("spec") or {}
        cred = spec.get("credential") or {}
        manual = cred.get("spec") or {}
        cross = cred.get("crossAccountAccess") or {}
        backoff = spec.get("awsSdkClientBackOffStrategyOverride") or {}
        selectors = list(spec.get("delegateSelectors") or [])
        tags = body.get("tags") or {}
        oidc = cred.get("type") == CredentialType.OIDC.value
        if oidc:
            manual, oidc_spec = {}, manual
        else:
            oidc_spec = {}
        values = {
            "name": str(body.get("name", "")),
            "identifier": str(body.get("identifier", "")),
            "description": str(body.get("description", "")),
            "tags": "\n".join(f"{k}={v}" if v else k for k, v in tags.items()),
            "credential_type": str(cred.get("type", "ManualConfig")),
            "access_key_mode": "secret" if manual.get("accessKeyRef") else "plain",
            "access_key": str(manual.get("accessKey", "")),
            "access_key_ref": str(manual.get("accessKeyRef", "")),
            "secret_key_mode": "existing",
            "secret_key_ref": str(manual.get("secretKeyRef", "")),
            "session_token_ref": str(manual.get("sessionTokenRef", "")),
            "cross_account": "on" if cross else "",
            "role_arn": str(cross.get("crossAccountRoleArn", "")),
            "external_id": str(cross.get("externalId", "")),
            "iam_role_arn": str(oidc_spec.get("iamRoleArn", "")),
            "audience": str(oidc_spec.get("audience", "")),
            "region": str(cred.get("region", "us-east-1")),
            "backoff_type": str(backoff.get("type", "")),
            "connectivity": "awsconn" if spec.get("executeOnDelegate") is False else "delegate",
            "delegate_mode": "tags" if selectors else "any",
            "delegate_tags": ", ".join(selectors),
        }
        for key, name in _BACKOFF_FIELDS.items():
            value = (backoff.get("spec") or {}).get(key)
            values[name] = "" if value is None else str(value)
        hops = [h for h in cross.get("chain") or [] if isinstance(h, Mapping)][:MAX_CHAIN_HOPS]
        for i, hop in enumerate(hops):
            values[f"chain_role_arn_{i}"] = str(hop.get("roleArn", ""))
            values[f"chain_external_id_{i}"] = str(hop.get("externalId", ""))
        values["chain_rows"] = str(len(hops))
        return cls(values, list(spec.get("capabilities") or []))

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    @property
    def identifier(self) -> str:
        return self.get("identifier").strip()

    @property
    def wants_new_secret(self) -> bool:
        return (
            self.get("credential_type") == "ManualConfig" and self.get("secret_key_mode") == "new"
        )

    def secret_name(self) -> str:
        """The new secret's name: as typed, else ``<ID>_secret_key``."""
        return self.get("secret_key_name").strip() or inline_secret_name(self.identifier)

    def new_secret(self, scope: Scope) -> NewSecret | None:
        if not self.wants_new_secret:
            return None
        return NewSecret(EntityRef(scope, self.secret_name()), self.secret_value.encode("utf-8"))

    @property
    def chain_rows(self) -> int:
        """How many role chain rows the form has (``crossAccountAccess.chain``)."""
        rows = self.get("chain_rows")
        return min(int(rows), MAX_CHAIN_HOPS) if rows.isdigit() else 0

    def add_chain_row(self) -> None:
        """One more (empty) role chain row, up to the model's ``MAX_CHAIN_HOPS``."""
        self.values["chain_rows"] = str(min(self.chain_rows + 1, MAX_CHAIN_HOPS))

    def remove_chain_row(self, index: int) -> None:
        """Drop row ``index``; the rows after it move up."""
        count = self.chain_rows
        if not 0 <= index < count:
            return
        for i in range(index, count - 1):
            for kind in ("role_arn", "external_id"):
                self.values[f"chain_{kind}_{i}"] = self.get(f"chain_{kind}_{i + 1}")
        for kind in ("role_arn", "external_id"):
            self.values.pop(f"chain_{kind}_{count - 1}", None)
        self.values["chain_rows"] = str(count - 1)

    @property
    def delegate_only(self) -> bool:
        """The credential type is a delegate's own identity (the model's rule): only a
        delegate picked by its tags can run the connector."""
        try:
            return CredentialType(self.get("credential_type")).uses_delegate_identity
        except ValueError:
            return False

    def connectivity(self) -> str:
        """``awsconn`` or ``delegate``; unchosen: awsconn for AWS Access Key and OIDC (the
        server runs the test, and signs the token), a delegate for the others; always a
        delegate for the types whose identity is a delegate's."""
        if self.delegate_only:
            return "delegate"
        chosen = self.get("connectivity")
        if chosen in ("awsconn", "delegate"):
            return chosen
        server_side = (CredentialType.MANUAL.value, CredentialType.OIDC.value)
        return "awsconn" if self.get("credential_type") in server_side else "delegate"

    def delegate_mode(self) -> str:
        """``any`` or ``tags``: always ``tags`` for the types whose identity is a delegate's
        (any delegate could be one without the identity)."""
        if self.delegate_only:
            return "tags"
        return "tags" if self.get("delegate_mode") == "tags" else "any"

    def document(
        self, scope: Scope, base: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], list[Problem]]:
        """The connector document the form describes, over ``base`` (the stored body when
        editing: settings the wizard does not show are kept), and the form's own problems
        (tags it cannot read)."""
        body: dict[str, Any] = dict(base or {})
        body["name"] = self.get("name").strip()
        body["identifier"] = self.identifier
        if self.get("description").strip():
            body["description"] = self.get("description")
        else:
            body.pop("description", None)
        body.pop("orgIdentifier", None)
        body.pop("projectIdentifier", None)
        if scope.org:
            body["orgIdentifier"] = scope.org
        if scope.project:
            body["projectIdentifier"] = scope.project
        tags, problems = _tags(self.get("tags"))
        body["tags"] = tags
        body["type"] = "Aws"
        spec: dict[str, Any] = dict(body.get("spec") or {})
        spec["credential"] = self._credential()
        selectors = _split(self.get("delegate_tags")) if self.delegate_mode() == "tags" else []
        through_delegate = self.connectivity() == "delegate"
        spec["delegateSelectors"] = selectors if through_delegate else []
        spec["executeOnDelegate"] = through_delegate
        backoff = self._backoff()
        if backoff:
            spec["awsSdkClientBackOffStrategyOverride"] = backoff
        else:
            spec.pop("awsSdkClientBackOffStrategyOverride", None)
        if self.capabilities:
            spec["capabilities"] = list(self.capabilities)
        else:
            spec.pop("capabilities", None)
        body["spec"] = spec
        return {"connector": body}, problems

    def _credential(self) -> dict[str, Any]:
        kind = self.get("credential_type")
        credential: dict[str, Any] = {"type": kind, "region": self.get("region").strip()}
        if kind == "ManualConfig":
            manual: dict[str, Any] = {}
            if self.get("access_key_mode") == "secret":
                manual["accessKeyRef"] = self.get("access_key_ref")
            else:
                manual["accessKey"] = self.get("access_key").strip()
            if self.wants_new_secret:
                manual["secretKeyRef"] = self.secret_name()
            else:
                manual["secretKeyRef"] = self.get("secret_key_ref")
            if self.get("session_token_ref"):
                manual["sessionTokenRef"] = self.get("session_token_ref")
            credential["spec"] = manual
        if kind == CredentialType.OIDC.value:
            oidc = {"iamRoleArn": self.get("iam_role_arn").strip()}
            if self.get("audience").strip():
                oidc["audience"] = self.get("audience").strip()
            credential["spec"] = oidc
        if self.get("cross_account") == "on":
            cross: dict[str, Any] = {"crossAccountRoleArn": self.get("role_arn").strip()}
            if self.get("external_id").strip():
                cross["externalId"] = self.get("external_id").strip()
            chain = [self._hop(i) for i in range(self.chain_rows)]
            if chain:
                cross["chain"] = chain
            credential["crossAccountAccess"] = cross
        return credential

    def _hop(self, index: int) -> dict[str, str]:
        hop = {"roleArn": self.get(f"chain_role_arn_{index}").strip()}
        if self.get(f"chain_external_id_{index}").strip():
            hop["externalId"] = self.get(f"chain_external_id_{index}").strip()
        return hop

    def _backoff(self) -> dict[str, Any] | None:
        kind = self.get("backoff_type")
        if not kind:
            return None
        keys = ["fixedBackoff", "retryCount"] if kind.startswith("Fixed") else [
            "baseDelay", "maxBackoffTime", "retryCount"
        ]  # fmt: skip
        spec = {k: self.get(_BACKOFF_FIELDS[k]).strip() or None for k in keys}
        return {"type": kind, "spec": spec}
