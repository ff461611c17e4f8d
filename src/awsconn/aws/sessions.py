"""Credential sessions for connectors, built from botocore's own providers.

Why a factory: every connector needs a session whose credentials come from one of
three sources (static keys, the delegate's ambient chain, IRSA), optionally topped by
a cross-account AssumeRole, and whose every setting comes from an *injected* environ
rather than ``os.environ``. Loading service models is most of the cost of a client, so
all sessions a factory builds share one loader, endpoint resolver and exceptions
factory; the factory is safe to use from many threads.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore import credentials as bc_credentials
from botocore.config import Config
from botocore.exceptions import NoCredentialsError
from botocore.utils import FileWebIdentityTokenLoader

from awsconn.aws.botocore_environ import (
    EnvironSession,
    SharedData,
    bypasses_proxy,
    delegate_chain,
    proxies_from,
)
from awsconn.aws.deadline import Deadline, bounded_config, stop_at_deadline
from awsconn.aws.diagnosis import CallContext, RoleHopFailed, Stage, raise_for
from awsconn.aws.retry_backoff import install_backoff
from awsconn.aws.session_spec import (
    CHAINED_SESSION_S,
    Backoff,
    CredentialType,
    SessionSpec,
    StaticKeys,
)
from awsconn.errors import AwsconnError, InvalidInput

__all__ = [
    "Backoff",
    "CredentialType",
    "FrozenCredentials",
    "SessionFactory",
    "SessionSpec",
    "StaticKeys",
    "role_session_name",
]


@dataclass(frozen=True)
class FrozenCredentials:
    """A point-in-time copy of a session's credentials (for ``credential_process``)."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    session_token: str | None = field(default=None, repr=False)
    expiration: datetime | None = None

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpack as ``key, secret, token, expiration``."""
        return iter(
            (self.access_key_id, self.secret_access_key, self.session_token, self.expiration)
        )


_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]")


def role_session_name(connector: str) -> str:
    """An STS RoleSessionName naming the connector: AWS's charset, 2..64 characters."""
    name = "awsconn@" + _SESSION_NAME_BAD.sub("-", connector.replace("/", "."))
    if len(name) > 64:
        digest = hashlib.sha256(connector.encode()).hexdigest()[:10]
        name = name[:53] + "-" + digest
    return name


