"""The feed's endpoints under /openreferral/v3/: public, read-only, open to any site (CORS *), rate-limited per
address, cacheable (ETag, Last-Modified on single records, Cache-Control: public) and answering errors as RFC 9457
problems. Its words are for machines and stay in English."""
from __future__ import annotations

import hashlib
import http
import json
import math
from datetime import datetime

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions

from portal import page_cache, rate_limits

from . import documents, ids
from .filters import FeedFilters
from .published import changed_at, page_of_offers, public_offer, timetable
from .taxonomies import TAXONOMIES, TAXONOMIES_BY_ID, TERMS, TERMS_BY_ID

bp = Blueprint("open_referral", __name__, url_prefix="/openreferral/v3")

PROBLEM_JSON = "application/problem+json"
INVALID_REQUEST = "tag:short-breaks-portal,2025:openreferral/invalid-request"
# How long a browser or proxy may serve a copy without asking again (ETag makes asking again cheap).
MAX_AGE = 300
CORS_HEADERS = {"Access-Control-Allow-Origin": "*", "Access-Control-Expose-Headers": "ETag, Retry-After"}  # i18n: not shown (headers)


def _problem(status: int, detail: str, *, type: str = "about:blank", errors: list | None = None,
             headers: dict | None = None) -> Response:
    body = {"type": type, "title": http.HTTPStatus(status).phrase, "status": status, "detail": detail}
    if errors:
        body["errors"] = errors
    return current_app.response_class(json.dumps(body), status=status, mimetype=PROBLEM_JSON,
                                      headers={**CORS_HEADERS, **(headers or {})})


def _answer_http_error(error: HTTPException) -> Response:
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return _problem(error.code, error.description or http.HTTPStatus(error.code).phrase, headers=headers)


for _code in default_exceptions:  # by code, or the portal's own error pages would answer first
    bp.register_error_handler(_code, _answer_http_error)


@bp.before_app_request
def _answer_unrouted_feed_request():
    """No route matched, so no blueprint handles the error: answer the feed's paths with a problem too."""
    error = request.routing_exception
    in_feed = request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")
    if in_feed and isinstance(error, (NotFound, MethodNotAllowed)):
        return _answer_http_error(error)
    return None


@bp.before_request
def _count_the_request():
    rate_limits.check("feed-address", rate_limits.FEED_PER_ADDRESS)


@bp.after_request
def _open_to_any_site(response: Response) -> Response:
    response.headers.update(CORS_HEADERS)
    return response


def _json(document: dict, *, last_modified: datetime | None = None) -> Response:
    """The document, with what a cache needs to keep it and to ask whether it has changed (a 304 if not)."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    if last_modified is not None:
        response.last_modified = last_modified
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    return response.make_conditional(request)


def _filters() -> FeedFilters:
    filters = FeedFilters.from_args(request.args)
    if filters.errors:
        raise _Invalid(filters.errors)
    return filters


class _Invalid(Exception):
    def __init__(self, errors: list[dict]):
        super().__init__("invalid query parameters")  # i18n: not shown (an exception's own message)
        self.errors = errors


@bp.errorhandler(_Invalid)
def _answer_invalid(invalid: _Invalid) -> Response:
    return _problem(400, "The request has mistakes: see errors for each one.", type=INVALID_REQUEST,  # i18n: not shown (machine-readable feed)
                    errors=invalid.errors)


def _page(contents: list, total: int, filters: FeedFilters) -> dict:
    """The standard's paginated envelope."""
    pages = math.ceil(total / filters.per_page)
    return {"total_items": total, "total_pages": pages, "page_number": filters.page, "size": len(contents),
            "first_page": filters.page == 1, "last_page": filters.page >= pages, "empty": not contents,
            "contents": contents}


def _page_of_all(records: list, filters: FeedFilters) -> dict:
    """A page of a list held whole in memory (the vocabularies: a few dozen records)."""
    start = (filters.page - 1) * filters.per_page
    return _page(records[start:start + filters.per_page], len(records), filters)


def _not_found(kind: str, record_id: str) -> Response:
    return _problem(404, f"There is no {kind} with the id {record_id} in this feed.")  # i18n: not shown (machine-readable feed)


@bp.get("/")
def about():
    return _json(documents.about())


def _page_of_services(summary) -> Response:
    filters = _filters()
    found = page_of_offers(filters)
    contents = [summary(offer, found.modified[offer.id]) for offer in found.offers]
    return _json(_page(contents, found.total, filters))


def _one_service(kind: str, record_id: str, document) -> Response:
    offer_id = ids.row_id(kind, record_id)
    offer = public_offer(offer_id) if offer_id else None
    if offer is None:
        return _not_found(kind, record_id)
    changed = changed_at(offer)
    return _json(document(offer, changed, timetable(offer)), last_modified=changed)


@bp.get("/services")
@page_cache.cached
def services():
    return _page_of_services(documents.service_summary)


@bp.get("/services/<service_id>")
@page_cache.cached
def service(service_id: str):
    return _one_service(ids.SERVICE, service_id, documents.service)


@bp.get("/service_at_locations")
@page_cache.cached
def service_at_locations():
    return _page_of_services(documents.service_at_location_summary)


@bp.get("/service_at_locations/<service_at_location_id>")
@page_cache.cached
def service_at_location(service_at_location_id: str):
    return _one_service(ids.SERVICE_AT_LOCATION, service_at_location_id, documents.service_at_location)


@bp.get("/taxonomies")
def taxonomies():
    filters = _filters()
    return _json(_page_of_all([documents.taxonomy_record(t, with_terms=False) for t in TAXONOMIES.values()], filters))


@bp.get("/taxonomies/<taxonomy_id>")
def taxonomy(taxonomy_id: str):
    found = TAXONOMIES_BY_ID.get(taxonomy_id.lower())
    if found is None:
        return _not_found("taxonomy", taxonomy_id)
    return _json(documents.taxonomy_record(found, with_terms=True))


@bp.get("/taxonomy_terms")
def taxonomy_terms():
    filters = _filters()
    words = filters.search.casefold()
    chosen = [term for term in TERMS if not filters.matches_nothing
              and (filters.taxonomy_key is None or term.taxonomy_key == filters.taxonomy_key)
              and (not words or words in term.name.casefold() or words in term.code)]
    return _json(_page_of_all([documents.term_record(term) for term in chosen], filters))


@bp.get("/taxonomy_terms/<taxonomy_term_id>")
def taxonomy_term(taxonomy_term_id: str):
    found = TERMS_BY_ID.get(taxonomy_term_id.lower())
    if found is None:
        return _not_found("taxonomy term", taxonomy_term_id)  # i18n: not shown (machine-readable feed)
    return _json(documents.term_record(found))
