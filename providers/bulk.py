"""Bulk upload: sessions from a CSV file, checked line by line and imported all together or not at all.

The same check runs for the preview and again, under a lock on the provider, just before the import, so a file
that was fine at preview but is not any more (a session now in the past, a duplicate imported meanwhile) imports
nothing. Rows go in with bulk inserts so that thousands of sessions take seconds, not minutes.
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import insert, select

from portal.errors import DomainError
from portal.extensions import analyse, db
from portal.formatting import number
from portal.locking import lock_rows
from portal.models import User, record
from portal.timeutil import to_london, utcnow

from .forms import parse_clock, parse_day
from .models import STAFF_UNITS_PER_ADULT, Offer, Provider, Session, SessionStatus
from .sessions import london_moment

# The file's columns are named in English whatever the page's language: the upload reads these names.
TEMPLATE_COLUMNS = ["offer", "date", "start time", "end time", "places", "staff"]  # i18n: not shown (the CSV format's column names)
MAX_UPLOAD_BYTES = 2_000_000
MAX_ROWS = 10_000
INSERT_CHUNK = 1_000
# An import this big or bigger brings the sessions table's planner statistics up to date (portal.extensions.analyse).
ANALYSE_AFTER = 1_000

# What people call each column; headings are compared in lower case with _ and - read as spaces.
COLUMN_NAMES = {
    "offer": {"offer", "offer id", "offer number", "offer reference", "offer ref", "offer title", "offer name"},  # i18n: not shown (headings the upload reads)
    "date": {"date", "session date", "day"},  # i18n: not shown (headings the upload reads)
    "start": {"start time", "start", "starts", "from"},  # i18n: not shown (headings the upload reads)
    "end": {"end time", "end", "ends", "finish time", "finish", "to"},  # i18n: not shown (headings the upload reads)
    "places": {"places", "capacity", "number of places"},  # i18n: not shown (headings the upload reads)
    "staff": {"staff", "staff count", "number of staff"},  # i18n: not shown (headings the upload reads)
}
REQUIRED_COLUMNS = ["offer", "date", "start", "end", "places"]
COLUMN_HEADINGS = dict(zip(["offer", "date", "start", "end", "places", "staff"], TEMPLATE_COLUMNS))


@dataclass(frozen=True)
class PlannedSession:
    line: int
    offer: Offer
    starts_at: datetime
    ends_at: datetime
    capacity: int
    staff: int | None


@dataclass(frozen=True)
class LineProblem:
    line: int
    values: str
    reason: str


class UploadProblems(DomainError):
    """Some lines of the file break a rule: every one is listed, and nothing is imported."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        count = len(problems)
        super().__init__(ngettext("%(count)s line of the file has a problem. Nothing has been imported.",
                                  "%(count)s lines of the file have a problem. Nothing has been imported.",
                                  count, count=number(count)))


@dataclass
class ImportResult:
    count: int
    by_offer: dict[Offer, int] = field(default_factory=dict)


def template_csv() -> str:
    return ",".join(TEMPLATE_COLUMNS) + "\r\n"


