"""iCalendar (RFC 5545) files: the one module that writes them, with the ``icalendar`` library.

Callers describe each event in plain values (``Event``); this module lays them out: times in Europe/London with
the zone's ``VTIMEZONE``, a stable ``UID`` and a ``SEQUENCE`` that the caller raises whenever the event changes in
a way a calendar must notice (it moved, or it was cancelled), so an updated copy replaces the old one.

The ``VTIMEZONE`` is built here from the zone database rather than by ``icalendar.Timezone.from_tzinfo``: in
icalendar 7 that gives the spring change's onset as the wall-clock time after it (02:00 in London), but RFC 5545
(3.6.5) reads an onset as wall-clock time before the change (``TZOFFSETFROM``), 01:00, so a program that uses
the definition instead of its own zone database would put the change an hour late."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app
from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard
from icalendar import Event as CalendarEvent
from icalendar.prop import vDuration

from .i18n import current_language
from .timeutil import LONDON, to_london, utcnow

MEDIA_TYPE = "text/calendar"  # i18n: not shown (a media type)
CHARSET = "utf-8"  # i18n: not shown (a character set)
PRODUCT_ID = "-//Short Breaks Portal//Calendars//EN"  # i18n: not shown (RFC 5545 PRODID)
# How often a subscribed calendar app should fetch a feed again (apps that honour it).
REFRESH = timedelta(hours=1)


@dataclass(frozen=True)
class Event:
    """One event as a calendar shows it. Times are aware (stored UTC); they are written in Europe/London."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    # When what the event says last changed (RFC 5545 DTSTAMP for a calendar published without a METHOD).
    stamp: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False


def uid(*parts: object) -> str:
    """A globally unique, stable identifier: the parts joined by "-", at the portal's host (from BASE_URL)."""
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "localhost"
    return "-".join(str(part) for part in parts) + "@" + host


def document(name: str, events: list[Event], *, publish: bool = False, feed: bool = False) -> bytes:
    """A calendar of these events. ``publish``: a file sent or downloaded to add to a calendar (METHOD:PUBLISH);
    ``feed``: a calendar an app subscribes to, with how often to fetch it again."""
    calendar = Calendar.new(prodid=PRODUCT_ID, name=name, method="PUBLISH" if publish else None,
                            refresh_interval=REFRESH if feed else None)
    calendar.pop("UID")  # new() gives the calendar a random one; a feed must read the same until it changes
    if feed:
        calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))  # REFRESH-INTERVAL's older name, which Outlook reads
    calendar.add("X-WR-TIMEZONE", LONDON.key)
    years = [e.starts_at.year for e in events] + [e.ends_at.year for e in events]
    first, last = (min(years), max(years)) if years else (to_london(utcnow()).year,) * 2
    calendar.add_component(london_timezone(first, last))
    for event in events:
        calendar.add_component(_component(event))
    return calendar.to_ical()


def _component(event: Event) -> CalendarEvent:
    component = CalendarEvent.new(
        uid=event.uid, sequence=event.sequence, start=to_london(event.starts_at), end=to_london(event.ends_at),
        stamp=event.stamp.astimezone(timezone.utc), summary=event.summary,
        status="CANCELLED" if event.cancelled else "CONFIRMED", location=event.location or None,
        url=event.url or None)
    if event.description:
        # Written in the language of the page, email or calendar being made (titles and venues stay as written).
        component.add("DESCRIPTION", event.description, parameters={"LANGUAGE": current_language().code})
    return component


# --- the time zone --------------------------------------------------------------------------------------------

def _offset(moment: datetime) -> timedelta:
    return moment.astimezone(LONDON).utcoffset()


def _changes(first: date, last: date) -> list[tuple[datetime, timedelta, timedelta]]:
    """Each change of London's offset from UTC between two days: (the UTC instant, offset before, offset after),
    found a day at a time, then to the minute."""
    changes = []
    day = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    end = datetime(last.year, last.month, last.day, tzinfo=timezone.utc)
    while day < end:
        before, after = _offset(day), _offset(day + timedelta(days=1))
        if before != after:
            earlier, later = 0, 24 * 60  # minutes into the day: the old offset at the earlier, the new at the later
            while later - earlier > 1:
                middle = (earlier + later) // 2
                if _offset(day + timedelta(minutes=middle)) == before:
                    earlier = middle
                else:
                    later = middle
            changes.append((day + timedelta(minutes=later), before, after))
        day += timedelta(days=1)
    return changes


@lru_cache(maxsize=16)
def london_timezone(first_year: int, last_year: int) -> Timezone:
    """Europe/London's VTIMEZONE, right for every time from 1 January of the first year to the end of the last."""
    first, last = date(first_year, 1, 1), date(last_year + 1, 1, 1)
    zone = Timezone()
    zone.add("TZID", LONDON.key)
    start = datetime(first_year, 1, 1, tzinfo=LONDON)
    # The rule in force when the first year begins (there is no change before it to take it from).
    observances: dict[tuple, list[datetime]] = defaultdict(list)
    observances[(start.utcoffset(), start.utcoffset(), start.tzname(), bool(start.dst()))].append(
        start.replace(tzinfo=None))
    for instant, before, after in _changes(first, last):
        local = instant.astimezone(LONDON)
        # RFC 5545: an onset is the local time as it was read just before the change.
        observances[(before, after, local.tzname(), bool(local.dst()))].append((instant + before).replace(tzinfo=None))
    for (before, after, name, summer), onsets in observances.items():
        observance = TimezoneDaylight() if summer else TimezoneStandard()
        observance.add("DTSTART", onsets[0])
        if onsets[1:]:
            observance.add("RDATE", onsets[1:])
        observance.add("TZNAME", name)
        observance.add("TZOFFSETFROM", before)
        observance.add("TZOFFSETTO", after)
        zone.add_component(observance)
    return zone