class SessionFactory:
    """Builds boto3 sessions and clients for connectors; thread-safe, models shared.

    ``environ`` replaces ``os.environ`` for everything botocore would read from it
    (credentials, config files, endpoints, CA bundle, proxies, IMDS). ``None`` means
    an empty environment: the CLI passes ``os.environ`` explicitly.
    """

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        *,
        client_config: Config | None = None,
    ) -> None:
        self._environ: dict[str, str] = dict(environ or {})
        self._shared = SharedData()
        self._client_config = client_config
        self._lock = threading.Lock()
        self._sessions: dict[SessionSpec, _Built] = {}

    @property
    def environ(self) -> Mapping[str, str]:
        return self._environ

    # -- sessions ---------------------------------------------------------------

    def session(self, spec: SessionSpec) -> boto3.Session:
        """A boto3 session with the connector's credentials (resolved lazily)."""
        built = self._resolved(spec)
        bc = EnvironSession(self._environ, self._shared, own_events=True)
        bc.set_config_variable("region", spec.region)
        bc.set_credentials_object(built.botocore.get_credentials())
        # Clients made from it get the factory's proxies and the connector's retry count
        # (the back-off delays need our per-client handler: use client() for those).
        bc.set_default_client_config(self._base_config(spec.backoff, None))
        return boto3.Session(botocore_session=bc, region_name=spec.region)

    def credential_method(self, spec: SessionSpec) -> str:
        """How the credentials were found: botocore's method, ``+assume-role`` if chained."""
        method = self._resolved(spec).base.method
        return method + "+assume-role" * len(spec.role_chain)

    def client(
        self,
        spec: SessionSpec,
        service: str,
        region: str | None = None,
        *,
        config: Config | None = None,
    ) -> Any:
        """A client of ``service`` for the connector, in ``region`` (default: the test region)."""
        return self._make_client(
            self._resolved(spec).botocore, service, region or spec.region, spec.backoff, config
        )

    def call_context(self, spec: SessionSpec, stage: Stage = "call") -> CallContext:
        """What diagnosis needs to explain a failure of a call made for ``spec``."""
        return CallContext(
            region=spec.region,
            stage=stage,
            role_arn=spec.role_arn,
            external_id_sent=bool(spec.external_id),
            endpoint_url=self._environ.get("AWS_ENDPOINT_URL"),
            credential_type=spec.credential_type,
            secrets=spec.secrets(),
            web_identity=(
                (web.role_arn, web.issuer, web.audience, web.subject)
                if (web := spec.web_identity) is not None
                else None
            ),
        )

    def frozen_credentials(
        self, spec: SessionSpec, *, timeout_s: float | None = None, fresh: bool = False
    ) -> FrozenCredentials:
        """Current credentials, refreshed if needed, for AWS CLI ``credential_process``;
        ``timeout_s`` bounds the whole resolution (an AssumeRole included). ``fresh``
        resolves them anew (a new AssumeRole) instead of using the session this factory
        keeps for ``spec``, whose credentials botocore renews only 15 minutes before
        they expire."""

        def resolve() -> FrozenCredentials:
            try:
                built = self._build(spec) if fresh else self._resolved(spec)
                creds = built.botocore.get_credentials()
                if creds is None:
                    raise NoCredentialsError()
                frozen = creds.get_frozen_credentials()
            except AwsconnError:
                raise
            except Exception as exc:  # every botocore failure becomes one taxonomy code
                raise raise_for(exc, self.call_context(spec, "credentials")) from exc
            expiry = getattr(creds, "_expiry_time", None)
            return FrozenCredentials(
                str(frozen.access_key), str(frozen.secret_key), frozen.token, expiry
            )

        if timeout_s is None:
            return resolve()
        return Deadline(timeout_s).call(resolve, what=f"resolving credentials of {spec.connector}")

    def list_regions(
        self, spec: SessionSpec, *, config: Config | None = None, timeout_s: float | None = None
    ) -> list[str]:
        """Region names the account can use (EC2 DescribeRegions in the test region);
        ``timeout_s`` bounds the whole call, retries and credentials included."""
        deadline = Deadline(timeout_s) if timeout_s is not None else None
        if deadline is not None:
            bounded = deadline.attempt_config()
            config = bounded.merge(config) if config is not None else bounded

        def describe() -> list[str]:
            try:
                answer = self.client(spec, "ec2", config=config).describe_regions()
            except AwsconnError:
                raise
            except Exception as exc:
                raise raise_for(exc, self.call_context(spec, "regions")) from exc
            return sorted(r["RegionName"] for r in answer.get("Regions", []))

        if deadline is None:
            return describe()
        return deadline.call(describe, what=f"DescribeRegions in {spec.region}")

    # -- internals --------------------------------------------------------------

    def _resolved(self, spec: SessionSpec) -> _Built:
        with self._lock:
            found = self._sessions.get(spec)
        if found is not None:
            return found
        built = self._build(spec)
        with self._lock:
            if len(self._sessions) > 4096:
                self._sessions.clear()
            return self._sessions.setdefault(spec, built)

    def _base_config(self, backoff: Backoff | None, extra: Config | None) -> Config:
        cfg = Config(proxies=proxies_from(self._environ))
        if backoff is not None:
            cfg = cfg.merge(
                Config(retries={"mode": "standard", "total_max_attempts": backoff.retry_count + 1})
            )
        if self._client_config is not None:
            cfg = cfg.merge(self._client_config)
        if extra is not None:
            cfg = cfg.merge(extra)
        return cfg

    def _make_client(
        self,
        bc_session: botocore.session.Session,
        service: str,
        region: str,
        backoff: Backoff | None,
        config: Config | None,
        **kwargs: Any,
    ) -> Any:
        # Inside a deadline-bound worker: attempts no longer than the budget left, and
        # nothing sent once it has passed (the fetchers' STS clients are made here too).
        cfg = self._base_config(backoff, bounded_config(config))
        client = bc_session.create_client(service, region_name=region, config=cfg, **kwargs)
        if getattr(cfg, "proxies", None) and bypasses_proxy(
            client.meta.endpoint_url, self._environ
        ):
            direct = cfg.merge(Config(proxies={}))  # {} means none; None would mean os.environ
            client = bc_session.create_client(service, region_name=region, config=direct, **kwargs)
        if backoff is not None:
            install_backoff(client, backoff)
        stop_at_deadline(client)
        return client

    def _client_creator(
        self, bc_session: botocore.session.Session, spec: SessionSpec
    ) -> Callable[..., Any]:
        """What botocore's STS fetchers call to make their client: test region, our config."""

        def create(service: str, config: Config | None = None, **kwargs: Any) -> Any:
            kwargs.pop("region_name", None)
            return self._make_client(
                bc_session, service, spec.region, spec.backoff, config, **kwargs
            )

        return create

    def _build(self, spec: SessionSpec) -> _Built:
        bc = EnvironSession(self._environ, self._shared)
        bc.set_config_variable("region", spec.region)
        base = _BaseCredentials(self._base_loader(bc, spec))
        if spec.role_arn:
            hops = [
                (spec.role_arn, spec.external_id),
                *((h.role_arn, h.external_id) for h in spec.chain),
            ]
            source: Any = base
            for number, (role_arn, external_id) in enumerate(hops, start=1):
                fetcher = bc_credentials.AssumeRoleCredentialFetcher(
                    client_creator=self._client_creator(bc, spec),
                    source_credentials=source,
                    role_arn=role_arn,
                    extra_args=_assume_args(spec, external_id, chained=number > 1),
                )
                fetch = fetcher.fetch_credentials
                if spec.chain:
                    fetch = _naming_hop(fetch, number, len(hops), role_arn, bool(external_id))
                source = bc_credentials.DeferredRefreshableCredentials(
                    method="assume-role", refresh_using=fetch
                )
            bc.set_credentials_object(source)
        else:
            bc.register_component("credential_provider", base)
        return _Built(bc, base)

    def _base_loader(
        self, bc: EnvironSession, spec: SessionSpec
    ) -> Callable[[], bc_credentials.Credentials | None]:
        """How to find the credentials under any cross-account role, per credential type."""
        if spec.credential_type == "ManualConfig":
            if spec.static_keys is None:
                raise InvalidInput(
                    f"connector {spec.connector}: ManualConfig needs an access key and secret",
                    hint="Set the access key id and the secret access key of the connector.",
                )
            keys = spec.static_keys
            static = bc_credentials.Credentials(
                keys.access_key_id, keys.secret_access_key, keys.session_token, method="explicit"
            )
            return lambda: static
        if spec.credential_type == "Irsa":
            return self._web_identity_loader(bc, spec)
        if spec.credential_type == "OidcAuthentication":
            return self._oidc_loader(bc, spec)
        chain = delegate_chain(bc, spec.region)
        return chain.load_credentials

    def _web_identity_loader(
        self, bc: EnvironSession, spec: SessionSpec
    ) -> Callable[[], bc_credentials.Credentials | None]:
        role_arn = self._environ.get("AWS_ROLE_ARN")
        token_file = self._environ.get("AWS_WEB_IDENTITY_TOKEN_FILE")
        missing = [
            name
            for name, value in (
                ("AWS_ROLE_ARN", role_arn),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", token_file),
            )
            if not value
        ]
        if missing or role_arn is None or token_file is None:
            raise InvalidInput(
                f"connector {spec.connector}: IRSA needs {' and '.join(missing)} "
                "in the delegate's environment",
                hint="Run the delegate in an EKS pod whose service account is annotated "
                "with eks.amazonaws.com/role-arn (EKS then sets AWS_ROLE_ARN and "
                "AWS_WEB_IDENTITY_TOKEN_FILE), or choose another credential type.",
            )
        fetcher = bc_credentials.AssumeRoleWithWebIdentityCredentialFetcher(
            client_creator=self._client_creator(bc, spec),
            web_identity_token_loader=FileWebIdentityTokenLoader(token_file),
            role_arn=role_arn,
            extra_args={
                "RoleSessionName": self._environ.get("AWS_ROLE_SESSION_NAME")
                or role_session_name(spec.connector)
            },
        )
        creds = bc_credentials.DeferredRefreshableCredentials(
            method="assume-role-with-web-identity", refresh_using=fetcher.fetch_credentials
        )
        return lambda: creds

    def _oidc_loader(
        self, bc: EnvironSession, spec: SessionSpec
    ) -> Callable[[], bc_credentials.Credentials | None]:
        """OidcAuthentication: the ID token awsconn signed, exchanged for the role's
        credentials (AssumeRoleWithWebIdentity, in the test region's partition)."""
        web = spec.web_identity
        if web is None:
            raise InvalidInput(
                f"connector {spec.connector}: OidcAuthentication needs an ID token "
                "signed by awsconn's OIDC issuer",
                hint="configure the issuer URL (AWSCONN_OIDC_ISSUER_URL) where the token is signed",
            )
        token = web.token
        fetcher = bc_credentials.AssumeRoleWithWebIdentityCredentialFetcher(
            client_creator=self._client_creator(bc, spec),
            web_identity_token_loader=lambda: token,
            role_arn=web.role_arn,
            extra_args={"RoleSessionName": role_session_name(spec.connector)},
        )
        creds = bc_credentials.DeferredRefreshableCredentials(
            method="assume-role-with-web-identity", refresh_using=fetcher.fetch_credentials
        )
        return lambda: creds


