"""awsconn: AWS connectors — credentials, cross-account roles, connection tests, permissions."""

__version__ = "0.1.0"
