"""Small counts of people are never published as they are."""
from __future__ import annotations

from insight.disclosure import SMALL_NUMBER, is_small, people
from portal.i18n import in_language


def test_counts_below_five_read_fewer_than_five_and_zero_and_larger_counts_are_shown(app):
    with app.test_request_context(), in_language("en"):  # not whoever the last test signed in
        assert [people(n) for n in (0, 1, SMALL_NUMBER - 1, SMALL_NUMBER, 1204)] == [
            "0", "fewer than 5", "fewer than 5", "5", "1,204"]
    assert not is_small(0) and is_small(1) and is_small(4) and not is_small(5)
