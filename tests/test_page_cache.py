"""Public pages kept on the server (portal/page_cache.py): a repeat of an anonymous search, offer page or feed page is
answered from the cache, a commit that changes what such a page shows means the next one is worked out afresh, and
nobody with a cookie is ever answered from it. With Redis (PAGE_CACHE_URL), a commit in one app process moves every
process on.

Runs on SQLite by default and on PostgreSQL with TEST_DATABASE_URL."""
from __future__ import annotations

import os
import threading
import uuid

import pytest

from portal import create_app, page_cache
from portal.extensions import db
from portal.models import Role, record
from portal.timeutil import utcnow

from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory
from .test_bookings import book
from .test_search_usable import days_ahead, result_block

FEED = "/openreferral/v3"
REDIS_URL = os.environ.get("TEST_PAGE_CACHE_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def club():
    club = OfferFactory(title="Art Club", min_age=5, max_age=15)
    session = SessionFactory(offer=club, starts_at=days_ahead(5), capacity=10)
    db.session.commit()
    return club, session


def test_a_repeated_anonymous_search_is_answered_from_the_cache(app, client, club):
    first = client.get("/local-offer")
    again = client.get("/local-offer")
    assert first.headers["X-Page-Cache"] == "miss" and again.headers["X-Page-Cache"] == "hit"
    assert again.data == first.data and "10 places left" in result_block(again, "Art Club")
    # What a browser and proxy are told is the same either way, and a revalidation still gets its 304.
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert client.get("/local-offer", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    # Another search, another page, another language: each its own entry.
    assert client.get("/local-offer?q=art").headers["X-Page-Cache"] == "miss"
    welsh = client.get("/local-offer", headers={"Accept-Language": "pl"})
    assert welsh.headers["X-Page-Cache"] == "miss" and welsh.data != first.data


def test_a_booking_means_the_next_page_shows_the_places_it_took(app, client, login, club):
    offer, session = club
    family = UserFactory(role=Role.PARENT_CARER)
    child = ChildFactory(parent=family, date_of_birth=utcnow().date().replace(year=utcnow().year - 9))
    db.session.commit()
    assert "10 places left" in result_block(client.get("/local-offer"), "Art Club")
    page = client.get(f"/local-offer/{offer.id}")
    assert client.get(f"/local-offer/{offer.id}").headers["X-Page-Cache"] == "hit"
    anonymous = app.test_client()
    assert anonymous.get("/local-offer").headers["X-Page-Cache"] == "hit"
    assert book(login(family), session, [child]).status_code == 302
    fresh = anonymous.get("/local-offer")
    assert fresh.headers["X-Page-Cache"] == "miss" and "9 places left" in result_block(fresh, "Art Club")
    assert anonymous.get(f"/local-offer/{offer.id}").data != page.data


def test_a_change_to_an_offer_or_its_provider_shows_at_once(app, client, club):
    offer, _session = club
    service = f"{FEED}/services/{_service_id(client, offer)}"
    for _ in range(2):
        assert "Art Club" in client.get("/local-offer").text and client.get(service).json["name"] == "Art Club"
    assert client.get(service).headers["X-Page-Cache"] == "hit"
    offer.title = "Painting Club"
    db.session.commit()
    assert "Painting Club" in client.get("/local-offer").text and client.get(service).json["name"] == "Painting Club"
    assert client.get(f"{FEED}/services").json["contents"][0]["name"] == "Painting Club"
    offer.provider.name = "New Name Ltd"
    db.session.commit()
    assert client.get(f"{FEED}/services").json["contents"][0]["organization"]["name"] == "New Name Ltd"


def test_an_audit_entry_about_an_offer_alone_moves_the_feed_on(app, client, club):
    """The feed's last_modified comes from the audit trail's entries about offers: an entry written on its own (not
    through a flush) still means kept pages are not used again, and an entry about anything else does not."""
    offer, _session = club
    client.get(f"{FEED}/services")
    assert client.get(f"{FEED}/services").headers["X-Page-Cache"] == "hit"
    record("viewed_by_staff", UserFactory(), by=None)
    db.session.commit()
    assert client.get(f"{FEED}/services").headers["X-Page-Cache"] == "hit"
    record("offer_checked", offer, by=None)
    db.session.commit()
    assert client.get(f"{FEED}/services").headers["X-Page-Cache"] == "miss"


def _service_id(client, offer) -> str:
    listed = client.get(f"{FEED}/services").json["contents"]
    return next(s["id"] for s in listed if s["name"] == offer.title)


def test_nobody_with_a_cookie_is_answered_from_the_cache(app, client, login, club):
    client.get("/local-offer")
    assert client.get("/local-offer").headers["X-Page-Cache"] == "hit"
    family = UserFactory(role=Role.PARENT_CARER)
    ChildFactory(parent=family, first_name="Zara")
    db.session.commit()
    signed_in = login(family)
    mine = signed_in.get("/local-offer")
    assert "X-Page-Cache" not in mine.headers and "Zara" in mine.text
    # A page that sets a cookie (choosing a language) is not kept, so the next anonymous visitor does not get it.
    chooser = app.test_client()
    chose = chooser.get("/local-offer?lang=ur")
    assert "Set-Cookie" in chose.headers
    assert app.test_client().get("/local-offer?lang=ur").headers["X-Page-Cache"] == "miss"  # it was not kept


def test_a_failed_search_is_not_kept(app, client, club):
    assert client.get("/local-offer?age=200").status_code == 400
    assert client.get("/local-offer?age=200").headers.get("X-Page-Cache") == "miss"


def test_with_the_cache_off_nothing_is_kept(database_url, app):
    off = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PAGE_CACHE_SECONDS=0)
    client = off.test_client()
    assert "X-Page-Cache" not in client.get("/local-offer").headers
    assert "X-Page-Cache" not in client.get("/local-offer").headers


def _redis_reachable() -> bool:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
        return True
    except Exception:  # noqa: BLE001  (no Redis here: the test says so and skips)
        return False


@pytest.mark.skipif(not _redis_reachable(), reason=f"no Redis at {REDIS_URL} (TEST_PAGE_CACHE_URL)")
def test_with_redis_a_commit_in_one_process_moves_every_process_on(database_url, app, club):
    import redis

    # Two app processes behind a load balancer, as two apps sharing one Redis (under keys of this test's own: the
    # SQLite and PostgreSQL suites run side by side in CI).
    prefix = f"test-page-cache-{uuid.uuid4().hex}:"
    first, second = (create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PAGE_CACHE_URL=REDIS_URL,
                                PAGE_CACHE_PREFIX=prefix) for _ in range(2))
    offer, _session = club
    with first.app_context():
        assert first.test_client().get("/local-offer").headers["X-Page-Cache"] == "miss"
    with second.app_context():
        kept = second.test_client().get("/local-offer")
        assert kept.headers["X-Page-Cache"] == "hit"  # kept by the other process
    with first.app_context():
        changed = db.session.get(type(offer), offer.id)
        changed.title = "Painting Club"
        db.session.commit()
    with second.app_context():
        fresh = second.test_client().get("/local-offer")
        assert fresh.headers["X-Page-Cache"] == "miss" and "Painting Club" in fresh.text
    server = redis.Redis.from_url(REDIS_URL)
    server.delete(*server.keys(prefix + "*"))


