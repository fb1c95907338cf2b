"""The Short Breaks Statement on the demo area: how long it takes to make, how much of that is WeasyPrint, and how
long a published PDF takes to download.

    .venv/bin/python benchmarks/statement.py [--size full|small] [--database-url URL] [--languages en,ur,pl]
                                             [--repeat 1] [--downloads 20] [--workers 2] [--reseed]

It uses run.py's database (benchmarks/.data/portal-SIZE.sqlite3 by default, migrated and seeded the first time by
run.py's prepare_database; --database-url for PostgreSQL). For each language it times, in this process:

- build_range(): the range from the live published offer (one grouped query over the sessions);
- document_html(): the statement as HTML;
- render_pdf(): the HTML and WeasyPrint together, as publishing does;
- WeasyPrint alone on the same HTML (HTML(...).write_pdf(pdf_variant="pdf/ua-1")),

keeping the best of --repeat runs of each (the machine's other work only ever adds time).

Then it stores the PDFs as a published version (the next version number, marked as the benchmark's), starts the
portal under gunicorn, downloads /statement.pdf (and the other languages) --downloads times over HTTP with a new
connection each time, checks every download against the stored SHA-256, prints the median and p90, and removes the
version it published. It prints figures only.
"""
from __future__ import annotations

import argparse
import gc
import hashlib
import io
import os
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import DATA, make_app, prepare_database, say, server, sqlalchemy_url  # noqa: E402

BENCH_AUTHOR = "benchmarks/statement.py"


def generate(languages: list[str], repeat: int = 1) -> dict:
    """Make the statement in each language, timing each step (the best of ``repeat`` runs); returns the timings
    and the PDFs."""
    from flask import current_app
    from pypdf import PdfReader
    from sqlalchemy import func, select
    from weasyprint import HTML

    from portal.extensions import db
    from providers.models import Offer, Session
    from statements.document import (
        FONTS,
        SECTIONS,
        build_range,
        document_html,
        render_pdf,
        render_pdfs,
    )
    from statements.models import Statement, StatementSection

    counts = {"offers": db.session.scalar(select(func.count()).select_from(Offer)),
              "sessions": db.session.scalar(select(func.count()).select_from(Session))}
    began = time.perf_counter()
    statement_range = build_range()
    range_seconds = time.perf_counter() - began
    version = (db.session.scalar(select(func.max(Statement.version))) or 0) + 1
    statement = Statement(version=version, title="Short Breaks Statement", written_by=BENCH_AUTHOR,
                          range_snapshot=statement_range)
    for spec in SECTIONS:
        for language in ("en", "ur", "pl"):
            statement.sections.append(StatementSection(key=spec.key, language=language,
                                                       body=f"{spec.title}. " * 40))
    results = {"counts": counts, "range": range_seconds, "offers_in_range": len(statement_range["offers"]),
               "statement": statement, "languages": {}}
    def timed(step) -> tuple[float, object]:
        gc.collect()  # the previous document's garbage is not charged to this one
        began = time.perf_counter()
        made = step()
        return time.perf_counter() - began, made

    for language in languages:
        html_seconds = pdf_seconds = weasyprint_seconds = float("inf")
        for _ in range(repeat):
            seconds, html = timed(lambda: document_html(statement, language, for_pdf=True))
            html_seconds = min(html_seconds, seconds)
            seconds, pdf = timed(lambda: render_pdf(statement, language))
            pdf_seconds = min(pdf_seconds, seconds)
            seconds, _ = timed(lambda: HTML(string=html, base_url=FONTS.as_uri() + "/").write_pdf(
                pdf_variant="pdf/ua-1"))
            weasyprint_seconds = min(weasyprint_seconds, seconds)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        results["languages"][language] = {"html": html_seconds, "pdf": pdf_seconds, "weasyprint": weasyprint_seconds,
                                          "bytes": len(pdf), "html_bytes": len(html.encode()), "pdf_content": pdf,
                                          "pages": pages}
    # As publishing does it: every language at once, each laid out in a process of its own.
    processes = min(len(languages), current_app.config.get("STATEMENT_PDF_PROCESSES") or os.cpu_count() or 1)
    seconds, _ = timed(lambda: render_pdfs(statement, languages))
    results["together"] = {"seconds": results["range"] + seconds, "processes": processes}
    return results


def store(statement, pdfs: dict[str, bytes]) -> int:
    """Publish the benchmark's version with its PDFs, as publishing stores them. Returns its id."""
    from portal.extensions import db
    from portal.timeutil import utcnow
    from statements.models import StatementFile, StatementStatus

    db.session.add(statement)
    db.session.flush()
    statement.status, statement.published_at = StatementStatus.PUBLISHED, utcnow()
    for language, content in pdfs.items():
        db.session.add(StatementFile(statement=statement, language=language, content=content, size=len(content),
                                     sha256=hashlib.sha256(content).hexdigest()))
    db.session.commit()
    return statement.id


