"""Run the real portal under gunicorn with several worker processes, against the test database."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(database_url: str, *, workers: int = 2, threads: int = 4, app: str = "portal:create_app()",
                **env_overrides: str):
    """Yield the base URL of a gunicorn server (``workers`` processes) serving the portal (or ``app``, a
    gunicorn application spec such as a test's own factory that wraps the portal's)."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": database_url,
        "BASE_URL": base,
        # Browser and race tests sign in far more often from one address than anyone may (tests/test_rate_limits.py).
        "RATELIMIT_ENABLED": "0",
        # Tests change the data from their own process, which the server's processes would not hear of (their page
        # caches are each their own, in memory, as without PAGE_CACHE_URL): public pages are worked out afresh.
        "PAGE_CACHE_SECONDS": "0",
        "PORTAL_CONFIG": "development",
        "SECRET_KEY": "live-server-test-secret",
        "PORTAL_INSTANCE_PATH": tempfile.mkdtemp(prefix="portal-live-"),
        # Jobs are worked in the server's processes, but its scheduled sweeps are not run: the server stays up for
        # the rest of the run and would otherwise send (to nowhere) the emails later tests' own workers must send.
        "JOBS_SCHEDULE": "0",
    })
    env.pop("MAIL_SERVER", None)
    env.update(env_overrides)
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--backlog", "512",
               # Publishing the statement makes twelve PDFs inside a request; the PostgreSQL and SQLite suites
               # share two CPUs in CI, so give a slow request longer than gunicorn's 30 seconds before a restart.
               "--timeout", "180",
               "--config", str(ROOT / "portal" / "gunicorn_config.py"),  # as the README runs it
               app]
    process = subprocess.Popen(command, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the portal did not start (exit code {process.poll()})")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
