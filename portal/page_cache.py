"""A shared cache of public answers, so that repeats of the same public page or feed page are not worked out again.

``portal.http_caching`` lets a browser or proxy keep a public page; this keeps it on the server side, for the portal's
own processes, keyed by the address and language asked for. Only an answer anyone would get is kept: a GET or HEAD
from someone with no cookies at all (not signed in, no language chosen, nothing in a session), answered 200 without
touching the session or setting a cookie. Everyone else is answered afresh.

What a kept answer shows is never older than its committed data: each area that publishes data names the tables its
public pages are built from (``watch``), and a commit that wrote to any of them moves the cache on to a new
generation, so nothing kept before it is used again. A kept answer also lasts at most ``PAGE_CACHE_SECONDS``
(default 60, the max-age already given to proxies): what depends on the clock (a session starting, booking closing)
moves on within that. ``PAGE_CACHE_SECONDS = 0`` turns the cache off.

Where it is kept: ``PAGE_CACHE_URL = redis://...`` shares one cache, and its generation, between every app process
behind a load balancer (a commit in one process is seen by all). Without it each process keeps its own, in memory
(``PAGE_CACHE_ENTRIES`` answers at most); a commit in one process then moves only that process on, and the others
catch up within ``PAGE_CACHE_SECONDS``. Booking never reads from here: places are checked under the capacity lock.
"""
from __future__ import annotations

import functools
import hashlib
import threading
from types import SimpleNamespace

from cachelib import RedisCache, SimpleCache
from flask import Flask, Response, current_app, g, make_response, request
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from .http_caching import same_for_everyone

_WATCHED: dict[str, object] = {}  # table name: None, or which of its rows public answers show
_GENERATION = "generation"  # i18n: not shown (a cache key)
# The headers a kept answer keeps.
_KEPT_HEADERS = ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Disposition")  # i18n: not shown (headers)


def watch(*models, when=None) -> None:
    """Public answers are built from these models' tables: a commit that writes to one moves the cache on (or, with
    ``when``, a commit that writes a row for which ``when(row)`` is true)."""
    for model in models:
        name = model.__table__.name
        if name in _WATCHED and (_WATCHED[name] is None or when is None):
            _WATCHED[name] = None  # every row, for whichever area asked for every row
        elif name in _WATCHED:
            earlier = _WATCHED[name]
            _WATCHED[name] = lambda row, earlier=earlier, when=when: earlier(row) or when(row)
        else:
            _WATCHED[name] = when


def _store(app: Flask):
    return app.extensions.get("page_cache")


