from web_fixtures import browser, ui_session_ctx  # noqa: F401
