from client_fixtures import cli_at, client, remote_cli, server_cli, user_keys  # noqa: F401
