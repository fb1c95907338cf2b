"""The one place that says how money, dates, times and counts read on pages, in emails and in exports:
money in pounds from integer pence, times in Europe/London, in the page's (or email's) language.

English reads the way GOV.UK writes it ("Saturday 6 June 2026", "10am", "£1,234.50"); other languages use
Babel's patterns for their locale. On right-to-left pages money is wrapped in a left-to-right isolate, so that
"-£78,000.00" keeps its minus sign on the left."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal, format_percent
from flask_babel import get_locale, gettext

from .timeutil import to_london

LEFT_TO_RIGHT_ISOLATE, POP_ISOLATE = "\u2066", "\u2069"


def _locale():
    return get_locale() or "en_GB"


def _left_to_right(text: str) -> str:
    """On a right-to-left page, keep a left-to-right run ("-£78,000.00", "10:00 AM") in its own order. Text
    written wholly in the page's own script ("10:00 ص") is left to the page's direction."""
    locale = _locale()
    if getattr(locale, "character_order", "") == "right-to-left" and (
            re.search(r"[A-Za-z£]", text) or text.lstrip("\u200f").startswith("-")):
        return f"{LEFT_TO_RIGHT_ISOLATE}{text}{POP_ISOLATE}"
    return text


def _english() -> bool:
    return str(_locale()) == "en_GB"


def pounds(pence: int | None) -> str:
    if pence is None:
        return ""
    if _english():
        sign = "-" if pence < 0 else ""
        pounds_part, pence_part = divmod(abs(int(pence)), 100)
        return f"{sign}£{pounds_part:,}.{pence_part:02d}"
    return _left_to_right(format_currency(Decimal(int(pence)) / 100, "GBP", locale=_locale()))


def number(value: int) -> str:
    """A count in the page's language: '1,234'."""
    return format_decimal(value, locale=_locale())


def decimal(value: float) -> str:
    """A number with one decimal place in the page's language: '4.3'."""
    return format_decimal(value, format="0.0", locale=_locale())


def percent(value: int) -> str:
    """A whole percentage (0 to 100) in the page's language: '45%'."""
    return format_percent(value / 100, locale=_locale())


def london_month(moment: datetime | None) -> str:
    """The month and year of a moment in Europe/London: 'June 2026'."""
    if moment is None:
        return ""
    local = to_london(moment).date()
    if _english():
        return local.strftime("%B %Y")  # i18n: not shown (a strftime pattern)
    return format_date(local, "LLLL y", locale=_locale())  # i18n: not shown (a CLDR date pattern)


def price(pence: int) -> str:
    return gettext("Free") if pence == 0 else pounds(pence)


def _english_time(moment: datetime, fmt: str) -> str:
    text = to_london(moment).strftime(fmt)
    return text.replace("AM", "am").replace("PM", "pm").replace(":00am", "am").replace(":00pm", "pm")


def london(moment: datetime | None) -> str:
    """A moment in Europe/London: '6 June 2026 at 10am'."""
    if moment is None:
        return ""
    if _english():
        return _english_time(moment, "%-d %B %Y at %-I:%M%p")  # i18n: not shown (a strftime pattern)
    local = to_london(moment)
    return gettext("%(day)s at %(time)s", day=format_date(local.date(), "long", locale=_locale()),
                   time=_left_to_right(format_time(local.time(), "short", locale=_locale())))


def london_date(moment: datetime | date | None) -> str:
    """A day with its weekday: 'Saturday 6 June 2026'."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = to_london(moment).date()
    if _english():
        return moment.strftime("%A %-d %B %Y")
    return format_date(moment, "full", locale=_locale())


def london_time(moment: datetime) -> str:
    """A time of day in Europe/London: '10am', '1:30pm'."""
    if _english():
        return _english_time(moment, "%-I:%M%p")
    return _left_to_right(format_time(to_london(moment).time(), "short", locale=_locale()))


def session_when(session) -> str:
    """When a session runs, in words: "Saturday 6 June 2026, 10am to 1pm" (with the end day if it differs)."""
    starts, ends = to_london(session.starts_at), to_london(session.ends_at)
    if starts.date() == ends.date():
        return gettext("%(day)s, %(start)s to %(end)s", day=london_date(session.starts_at),
                       start=london_time(session.starts_at), end=london_time(session.ends_at))
    return gettext("%(day)s, %(start)s to %(end)s on %(end_day)s", day=london_date(session.starts_at),
                   start=london_time(session.starts_at), end=london_time(session.ends_at),
                   end_day=london_date(session.ends_at))


def labels(codes, names: dict) -> str:
    """The names of these codes (words marked with ``N_`` in a data table), translated, joined with commas."""
    return gettext(", ").join(gettext(names[c]) for c in codes if c in names)


def long_date(day: date | None) -> str:
    """'1 February 2027'."""
    if day is None:
        return ""
    if _english():
        return f"{day.day} {day:%B %Y}"
    return format_date(day, "long", locale=_locale())


def short_date(day: date | None) -> str:
    """'1 Feb 2027', for tables."""
    if day is None:
        return ""
    if _english():
        return f"{day.day} {day:%b %Y}"
    return format_date(day, "medium", locale=_locale())


def pounds_plain(pence: int) -> str:
    """For a spreadsheet: '-1234.50', no pound sign or thousands separator."""
    whole, part = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}{whole}.{part:02d}"


def spreadsheet_cell(value):
    """A value for a CSV cell: text a spreadsheet would run as a formula (a name typed as "=HYPERLINK(...)") is
    quoted so it reads as text; anything else is left as it is."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def first_upper(text: str | None) -> str:
    """The first letter a capital and the rest as it is ("Children's Trust" stays so, where Jinja's capitalize
    would write "Children's trust"): a name at the start of a sentence in any language."""
    return text[:1].upper() + text[1:] if text else ""


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 place', '3 places', '2 families' (with ``many`` for words that do not just take an s). English only:
    for command-line output. Pages and emails use ngettext, so that every language gets its own plural forms."""
    return f"{count:,} {word if count == 1 else (many or word + 's')}"
