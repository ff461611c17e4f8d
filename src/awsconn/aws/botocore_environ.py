"""botocore sessions bound to a given environ, sharing what is costly to load.

``SessionFactory`` builds one of these per connector: settings, credential
providers and endpoints come from the environ it was given (never ``os.environ``),
while service models, endpoint rules and botocore's built-in handlers are loaded
once per factory.
"""

from __future__ import annotations

import copy
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore import credentials as bc_credentials
from botocore.configprovider import (
    BOTOCORE_DEFAUT_SESSION_VARIABLES,
    DEFAULT_PROXIES_CONFIG_VARS,
    DEFAULT_S3_CONFIG_VARS,
    ConfigChainFactory,
    ConfiguredEndpointProvider,
    ConfigValueStore,
    SectionConfigProvider,
)
from botocore.errorfactory import ClientExceptionsFactory
from botocore.hooks import HierarchicalEmitter
from botocore.loaders import Loader
from botocore.regions import EndpointResolver
from botocore.utils import InstanceMetadataFetcher

from awsconn.aws.client_classes import enable_class_cache

__all__ = [
    "EnvWebIdentityProvider",
    "EnvironSession",
    "SharedData",
    "bypasses_proxy",
    "delegate_chain",
    "imds_endpoint_mode",
    "proxies_from",
]


class SharedData:
    """Service models, endpoint rules and exception classes, loaded once per factory."""

    def __init__(self) -> None:
        self.loader: Loader = Loader(extra_search_paths=_NoDuplicates())
        endpoints, path = self.loader.load_data_with_path("endpoints")
        self.endpoint_resolver = EndpointResolver(
            endpoints, uses_builtin_data=self.loader.is_builtin_path(path)
        )
        self.exceptions_factory = ClientExceptionsFactory()
        # botocore's ~1,000 built-in handlers, registered once: that registration is
        # most of the cost of a botocore Session. Clients copy the emitter they get.
        self.emitter = HierarchicalEmitter()
        botocore.session.Session(event_hooks=self.emitter)
        enable_class_cache(self.emitter)


class _NoDuplicates(list):  # type: ignore[type-arg]
    """boto3 appends its data path to the loader on every Session; keep it once."""

    def append(self, item: Any) -> None:
        if item not in self:
            super().append(item)


class EnvironSession(botocore.session.Session):
    """A botocore session whose settings come from a given environ, not ``os.environ``."""

    def __init__(
        self, environ: Mapping[str, str], shared: SharedData, *, own_events: bool = False
    ) -> None:
        self._awsconn_environ = dict(environ)
        self._awsconn_shared = shared
        # Sessions that only make clients share the emitter; one handed out as a boto3
        # Session gets its own copy, since boto3 registers its handlers on it.
        emitter = copy.copy(shared.emitter) if own_events else shared.emitter
        super().__init__(event_hooks=emitter, include_builtin_handlers=False)

    def _component_locator(self) -> Any:
        return self.__dict__["_components"]

    def _internal_locator(self) -> Any:
        return self.__dict__["_internal_components"]

    def set_credentials_object(self, credentials: Any) -> None:
        """Install a ready credentials object (static, refreshable, chained)."""
        self.__dict__["_credentials"] = credentials

    def _register_data_loader(self) -> None:
        self._component_locator().register_component("data_loader", self._awsconn_shared.loader)

    def _register_endpoint_resolver(self) -> None:
        self._internal_locator().register_component(
            "endpoint_resolver", self._awsconn_shared.endpoint_resolver
        )

    def _register_exceptions_factory(self) -> None:
        self._internal_locator().register_component(
            "exceptions_factory", self._awsconn_shared.exceptions_factory
        )

    def _register_config_store(self) -> None:
        chains = ConfigChainFactory(session=self, environ=self._awsconn_environ)

        def mapping(variables: dict[str, Any]) -> dict[str, Any]:
            return {
                name: chains.create_config_chain(
                    instance_name=name,
                    env_var_names=spec[1],
                    config_property_names=spec[0],
                    default=spec[2],
                    conversion_func=spec[3],
                )
                for name, spec in variables.items()
            }

        config_mapping: dict[str, Any] = mapping(BOTOCORE_DEFAUT_SESSION_VARIABLES)
        config_mapping["s3"] = SectionConfigProvider("s3", self, mapping(DEFAULT_S3_CONFIG_VARS))
        config_mapping["proxies_config"] = SectionConfigProvider(
            "proxies_config", self, mapping(DEFAULT_PROXIES_CONFIG_VARS)
        )
        self._component_locator().register_component(
            "config_store", ConfigValueStore(config_mapping)
        )

    def _add_configured_endpoint_provider(self, client_name: str, config_store: Any) -> None:
        config_store.set_config_provider(
            logical_name="endpoint_url",
            provider=ConfiguredEndpointProvider(
                full_config=self.full_config,
                scoped_config=self.get_scoped_config(),
                client_name=client_name,
                environ=self._awsconn_environ,
            ),
        )


