from cli_fixtures import awsconn_home, cli  # noqa: F401
from role_fixtures import role_connector  # noqa: F401
