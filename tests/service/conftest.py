from auth_fixtures import auth_ctx, auth_warnings  # noqa: F401
