"""The settings the README runs gunicorn with (portal/gunicorn_config.py), in a real gunicorn worker."""
from __future__ import annotations

import gc

import pytest
import requests

from portal import create_app

from .live_server import live_server

pytestmark = pytest.mark.race  # a multi-process gunicorn server


def app_with_gc_figures():
    """The portal, plus one page that says how many objects this worker has frozen (gunicorn loads this in each
    worker, by the spec below)."""
    app = create_app()
    app.add_url_rule("/test-frozen", "test_frozen", lambda: str(gc.get_freeze_count()))
    return app


@pytest.mark.parametrize("preload", [False, True], ids=["each worker loads the app", "--preload"])
def test_each_worker_freezes_what_loading_the_app_made(app, database_url, preload):
    env = {"GUNICORN_CMD_ARGS": "--preload"} if preload else {}
    with live_server(database_url, workers=2, app="tests.test_gunicorn_config:app_with_gc_figures()", **env) as base:
        frozen = {int(requests.get(f"{base}/test-frozen", timeout=10).text) for _ in range(6)}
    # The app's modules, mappers and templates: tens of thousands of objects, in every worker that answered.
    assert min(frozen) > 20_000
