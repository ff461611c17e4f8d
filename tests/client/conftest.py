from client_fixtures import client, remote_cli, server_cli, user_keys  # noqa: F401
