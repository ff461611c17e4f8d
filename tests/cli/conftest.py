from cli_fixtures import awsconn_home, cli  # noqa: F401