def remove(statement_id: int) -> None:
    """Take the benchmark's version out again (plain SQL: the ORM rightly refuses to delete a published version)."""
    from sqlalchemy import delete

    from portal.extensions import db
    from statements.models import Statement, StatementFile, StatementSection

    db.session.rollback()
    db.session.execute(delete(StatementFile).where(StatementFile.statement_id == statement_id))
    db.session.execute(delete(StatementSection).where(StatementSection.statement_id == statement_id))
    db.session.execute(delete(Statement).where(Statement.id == statement_id))
    db.session.commit()


def download(base: str, path: str, times: int, sha256: str) -> list[float]:
    seconds = []
    for _ in range(times):
        began = time.perf_counter()
        response = requests.get(base + path, timeout=60, headers={"Connection": "close"})
        elapsed = time.perf_counter() - began
        if response.status_code != 200 or hashlib.sha256(response.content).hexdigest() != sha256:
            raise SystemExit(f"GET {base}{path}: {response.status_code}, or not the stored bytes")
        seconds.append(elapsed)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["full", "small"], default="full", help="demo data size (default full)")
    parser.add_argument("--database-url", help="default: SQLite in benchmarks/.data/portal-SIZE.sqlite3")
    parser.add_argument("--reseed", action="store_true", help="rebuild the demo data even if present")
    parser.add_argument("--languages", default="en,ur,pl", help="comma-separated (default en,ur,pl)")
    parser.add_argument("--downloads", type=int, default=20, help="downloads of each PDF (default 20)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each step, the best kept (default 1)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers for the downloads (default 2)")
    args = parser.parse_args(argv)
    languages = [code.strip() for code in args.languages.split(",") if code.strip()]

    DATA.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{DATA / f'portal-{args.size}.sqlite3'}"
    prepare_database(url, args.size, args.reseed)
    app = make_app(url)
    with app.app_context():
        say(f"Making the statement in {', '.join(languages)} (WeasyPrint takes a while on the full offer)...")
        results = generate(languages, args.repeat)
        statement_id = store(results["statement"], {code: figures["pdf_content"]
                                                    for code, figures in results["languages"].items()})
        version = results["statement"].version
        stored = {code: hashlib.sha256(figures["pdf_content"]).hexdigest()
                  for code, figures in results["languages"].items()}
    downloads = {}
    try:
        say(f"Published it as version {version}; starting gunicorn ({args.workers} workers) to download it...")
        with server(url, args.workers, 2, DATA / "statement-server.log") as base:
            for code in languages:
                path = "/statement.pdf" if code == "en" else f"/statement/{code}.pdf"
                download(base, path, 2, stored[code])  # warm up: the workers load the app on first use
                downloads[path] = download(base, path, args.downloads, stored[code])
    finally:
        with app.app_context():
            remove(statement_id)

    counts = results["counts"]
    database = sqlalchemy_url(url).split(":")[0].split("+")[0]
    say()
    say(f"Statement benchmark: {counts['offers']:,} offers ({results['offers_in_range']:,} published), "
        f"{counts['sessions']:,} sessions, {database}; {os.cpu_count()} CPUs; best of {args.repeat} "
        f"(load average {os.getloadavg()[0]:.1f} at the end).")
    say(f"  build_range (one grouped query over the sessions): {results['range']:.2f} s")
    say()
    say(f"{'language':<8}  {'document_html':>13}  {'render_pdf':>10}  {'generation':>10}  {'WeasyPrint alone':>16}  "
        f"{'WeasyPrint share':>16}  {'pages':>5}  {'PDF size':>9}")
    for code, figures in results["languages"].items():
        generation = results["range"] + figures["pdf"]
        say(f"{code:<8}  {figures['html']:>11.2f} s  {figures['pdf']:>8.2f} s  {generation:>8.2f} s  "
            f"{figures['weasyprint']:>14.2f} s  {figures['weasyprint'] / generation:>15.0%}  {figures['pages']:>5}  "
            f"{figures['bytes'] / 1_000_000:>6.2f} MB")
    say("  (generation = build_range + render_pdf, and render_pdf = document_html + WeasyPrint)")
    together = results["together"]
    say(f"  Publishing's PDFs, all {len(results['languages'])} languages side by side in {together['processes']} "
        f"process{'es' if together['processes'] != 1 else ''}: {together['seconds']:.2f} s "
        f"(one after another: {results['range'] + sum(f['pdf'] for f in results['languages'].values()):.2f} s)")
    say()
    say("Downloads over HTTP from gunicorn, a new connection each time, every body checked against its SHA-256:")
    for path, seconds in downloads.items():
        ordered = sorted(seconds)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * len(ordered))) - 1)]
        say(f"  GET {path:<20} median {statistics.median(seconds) * 1000:7.1f} ms   p90 {p90 * 1000:7.1f} ms   "
            f"({len(seconds)} downloads)")


if __name__ == "__main__":
    main()