def decode_upload(raw: bytes) -> str:
    """The text of an uploaded file, or a plain reason why it cannot be a CSV file."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise DomainError(_("The file is larger than 2 MB. Split it into smaller files and upload each one."))
    if not raw.strip():
        raise DomainError(_("The file is empty."))
    if raw.startswith(b"PK\x03\x04") or raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise DomainError(_("This is an Excel workbook, not a CSV file. In Excel, choose Save As and then "
                            "CSV UTF-8 (comma delimited), and upload that file."))
    if b"\x00" in raw:
        raise DomainError(_("This is not a CSV file. Save your spreadsheet as CSV and upload that file."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # older Excel saves CSV in Windows encoding


def _heading(cell: str) -> str:
    cell = re.sub(r"\(.*?\)", "", cell.replace("\ufeff", "")).lower().replace("_", " ").replace("-", " ")
    return " ".join(cell.split())


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        heading = _heading(cell)
        if not heading:
            continue
        name = next((key for key, names in COLUMN_NAMES.items() if heading in names), None)
        if name is None:
            raise DomainError(_("The file has a column called “%(heading)s” that we do not recognise. The columns "
                                "are: offer, date, start time, end time, places and staff (optional).",
                                heading=cell.strip()[:40]))
        if name in found:
            raise DomainError(_("The file has two “%(heading)s” columns. Keep one of them.",
                                heading=COLUMN_HEADINGS[name]))
        found[name] = index
    missing = [COLUMN_HEADINGS[name] for name in REQUIRED_COLUMNS if name not in found]
    if missing:
        raise DomainError(_("The file has no “%(heading)s” column. The first line must name the columns: offer, "
                            "date, start time, end time, places and staff (optional). Download the template to see "
                            "them.", heading=missing[0]))
    return found


class _YourOffers:
    """The provider's offers, found by number or by exact title (ignoring case and repeated spaces)."""

    def __init__(self, provider: Provider):
        offers = db.session.scalars(select(Offer).where(Offer.provider_id == provider.id)).all()
        self.by_id = {offer.id: offer for offer in offers}
        self.by_title: dict[str, list[Offer]] = {}
        for offer in offers:
            self.by_title.setdefault(" ".join(offer.title.casefold().split()), []).append(offer)

    def find(self, reference: str, reasons: list[str]) -> Offer | None:
        if not reference:
            reasons.append(_("Enter the offer number."))
            return None
        if reference.isascii() and reference.isdigit():
            offer = self.by_id.get(int(reference))
            if offer is None:
                reasons.append(_("Offer %(reference)s is not one of your offers.", reference=reference))
            return offer
        matches = self.by_title.get(" ".join(reference.casefold().split()), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            # Only ever two or more.
            reasons.append(ngettext("You have %(num)s offer called “%(title)s”. Use the offer number instead.",
                                    "You have %(num)s offers called “%(title)s”. Use the offer number instead.",
                                    len(matches), title=reference[:60]))
        else:
            reasons.append(_("“%(title)s” is not one of your offers. Use the offer number shown on your offer's "
                             "sessions page.", title=reference[:60]))
        return None


def _whole_number(value: str, name: str, low: int, high: int, reasons: list[str]) -> int | None:
    """``name``: the column, "places" or "staff"."""
    try:
        whole = int(value)
    except ValueError:
        if name == "places":
            reasons.append(_("Places must be a whole number, like 12, not “%(written)s”.", written=value[:20]))
        else:
            reasons.append(_("Staff must be a whole number, like 12, not “%(written)s”.", written=value[:20]))
        return None
    if not low <= whole <= high:
        if name == "places":
            reasons.append(_("Places must be from %(low)s to %(high)s.", low=low, high=high))
        else:
            reasons.append(_("Staff must be from %(low)s to %(high)s.", low=low, high=high))
        return None
    return whole


def _read_line(line: int, cells: list[str], columns: dict[str, int], offers: _YourOffers,
               now: datetime) -> PlannedSession | LineProblem:
    reasons: list[str] = []

    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    if any(value for index, value in enumerate(cells) if index not in columns.values()):
        reasons.append(_("This line has more values than the file has columns."))
    offer = offers.find(cell("offer"), reasons)
    day = parse_day(cell("date")) if cell("date") else None
    if not cell("date"):
        reasons.append(_("Enter the date."))
    elif day is None:
        reasons.append(_("“%(written)s” is not a real date. Write dates like 25/12/2025.", written=cell("date")[:20]))
    clocks = {}
    for name in ("start", "end"):
        clocks[name] = parse_clock(cell(name)) if cell(name) else None
        if not cell(name):
            reasons.append(_("Enter the start time.") if name == "start" else _("Enter the end time."))
        elif clocks[name] is None:
            written = cell(name)[:20]
            reasons.append(_("“%(written)s” is not a real start time. Write times like 16:00.", written=written)
                           if name == "start" else
                           _("“%(written)s” is not a real end time. Write times like 16:00.", written=written))
    capacity = _whole_number(cell("places"), "places", 1, 500, reasons) if cell("places") else None
    if not cell("places"):
        reasons.append(_("Enter the number of places."))
    staff = _whole_number(cell("staff"), "staff", 1, 200, reasons) if cell("staff") else None
    starts_at = ends_at = None
    start, end = clocks["start"], clocks["end"]
    if day and start and end:
        if end <= start:
            reasons.append(_("The end time must be after the start time."))
        else:
            starts_at, ends_at = london_moment(day, start), london_moment(day, end)
            if to_london(starts_at).time() != start or to_london(ends_at).time() != end:
                reasons.append(_("The clocks go forward at that time on that day, so it does not exist in London. "
                                 "Choose another time."))
            elif starts_at <= now:
                reasons.append(_("This session would start in the past. Check the date and start time."))
    if reasons:
        return LineProblem(line, ", ".join(cells)[:120], " ".join(reasons))
    return PlannedSession(line, offer, starts_at, ends_at, capacity, staff)


def check_upload(provider: Provider, content: str) -> list[PlannedSession]:
    """Read the file and check every line; raise UploadProblems listing every bad line, or return the sessions."""
    first_line = content[:2000].splitlines()[0] if content.strip() else ""
    delimiter = next((d for d in (";", "\t") if d in first_line and "," not in first_line), ",")
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    offers = _YourOffers(provider)
    now = utcnow()
    planned: list[PlannedSession] = []
    problems: list[LineProblem] = []
    first_line_of: dict[tuple[int, datetime], int] = {}
    columns = None
    try:
        for row in reader:
            cells = [cell.strip() for cell in row]
            if not any(cells):
                continue
            if columns is None:
                columns = _columns(cells)
                continue
            if len(planned) + len(problems) >= MAX_ROWS:
                raise DomainError(_("The file has more than %(most)s sessions. Split it into smaller files.",
                                    most=number(MAX_ROWS)))
            checked = _read_line(reader.line_num, cells, columns, offers, now)
            if isinstance(checked, PlannedSession):
                first = first_line_of.setdefault((checked.offer.id, checked.starts_at), checked.line)
                if first != checked.line:
                    checked = LineProblem(checked.line, ", ".join(cells)[:120],
                                          _("Line %(first)s has the same offer, date and start time.", first=first))
            (planned if isinstance(checked, PlannedSession) else problems).append(checked)
    except csv.Error as error:
        raise DomainError(_("Line %(line)s of the file could not be read (%(error)s). Save the file as CSV again "
                            "and upload it.", line=reader.line_num, error=error)) from None
    if columns is None:
        raise DomainError(_("The file is empty."))
    if not planned and not problems:
        raise DomainError(_("The file has the column headings but no sessions."))
    problems += _already_there(planned)
    if problems:
        raise UploadProblems(sorted(problems, key=lambda problem: problem.line))
    return planned


def _already_there(planned: list[PlannedSession]) -> list[LineProblem]:
    """Lines whose session the offer already has (most often: the same file uploaded twice)."""
    if not planned:
        return []
    starts = [p.starts_at for p in planned]
    existing = set(db.session.execute(
        select(Session.offer_id, Session.starts_at).where(
            Session.offer_id.in_({p.offer.id for p in planned}), Session.status == SessionStatus.OPEN,
            Session.starts_at >= min(starts), Session.starts_at <= max(starts))
    ).all())
    return [LineProblem(p.line, f"{p.offer.title}, {to_london(p.starts_at):%d/%m/%Y %H:%M}",
                        _("This offer already has a session at this date and start time."))
            for p in planned if (p.offer.id, p.starts_at) in existing]


def _lock_provider(provider: Provider) -> None:
    """Serialise imports for one provider, so a file sent twice at once cannot import twice."""
    lock_rows(Provider, [provider.id],
              busy=_("Another upload for your organisation is being imported. Try again in a moment."))


def import_sessions(provider: Provider, content: str, *, by: User | None,
                    progress: Callable[[int, int], None] | None = None) -> ImportResult:
    """Check the file again under the lock and insert every session, or raise and insert none.

    ``progress(done_now, total)`` is called after each chunk of inserts.
    """
    _lock_provider(provider)
    planned = check_upload(provider, content)
    table = Session.__table__
    for start in range(0, len(planned), INSERT_CHUNK):
        chunk = planned[start:start + INSERT_CHUNK]
        db.session.execute(insert(table), [
            {"offer_id": p.offer.id, "starts_at": p.starts_at, "ends_at": p.ends_at,
             "weekday": to_london(p.starts_at).weekday(), "capacity": p.capacity, "places_taken": 0,
             "staff_units": None if p.staff is None else p.staff * STAFF_UNITS_PER_ADULT, "staff_units_taken": 0,
             "status": SessionStatus.OPEN}
            for p in chunk
        ])
        if progress is not None:
            progress(len(chunk), len(planned))
    per_offer = Counter(p.offer for p in planned)
    record("sessions_imported", provider, by=by, sessions=len(planned),
           offers={str(offer.id): count for offer, count in per_offer.items()})
    db.session.flush()
    if len(planned) >= ANALYSE_AFTER:
        # Thousands of new rows: the planner's statistics (kept with this transaction) count them from now on.
        analyse(table)
    return ImportResult(len(planned), dict(sorted(per_offer.items(), key=lambda item: item[0].title)))