def test_a_remembered_figure_is_worked_out_again_after_a_commit_that_changes_its_data(app, club):
    made = []

    def make():
        made.append(1)
        return {"places": len(made)}

    with app.test_request_context():
        assert page_cache.remember("test-figure", make) == {"places": 1}
        assert page_cache.remember("test-figure", make) == {"places": 1} and len(made) == 1
        family = UserFactory(role=Role.PARENT_CARER)  # users are not watched: nothing moves on
        db.session.commit()
        assert page_cache.remember("test-figure", make) == {"places": 1}
        ChildFactory(parent=family)  # children are (the dashboard's places per child)
        db.session.commit()
        assert page_cache.remember("test-figure", make) == {"places": 2}


def test_the_memory_cache_takes_many_threads_at_once_past_its_size(database_url, app, club):
    """Threads of one process keep and prune pages side by side (cachelib's pruning walks its dict)."""
    small = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PAGE_CACHE_ENTRIES=5)
    store = small.extensions["page_cache"]
    failures = []

    def keep(n: int) -> None:
        try:
            for i in range(300):
                store.set(f"{n}-{i}", i)
                store.get(f"{n}-{i - 1}")
        except Exception as exc:  # noqa: BLE001  (any failure is the test's answer)
            failures.append(exc)

    threads = [threading.Thread(target=keep, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert len(store._cache) <= 5 + 8  # pruned back to its size (each thread may add one past it)


def test_a_full_memory_cache_still_moves_on_at_a_change(database_url, app, club):
    """A process's memory cache that has filled up drops its oldest answers, never its count of changes: a page kept
    before a change is not answered after it, however many other pages were kept in between."""
    offer, _session = club
    small = create_app("test", SQLALCHEMY_DATABASE_URI=database_url, PAGE_CACHE_ENTRIES=3)
    client = small.test_client()
    with small.app_context():
        assert "Art Club" in client.get("/local-offer").text
        assert client.get("/local-offer").headers["X-Page-Cache"] == "hit"
        changed = db.session.get(type(offer), offer.id)
        changed.title = "Painting Club"
        db.session.commit()
        for per_page in (5, 6, 7):  # fills the cache past its three answers (the first page is still kept)
            assert client.get(f"{FEED}/services?per_page={per_page}").headers["X-Page-Cache"] == "miss"
        again = client.get("/local-offer")
        assert again.headers["X-Page-Cache"] == "miss" and "Painting Club" in again.text
