"""gunicorn's settings for the portal's app processes: ``gunicorn --config portal/gunicorn_config.py ...`` (README,
"Running on PostgreSQL with several app processes"). The command line's own options (workers, threads, bind) go with
it.

Given as a file, not as ``python:portal.gunicorn_config``: gunicorn then runs this file alone, and the master never
imports the ``portal`` package. Imported there, ``portal.config`` would read the environment before gunicorn's own
``--env`` settings are applied, and workers would inherit that stale copy."""
from __future__ import annotations

import gc


def post_worker_init(worker) -> None:
    """Once a worker has loaded the app, hide what loading made from the garbage collector: the modules and the app
    the factory built, about 190,000 objects that live as long as the process.

    A full collection looks at every object it tracks, and every thread of the worker waits while it runs. With
    them tracked, one took about 130 ms on the demo data's council dashboard worker, and under load requests queued
    behind it for 400-700 ms. Frozen, a full collection takes about 9 ms. Objects made afterwards (requests' own,
    kept pages) are collected as before."""
    gc.freeze()