class _Generation:
    """A process's own count of commits to watched tables, for its memory cache, kept beside that cache and not in
    it: cachelib's SimpleCache, when full, drops first the entries that expire soonest, and counts one kept for good
    as the soonest of all. Kept in the cache, the count was dropped whenever the cache filled up and started again
    from nothing, so answers kept before a change could be used after it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.value = 0

    def move_on(self) -> None:
        with self._lock:
            self.value += 1


def _generation(app: Flask, store) -> int:
    if isinstance(store, RedisCache):  # one count for every process
        return store.get(_GENERATION) or 0
    return app.extensions["page_cache_generation"].value


def _key(generation: int) -> str:
    from .i18n import current_language  # noqa: PLC0415  (i18n imports this package's app set-up)

    raw = f"{generation}|{current_language().code}|{request.full_path}"
    return "page:" + hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()  # i18n: not shown (a cache key)


def _asked_by_anyone() -> bool:
    return request.method in ("GET", "HEAD") and not request.cookies


def cached(view):
    """Keep this view's public answers (see the module's notes)."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        store = _store(current_app)
        if store is None or not _asked_by_anyone():
            return view(*args, **kwargs)
        key = _key(_generation(current_app, store))
        hit = store.get(key)
        if hit is not None:
            status, headers, body, inline_hashes = hit
            g.page_cache = "hit"
            g.csp_hashes = set(inline_hashes)  # the policy allows the page's inline script (security_headers)
            response = current_app.response_class(body, status=status, headers=headers)
            return response.make_conditional(request) if "ETag" in response.headers else response
        response = make_response(view(*args, **kwargs))
        g.page_cache = "miss"
        if same_for_everyone(response):
            headers = [(name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS]
            store.set(key, (response.status_code, headers, response.get_data(), tuple(g.get("csp_hashes", ()))))
        return response
    return wrapper


def _shown(instance) -> bool:
    table = getattr(instance, "__table__", None)
    return table is not None and _shows(table.name, instance)


def _shows(table_name: str, row) -> bool:
    """Whether public pages show this row of the table (``row``: an instance, or anything with its attributes)."""
    if table_name not in _WATCHED:
        return False
    when = _WATCHED[table_name]
    return when is None or when(row)


def remember(name: str, make):
    """``make()``, kept as a public page is (until a commit writes to a watched table, and no longer than
    PAGE_CACHE_SECONDS): for figures worked out from many rows that many pages show. The value must be plain data
    (numbers, strings, dataclasses of them), never rows from the database. With the cache off, made every time."""
    store = _store(current_app)
    if store is None:
        return make()
    key = f"value:{_generation(current_app, store)}:{name}"  # i18n: not shown (a cache key)
    value = store.get(key)
    if value is None:
        value = make()
        store.set(key, value)
    return value


def _wrote_to_watched(orm_session: OrmSession) -> bool:
    return any(_shown(instance) for instance in (*orm_session.new, *orm_session.dirty, *orm_session.deleted))


def note_written(orm_session: OrmSession, model, values: dict) -> None:
    """A row of ``model`` written by a statement of its own, not by a flush (such as an audit entry): kept public
    pages are not used after the commit, as when a flush writes the same row."""
    if _shows(model.__tablename__, SimpleNamespace(**values)):
        orm_session.info["page_cache_stale"] = True


def _note_flush(orm_session: OrmSession, _context) -> None:
    if _wrote_to_watched(orm_session):
        orm_session.info["page_cache_stale"] = True


def _note_statement(state) -> None:
    """An UPDATE, DELETE or INSERT statement run through the ORM (bulk changes) on a watched table."""
    if (state.is_update or state.is_delete or state.is_insert) and any(
            mapper.local_table.name in _WATCHED for mapper in state.all_mappers):
        state.session.info["page_cache_stale"] = True


def _after_commit(orm_session: OrmSession) -> None:
    if orm_session.info.pop("page_cache_stale", False):
        move_on()


def move_on(app: Flask | None = None) -> None:
    """Nothing kept so far is used again (a commit to a watched table does this itself)."""
    try:
        app = app or current_app._get_current_object()
    except RuntimeError:  # outside the app (a script's own engine): nothing of ours to move on
        return
    store = _store(app)
    if store is None:
        return
    if isinstance(store, RedisCache):  # INCR: one count for every process
        store.inc(_GENERATION)
    else:  # this process's memory
        app.extensions["page_cache_generation"].move_on()


def _make_store(app: Flask):
    seconds = app.config["PAGE_CACHE_SECONDS"]
    url = app.config.get("PAGE_CACHE_URL")
    if url:
        import redis  # noqa: PLC0415  (the optional "redis" extra: only when PAGE_CACHE_URL is set)

        return RedisCache(host=redis.Redis.from_url(url), default_timeout=seconds,
                          key_prefix=app.config["PAGE_CACHE_PREFIX"])
    # cachelib's memory cache takes a lock of its own around each call: a process's threads share it safely.
    return SimpleCache(threshold=app.config["PAGE_CACHE_ENTRIES"], default_timeout=seconds)


_LISTENING = False


def init_app(app: Flask) -> None:
    global _LISTENING
    if app.config["PAGE_CACHE_SECONDS"] > 0:
        app.extensions["page_cache"] = _make_store(app)
        app.extensions["page_cache_generation"] = _Generation()
    if not _LISTENING:  # the listeners are on every session of the process's scoped session factory, once
        event.listen(OrmSession, "after_flush", _note_flush)
        event.listen(OrmSession, "do_orm_execute", _note_statement)
        event.listen(OrmSession, "after_commit", _after_commit)
        _LISTENING = True
    app.after_request(_say_whether_kept)


def _say_whether_kept(response: Response) -> Response:
    """X-Page-Cache: hit or miss, for whoever measures it (absent when the page was not one that may be kept)."""
    if "page_cache" in g:
        response.headers["X-Page-Cache"] = g.page_cache  # i18n: not shown (an HTTP header)
    return response


__all__ = ["cached", "init_app", "move_on", "remember", "watch"]