@dataclass(frozen=True)
class _Built:
    botocore: EnvironSession
    base: _BaseCredentials


class _BaseCredentials:
    """The credentials under any cross-account role, found once, on first use.

    It is both botocore's ``credential_provider`` component (``load_credentials``) and
    the ``source_credentials`` of AssumeRole (``get_frozen_credentials``).
    """

    def __init__(self, load: Callable[[], bc_credentials.Credentials | None]) -> None:
        self._load = load
        self._lock = threading.Lock()
        self._loaded = False
        self._creds: bc_credentials.Credentials | None = None

    def load_credentials(self) -> bc_credentials.Credentials | None:
        with self._lock:
            if not self._loaded:
                self._creds = self._load()
                self._loaded = True
            return self._creds

    def get_frozen_credentials(self) -> Any:
        creds = self.load_credentials()
        if creds is None:
            raise NoCredentialsError()
        return creds.get_frozen_credentials()

    @property
    def method(self) -> str:
        creds = self.load_credentials()
        return getattr(creds, "method", None) or "none"


def _assume_args(spec: SessionSpec, external_id: str | None, *, chained: bool) -> dict[str, Any]:
    args: dict[str, Any] = {"RoleSessionName": role_session_name(spec.connector)}
    if external_id:
        args["ExternalId"] = external_id
    if chained:  # AWS refuses more than an hour for a role assumed with a role's session
        args["DurationSeconds"] = CHAINED_SESSION_S
    return args


def _naming_hop(
    fetch: Callable[[], Any], number: int, of: int, role_arn: str, external_id_sent: bool
) -> Callable[[], Any]:
    """``fetch``, its failure wrapped in RoleHopFailed naming the hop (a failure of an
    earlier hop, raised through this one's source credentials, passes as it is)."""

    def named() -> Any:
        try:
            return fetch()
        except RoleHopFailed:
            raise
        except Exception as exc:
            raise RoleHopFailed(number, of, role_arn, external_id_sent, exc) from exc

    return named
