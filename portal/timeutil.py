"""Times are stored in UTC and shown in Europe/London."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime, stored without a zone so SQLite and PostgreSQL hold the same value."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC time")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=timezone.utc)


def to_london(moment: datetime) -> datetime:
    return moment.astimezone(LONDON)


def london_today() -> date:
    """Today's date in London (the portal's calendar: financial years, notice dates, review dates)."""
    return to_london(utcnow()).date()


def london_midnight_utc(day: date) -> datetime:
    """The UTC instant at which a London calendar day begins."""
    return datetime(day.year, day.month, day.day, tzinfo=LONDON).astimezone(timezone.utc)


def age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def birthday(born: date, years: int) -> date:
    """The day someone born on ``born`` turns ``years`` old (someone born on 29 February turns it on 1 March in a year
    without one, as ``age_on`` counts)."""
    try:
        return born.replace(year=born.year + years)
    except ValueError:
        return date(born.year + years, 3, 1)
