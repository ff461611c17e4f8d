from auth_fixtures import auth_ctx, auth_warnings  # noqa: F401
from delegate_fixtures import server  # noqa: F401