class EnvWebIdentityProvider(bc_credentials.AssumeRoleWithWebIdentityProvider):
    """botocore's web-identity provider reading AWS_ROLE_ARN & co. from our environ."""

    def __init__(self, environ: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._awsconn_environ = environ

    def _get_env_config(self, key: str) -> str | None:
        env_key = getattr(self, "_CONFIG_TO_ENV_VAR", {}).get(key)
        return self._awsconn_environ.get(env_key) if env_key else None


def delegate_chain(session: EnvironSession, region: str) -> bc_credentials.CredentialResolver:
    """botocore's default chain with every environ-reading provider bound to our environ."""
    environ = session._awsconn_environ
    resolver = bc_credentials.create_credential_resolver(session, region_name=region)
    imds_config = {
        "ec2_metadata_service_endpoint": session.get_config_variable(
            "ec2_metadata_service_endpoint"
        ),
        "ec2_metadata_service_endpoint_mode": imds_endpoint_mode(session),
        "ec2_credential_refresh_window": _ADVISORY_REFRESH_S,
        "ec2_metadata_v1_disabled": session.get_config_variable("ec2_metadata_v1_disabled"),
    }
    replacements: dict[str, Any] = {
        "env": bc_credentials.EnvProvider(environ=environ),
        "container-role": bc_credentials.ContainerProvider(environ=environ),
        "iam-role": bc_credentials.InstanceMetadataProvider(
            iam_role_fetcher=InstanceMetadataFetcher(
                timeout=session.get_config_variable("metadata_service_timeout"),
                num_attempts=session.get_config_variable("metadata_service_num_attempts"),
                user_agent=session.user_agent(),
                config=imds_config,
                env=environ,
            )
        ),
    }
    providers = []
    for provider in resolver.providers:
        if isinstance(provider, bc_credentials.AssumeRoleWithWebIdentityProvider):
            provider = EnvWebIdentityProvider(
                environ,
                load_config=lambda: session.full_config,
                client_creator=session.create_client,
                cache={},
                profile_name=session.get_config_variable("profile") or "default",
            )
        providers.append(replacements.get(str(provider.METHOD), provider))
    return bc_credentials.CredentialResolver(providers=providers)


_ADVISORY_REFRESH_S = 15 * 60  # botocore's advisory refresh window for IMDS credentials


def imds_endpoint_mode(session: Any) -> Any:
    resolve: Any = getattr(bc_credentials, "resolve_imds_endpoint_mode")  # noqa: B009
    return resolve(session)


def proxies_from(environ: Mapping[str, str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for scheme in ("https", "http"):
        value = environ.get(f"{scheme.upper()}_PROXY") or environ.get(f"{scheme}_proxy")
        if value:
            out[scheme] = value
    return out


def bypasses_proxy(url: str, environ: Mapping[str, str]) -> bool:
    """Whether ``NO_PROXY`` (or ``no_proxy``) in ``environ`` exempts ``url`` from the proxy.

    botocore checks NO_PROXY only for proxies it read from ``os.environ`` itself; the
    proxies we pass from the injected environ would otherwise apply to every host.
    """
    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy")
    if not no_proxy:
        return False
    netloc = urllib.parse.urlsplit(url).netloc
    bypass: Any = getattr(urllib.request, "proxy_bypass_environment")  # noqa: B009 (no stub)
    return bool(netloc) and bool(bypass(netloc, {"no": no_proxy}))
