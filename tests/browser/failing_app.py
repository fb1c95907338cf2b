"""The portal plus one test-only route that always fails, so that the browser tests can check the real 500 page
(templates/errors/500.html, served by the portal's own error handler) without a route in production code.

Served by a second live server in test_more_accessibility.py:
``live_server(..., app="tests.browser.failing_app:create_app()")``."""
from __future__ import annotations

import logging

from portal import create_app as create_portal

FAILING_PATH = "/test-only/server-error"


class _HideDeliberateFailure(logging.Filter):
    """The deliberate failure's traceback would only clutter the test output."""

    def filter(self, record: logging.LogRecord) -> bool:
        return FAILING_PATH not in record.getMessage()


def create_app():
    app = create_portal()

    @app.get(FAILING_PATH)
    def deliberate_server_error():
        raise RuntimeError("a deliberate failure, to show the 500 page")

    app.logger.addFilter(_HideDeliberateFailure())
    return app
