from web_fixtures import ui_session_ctx  # noqa: F401
