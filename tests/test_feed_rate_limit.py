"""The public Open Referral feed is rate-limited per address (portal.rate_limits.FEED_PER_ADDRESS): over the limit,
a 429 RFC 9457 problem with Retry-After, still open to any site (CORS), so an aggregator's code can read it.

In an app of its own with limits on, as tests/test_rate_limits.py does (the rest of the suite runs without)."""
from __future__ import annotations

from limits import parse_many

from portal import rate_limits

# The same app with limits on, and its client, as the sign-in and API limits are tested with.
from .test_rate_limits import TOO_MANY, limited, limited_app  # noqa: F401 - fixtures


def test_the_feed_is_limited_per_address_with_a_problem(limited):
    allowed = min(item.amount for item in parse_many(rate_limits.FEED_PER_ADDRESS))
    answers = [limited.get("/openreferral/v3/taxonomies").status_code for _ in range(allowed)]
    assert answers == [200] * allowed
    blocked = limited.get("/openreferral/v3/services")
    assert blocked.status_code == 429
    assert blocked.mimetype == "application/problem+json"
    assert blocked.json["status"] == 429 and blocked.json["detail"] == TOO_MANY
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.headers["Access-Control-Allow-Origin"] == "*"
    # Another address is not held up by it.
    other = limited.get("/openreferral/v3/taxonomies", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
