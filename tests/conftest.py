"""Shared fixtures. Keep this file small: fixtures live in tests/<topic>_fixtures.py."""

from api_fixtures import api_server, api_server_pg, api_server_two_workers  # noqa: F401
from aws_fixtures import (  # noqa: F401
    aws_env,
    aws_env_noauth,
    aws_factory,
    moto_auth,
    moto_noauth,
    silent_endpoint,
    unique_name,
)
from store_fixtures import (  # noqa: F401
    db,
    db_url,
    postgres_run_url,
    postgres_url,
    process_cli,
    store_cli,
    store_clock,
)
from webhook_fixtures import receiver  # noqa: F401
