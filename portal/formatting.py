"""The one place that says how money, dates, times and counts read on pages, in emails and in exports:
money in pounds from integer pence, times in Europe/London, "1 place" and "2 places"."""
from __future__ import annotations

from datetime import date, datetime

from .timeutil import to_london


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds_part, pence_part = divmod(abs(int(pence)), 100)
    return f"{sign}£{pounds_part:,}.{pence_part:02d}"


def price(pence: int) -> str:
    return "Free" if pence == 0 else pounds(pence)


def london(moment: datetime | None, fmt: str = "%-d %B %Y at %-I:%M%p") -> str:
    if moment is None:
        return ""
    text = to_london(moment).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm").replace(":00am", "am").replace(":00pm", "pm")


def london_date(moment: datetime | date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_london(moment).date()
    return moment.strftime("%A %-d %B %Y")


def london_time(moment: datetime) -> str:
    return london(moment, "%-I:%M%p")


def session_when(session) -> str:
    """When a session runs, in words: "Saturday 6 June 2026, 10am to 1pm" (with the end day if it differs)."""
    starts, ends = to_london(session.starts_at), to_london(session.ends_at)
    text = f"{london_date(session.starts_at)}, {london_time(session.starts_at)} to {london_time(session.ends_at)}"
    return text if starts.date() == ends.date() else f"{text} on {london_date(session.ends_at)}"


def labels(codes, names: dict) -> str:
    return ", ".join(names[c] for c in codes if c in names)


def long_date(day: date) -> str:
    """'1 February 2027'."""
    return f"{day.day} {day:%B %Y}"


def pounds_plain(pence: int) -> str:
    """For a spreadsheet: '-1234.50', no pound sign or thousands separator."""
    whole, part = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 place', '3 places', '2 families' (with ``many`` for words that do not just take an s)."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
