"""When demo sessions happen: each category's usual times, and the term-time and holiday days they fall on."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, time, timedelta
from typing import NamedTuple

from dateutil.easter import easter

from providers.models import Category

from .common import CLOSED

TERM, HOLIDAYS, ANY = "term", "holidays", "any"
WEEKDAYS, SAT, SUN, FRI = (0, 1, 2, 3, 4), 5, 6, 4


class Slot(NamedTuple):
    weekdays: tuple[int, ...]
    starts: time
    ends: time  # earlier than `starts` means the next morning (an overnight stay)
    when: str


SLOTS = {  # Europe/London times
    Category.AFTER_SCHOOL: (Slot(WEEKDAYS, time(15, 30), time(17, 30), TERM),),
    Category.HOLIDAY: (Slot(WEEKDAYS, time(9), time(15), HOLIDAYS),),
    Category.YOUTH_CLUB: (Slot(WEEKDAYS, time(18), time(20), TERM), Slot(WEEKDAYS, time(18, 30), time(20, 30), ANY)),
    Category.SPORT: (Slot((SAT,), time(10), time(12), ANY), Slot((SAT,), time(9), time(10, 30), ANY),
                     Slot(WEEKDAYS, time(17, 30), time(18, 30), TERM)),
    Category.ARTS: (Slot((SAT,), time(10), time(12), ANY), Slot((SAT,), time(13, 30), time(15, 30), ANY),
                    Slot(WEEKDAYS, time(16), time(17, 30), TERM)),
    Category.FAMILY: (Slot((SAT, SUN), time(10), time(14), ANY), Slot(WEEKDAYS, time(10), time(13), HOLIDAYS)),
    Category.OUTDOOR: (Slot((SAT, SUN), time(10), time(15), ANY), Slot(WEEKDAYS, time(10), time(15), HOLIDAYS)),
    Category.SITTING: (Slot(WEEKDAYS, time(18), time(21), ANY), Slot((SAT,), time(13), time(17), ANY)),
    Category.DAY_CARE: (Slot((SAT,), time(10), time(16), ANY), Slot(WEEKDAYS, time(9, 30), time(15, 30), HOLIDAYS)),
    Category.OVERNIGHT: (Slot((FRI, SAT), time(17), time(10), ANY), Slot(WEEKDAYS[:4], time(17), time(10), ANY)),
}


def _school_holidays(year: int) -> list[tuple[date, date]]:
    """England's school holidays, near enough for a demo (the real dates move a little each year)."""
    easter_sunday = easter(year)
    return [
        (date(year, 1, 1), date(year, 1, 2)),
        (_nth_monday(year, 2, 3), _nth_monday(year, 2, 3) + timedelta(days=4)),
        (easter_sunday - timedelta(days=6), easter_sunday + timedelta(days=5)),
        (_last_monday(year, 5), _last_monday(year, 5) + timedelta(days=4)),
        (date(year, 7, 22), date(year, 9, 1)),
        (_last_monday(year, 10), _last_monday(year, 10) + timedelta(days=4)),
        (date(year, 12, 20), date(year, 12, 31)),
    ]


def _nth_monday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7 + 7 * (n - 1))


def _last_monday(year: int, month: int) -> date:
    last = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=last.weekday())


class Calendar:
    """The days in the demo's window, by weekday and by whether schools are open."""

    def __init__(self, first: date, last: date):
        holidays = {start + timedelta(days=n)
                    for year in range(first.year, last.year + 1)
                    for start, end in _school_holidays(year)
                    for n in range((end - start).days + 1)}
        self._days: dict[tuple[int, str], list[date]] = defaultdict(list)
        for n in range((last - first).days + 1):
            day = first + timedelta(days=n)
            if (day.month, day.day) in CLOSED:
                continue
            for when in (ANY, HOLIDAYS if day in holidays else TERM):
                self._days[(day.weekday(), when)].append(day)

    def days(self, weekdays: tuple[int, ...], when: str) -> list[date]:
        return sorted(day for weekday in weekdays for day in self._days[(weekday, when)])

