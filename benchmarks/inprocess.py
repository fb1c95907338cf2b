"""Where one request's time goes, in a single process with nothing else running: the pages the HTTP benchmark finds
slow, each asked many times through Flask's test client, with the time spent in SQL and the statements that took it.

    .venv/bin/python benchmarks/inprocess.py --database-url postgresql://postgres@127.0.0.1:5432/bench [--requests 100] [--only book]

Use it on a database that ``benchmarks/run.py`` has filled (it signs in as the demo commissioners, council@ and
trust@example.com, and as run.py's families). It measures different searches and feed pages (none asked twice, the
page cache off), the commissioner dashboard, and booking a place as run.py's families do (``--only`` chooses). For
each it prints: wall-clock p50 and p90 per request, CPU time of this process per request, SQL time and statements per
request, and the statements that took the most time. On a shared machine these
figures move far less from run to run than the HTTP benchmark's, which share two CPUs between eight clients and the
server; they say what a change saved, run.py says what the server can carry.
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("JOBS_WORKER_IN_PROCESS", "0")  # no job worker threads taking the CPU while it measures

from benchmarks.run import (  # noqa: E402  (after the path is set)
    DASHBOARDS,
    DATA,
    make_app,
    prepare_benchmark_data,
    varied_feed_pages,
    varied_searches,
)


class StatementTimes:
    """Time spent in each SQL statement (by its first 100 characters), from the engine's cursor events."""

    def __init__(self, engine):
        from sqlalchemy import event  # noqa: PLC0415  (only when measuring)

        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self._started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn, _cursor, statement, *_args) -> None:
        self.times[" ".join(statement.split())[:100]].append(time.perf_counter() - self._started)

    def clear(self) -> None:
        self.times.clear()


def sign_in_as(app, client, email: str) -> None:
    from sqlalchemy import select  # noqa: PLC0415  (only when measuring)

    from portal.extensions import db  # noqa: PLC0415  (after the app is made)
    from portal.models import User  # noqa: PLC0415  (after the app is made)

    with app.app_context():
        user_id = db.session.scalar(select(User).where(User.email == email)).get_id()
    with client.session_transaction() as session:  # as Flask-Login keeps a signed-in user (two-step done)
        session["_user_id"], session["_fresh"] = user_id, True


def measure(name: str, client, paths: list[str], statements: StatementTimes) -> None:
    client.get(paths[0])  # the first request compiles and connects: not counted
    statements.clear()
    walls = []
    cpu = time.process_time()
    for path in paths:
        started = time.perf_counter()
        response = client.get(path)
        walls.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
    report(name, walls, time.process_time() - cpu, statements)


def measure_booking(app, url: str, count: int, statements: StatementTimes) -> None:
    """Book ``count`` places as run.py's families do (one child, one session, paid outside the portal), each a
    POST through the whole booking view, and report as for the pages. run.py undoes them before its next run."""
    plan = prepare_benchmark_data(url, families=4, slots_wanted=count + 1)
    slots = [(family, slot) for family, slots in enumerate(plan["plans"]) for slot in slots][:count + 1]
    if len(slots) < 2:
        raise SystemExit("run.py found too few sessions with places for the benchmark families to book")
    clients = []
    for email in plan["emails"]:
        clients.append(app.test_client())
        sign_in_as(app, clients[-1], email)
    walls, cpu = [], 0.0
    for n, (family, (session_id, child_id, method, targeted)) in enumerate(slots):
        data = {"children": [child_id], "carer_places": "0", "funding": method}
        if targeted:
            data["declared"] = "y"
        if n == 1:  # the first booking compiles and connects: not counted
            statements.clear()
            cpu = time.process_time()
        started = time.perf_counter()
        response = clients[family].post(f"/sessions/{session_id}/book", data=data)
        if n:
            walls.append(time.perf_counter() - started)
        if response.status_code != 302:
            raise SystemExit(f"booking session {session_id} answered {response.status_code}")
        # As run.py's clients (and a browser following the redirect): the confirmation is shown and taken out of
        # the session, which otherwise grows by a message a booking. Not counted.
        spent = time.process_time()
        with clients[family].session_transaction() as cookie:
            cookie.pop("_flashes", None)
        cpu += time.process_time() - spent  # moves the start mark on: not counted
    report("POST /sessions/<id>/book (a place each)", walls, time.process_time() - cpu, statements)


def report(name: str, walls: list[float], cpu: float, statements: StatementTimes) -> None:
    count, walls = len(walls), sorted(walls)
    sql = sum(sum(times) for times in statements.times.values())
    print(f"\n{name}: {count} requests")
    print(f"  wall p50 {walls[count // 2] * 1000:.1f} ms, p90 {walls[int(count * 0.9)] * 1000:.1f} ms; "
          f"CPU of this process {cpu / count * 1000:.1f} ms; SQL {sql / count * 1000:.1f} ms in "
          f"{sum(len(t) for t in statements.times.values()) / count:.1f} statements a request")
    for statement, times in sorted(statements.times.items(), key=lambda item: -sum(item[1]))[:4]:
        print(f"  {sum(times) / count * 1000:7.2f} ms  {statement}")


PAGES = ("search", "feed", "dashboard", "book")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="default: the SQLite file run.py made for --size")
    parser.add_argument("--size", choices=["full", "small", "national"], default="full")
    parser.add_argument("--requests", type=int, default=100, help="requests per page (default 100)")
    parser.add_argument("--only", action="append", choices=PAGES, default=[],
                        help="measure only these (repeat the option for several; default all)")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{DATA / f'portal-{args.size}.sqlite3'}"
    os.environ["PAGE_CACHE_SECONDS"] = "0"  # every request worked out afresh
    app = make_app(url)
    app.config.update(PAGE_CACHE_SECONDS=0, RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False)
    from portal.extensions import db  # noqa: PLC0415  (after the app is made)

    with app.app_context():
        statements = StatementTimes(db.engine)
    chosen = set(args.only or PAGES)
    print(f"In process, on {url.split('@')[-1]}")
    if "search" in chosen:
        measure("GET /local-offer (different searches)", app.test_client(), varied_searches()[:args.requests],
                statements)
    if "feed" in chosen:
        measure("GET /openreferral/v3/services (different pages)", app.test_client(),
                varied_feed_pages()[:args.requests], statements)
    for body, email in DASHBOARDS.items() if "dashboard" in chosen else ():
        client = app.test_client()
        sign_in_as(app, client, email)
        measure(f"GET /money/dashboard ({body})", client, ["/money/dashboard"] * args.requests, statements)
    if "book" in chosen:
        measure_booking(app, url, args.requests, statements)


if __name__ == "__main__":
    main()
