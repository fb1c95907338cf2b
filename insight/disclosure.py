"""Small numbers in figures that leave the commissioners' own pages (the statement, the "So what?" summary the Parent
Carer Forum reads): a count of children or families below SMALL_NUMBER could point to a child in a small area, so
it reads "fewer than 5" instead (the usual rule for published statistics about children)."""
from __future__ import annotations

from flask_babel import format_number
from flask_babel import gettext as _

SMALL_NUMBER = 5


def is_small(count: int) -> bool:
    """True for a count of people that must not be published as it is (0 is published: it names nobody)."""
    return 0 < count < SMALL_NUMBER


def people(count: int) -> str:
    """A count of children or families as it may be published: '1,204', '0', or 'fewer than 5'."""
    if is_small(count):
        return _("fewer than %(number)s", number=format_number(SMALL_NUMBER))
    return format_number(count)
