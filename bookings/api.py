"""The availability API for providers' own systems, under /api/v1/.

Every request carries a provider's token (``Authorization: Bearer sbp_...``) and sees only that provider's
offers, sessions and bookings. Writes go through the same services as the provider's pages, commit once,
and accept an ``Idempotency-Key`` so that a retried request changes nothing. Every error is a JSON problem
(RFC 9457). flask-smorest builds the OpenAPI 3 document at /api/v1/openapi.json from the schemas and
views below.

Problem details (what went wrong, and each field's mistake) are in the language the client's Accept-Language
asks for, like the portal's pages; the OpenAPI document's descriptions are a technical reference, in English.
"""
from __future__ import annotations

import hashlib
import http
import json
import re
from datetime import date, datetime, timedelta, timezone
from functools import wraps

import marshmallow as ma
from flask import Flask, Response, abort, current_app, g, request
from flask_babel import gettext as _
from flask_smorest import Api, Blueprint
from flask_smorest.utils import prepare_response
from marshmallow import ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    default_exceptions,
)

from portal import rate_limits
from portal.audit import Viewer, showing, shows_children
from portal.errors import DomainError, TryAgain
from portal.extensions import csrf, db
from portal.models import Child, Role, SupportLevel, record
from portal.timeutil import london_midnight_utc, to_london, utcnow
from providers import sessions, tokens
from providers.models import (
    STAFF_UNITS,
    ApiToken,
    Attendance,
    Booking,
    BookingStatus,
    Category,
    IdempotencyRecord,
    Offer,
    OfferStatus,
    PaymentRoute,
    Provider,
    Session,
    SessionStatus,
    Tier,
)

from . import places, session_changes

PROBLEM_JSON = "application/problem+json"
# Problem types particular to this API; plain HTTP errors use "about:blank" (RFC 9457, section 4.2.1).
INVALID_REQUEST = "tag:short-breaks-portal,2025:api/invalid-request"
RULE_BROKEN = "tag:short-breaks-portal,2025:api/rule-broken"
TRY_AGAIN = "tag:short-breaks-portal,2025:api/try-again"
KEY_REUSED = "tag:short-breaks-portal,2025:api/idempotency-key-reused"

IDEMPOTENCY_KEY = "Idempotency-Key"
INVALID_TOKEN = ', error="invalid_token"'  # i18n: not shown (part of an HTTP header)
IDEMPOTENCY_KEY_PATTERN = re.compile(r"[!-~]{1,255}")  # visible ASCII, as long as the stored column
# Ids are 32-bit in the database; a larger one cannot exist and would overflow the query parameter.
LARGEST_ID = 2**31 - 1
# These mirror providers.sessions (_check_places, _check_times), so that the document states them and a bad
# value is answered field by field; the services still decide.
MOST_PLACES, MOST_STAFF, LONGEST_SESSION = 500, 200, timedelta(days=14)
EARLIEST_DAY, LATEST_DAY = date(2000, 1, 1), date(2100, 12, 31)
TEXT_MAX_LENGTH = 1000
# Staff time a child at the lowest support level takes: places_left counts places such a child could still book.
LEAST_STAFF_UNITS = min(STAFF_UNITS.values())

bp = Blueprint(
    "api", __name__, url_prefix="/api/v1",
    description="Your organisation's offers, sessions, places and bookings, for your own systems.",
)


class AvailabilityApi(Api):
    """flask-smorest, with RFC 9457 problems documented for errors and no error handlers on the whole app:
    the portal's pages keep their own error pages, and the blueprint below answers its own errors."""

    def _register_error_handlers(self):
        pass

    def _register_pagination_header(self):
        pass  # pages are described in the body (see PaginationSchema), not in an X-Pagination header

    def _register_responses(self):
        for status in http.HTTPStatus:
            if status >= 400:
                self._register_problem_response(status.name, status.phrase)
        self._register_problem_response(self.DEFAULT_ERROR_RESPONSE_NAME,
                                        "A problem (RFC 9457 problem details)")  # i18n: not shown (OpenAPI)

    def _register_problem_response(self, name: str, description: str) -> None:
        response = {"description": description, "schema": ProblemSchema}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(name, response, lazy=True)


def init_app(app: Flask) -> None:
    """Serve the API and its OpenAPI document at /api/v1/openapi.json."""
    app.config.setdefault("API_TITLE", "Short breaks availability API")
    app.config.setdefault("API_VERSION", "1.0.0")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", bp.url_prefix)
    api = AvailabilityApi(app, spec_kwargs={
        "security": [{"bearerAuth": []}],
        "info": {"description": "Keep your sessions and places up to date from your own systems. Your "  # i18n: not shown (OpenAPI)
                               "organisation's admin creates tokens on the portal; each token is shown once."},
    })
    api.spec.components.security_scheme("bearerAuth", {
        "type": "http", "scheme": "bearer",
        "description": "An API token from your organisation's admin, starting sbp_.",  # i18n: not shown (OpenAPI)
    })
    api.register_blueprint(bp)
    csrf.exempt(bp)


# --- schemas --------------------------------------------------------------------------------------

class FieldProblemSchema(ma.Schema):
    detail = fields.String(required=True)
    pointer = fields.String(metadata={"description": "JSON Pointer to the field in the request body, e.g. #/capacity"})
    parameter = fields.String(metadata={"description": "The query or path parameter"})
    header = fields.String(metadata={"description": "The request header"})


class ProblemSchema(ma.Schema):
    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldProblemSchema),
                         metadata={"description": "For an invalid request: each field and what is wrong with it"})  # i18n: not shown (OpenAPI)


class LondonDateTime(fields.AwareDateTime):
    """An ISO 8601 time with its offset: read in any offset, written in London time."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(None if value is None else to_london(value), attr, obj, **kwargs)


def _plausible_moment(value: datetime) -> None:
    try:
        day = value.astimezone(timezone.utc).date()
    except OverflowError:
        raise ValidationError(_("Give a time between the years 2000 and 2100.")) from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValidationError(_("Give a time between the years 2000 and 2100."))


def _printable(value: str) -> None:
    if any(ord(c) < 32 and c not in "\n\t" for c in value):
        raise ValidationError(_("Remove the control characters."))


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError(_("The session must end after it starts."), field_name="ends_at")
    if ends_at - starts_at > LONGEST_SESSION:
        raise ValidationError(_("A session can last at most %(days)s days.", days=LONGEST_SESSION.days),
                              field_name="ends_at")
    if starts_at <= utcnow():
        raise ValidationError(_("The session must start in the future."), field_name="starts_at")


def _moment(**kwargs) -> fields.Field:
    return LondonDateTime(format="iso", validate=_plausible_moment,
                          metadata={"description": "ISO 8601 with an offset, e.g. 2026-03-07T10:00:00+00:00"},  # i18n: not shown (OpenAPI)
                          **kwargs)


def _places(**kwargs) -> fields.Field:
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MOST_PLACES),
                          metadata={"description": "Places on the session"}, **kwargs)  # i18n: not shown (OpenAPI)


def _staff(**kwargs) -> fields.Field:
    return fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=1, max=MOST_STAFF),
                          metadata={"description": "Adults on duty (a 1:1 child needs one, a 2:1 child two, "  # i18n: not shown (OpenAPI)
                                                   "four children in a group one); null for no staff limit"},
                          **kwargs)


def _reason(**kwargs) -> fields.Field:
    return fields.String(validate=[validate.Length(min=1, max=TEXT_MAX_LENGTH), _printable], **kwargs)


class PageArgs(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SessionFilterArgs(PageArgs):
    from_ = fields.Date(data_key="from", validate=validate.Range(min=EARLIEST_DAY, max=LATEST_DAY),
                        metadata={"description": "Sessions starting on or after this day (London time)"})  # i18n: not shown (OpenAPI)
    to = fields.Date(validate=validate.Range(min=EARLIEST_DAY, max=LATEST_DAY),
                     metadata={"description": "Sessions starting on or before this day (London time)"})  # i18n: not shown (OpenAPI)

    @validates_schema
    def _from_before_to(self, data, **kwargs):
        if "from_" in data and "to" in data and data["to"] < data["from_"]:
            raise ValidationError(_("Give a day on or after the from day."), field_name="to")


class PaginationSchema(ma.Schema):
    page = fields.Integer(required=True)
    page_size = fields.Integer(required=True)
    total_items = fields.Integer(required=True)
    total_pages = fields.Integer(required=True)


class OfferSchema(ma.Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    status = fields.Enum(OfferStatus, by_value=True, required=True)
    tier = fields.Enum(Tier, by_value=True, required=True)
    category = fields.Enum(Category, by_value=True, required=True)
    min_age = fields.Integer(required=True)
    max_age = fields.Integer(required=True)
    venue = fields.String(required=True)
    price_pence = fields.Integer(required=True)
    payment_route = fields.Enum(PaymentRoute, by_value=True, required=True)


class OfferPageSchema(ma.Schema):
    items = fields.List(fields.Nested(OfferSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class SessionSchema(ma.Schema):
    id = fields.Integer(required=True)
    offer_id = fields.Integer(required=True)
    starts_at = _moment(required=True)
    ends_at = _moment(required=True)
    status = fields.Enum(SessionStatus, by_value=True, required=True)
    capacity = fields.Integer(required=True)
    places_taken = fields.Integer(required=True, metadata={
        "description": "Places booked, and places offered to families on the waiting list"})  # i18n: not shown (OpenAPI)
    places_left = fields.Method("_places_left", required=True, metadata={
        "type": "integer", "description": "Places a child needing the least support could still book: none once "  # i18n: not shown (OpenAPI)
                                          "all the staff are taken, even if seats are free"})
    staff = fields.Integer(required=True, allow_none=True)
    cancel_reason = fields.String(required=True, allow_none=True)

    def _places_left(self, session: Session) -> int:
        room = places.room_left(session)
        if room.staff is None:
            return max(room.places, 0)
        return max(min(room.places, room.staff // LEAST_STAFF_UNITS), 0)


class SessionPageSchema(ma.Schema):
    items = fields.List(fields.Nested(SessionSchema), required=True)
    pagination = fields.Nested(PaginationSchema, required=True)


class NewSessionSchema(ma.Schema):
    starts_at = _moment(required=True)
    ends_at = _moment(required=True)
    capacity = _places(required=True)
    staff = _staff(load_default=None)

    @validates_schema(skip_on_field_errors=True)
    def _times(self, data, **kwargs):
        _check_times(data["starts_at"], data["ends_at"])


class SessionChangeSchema(ma.Schema):
    capacity = _places()
    staff = _staff()
    starts_at = _moment()
    ends_at = _moment()
    reason = _reason(metadata={"description": "Why; needed to move a session, as families are told"})  # i18n: not shown (OpenAPI)

    @validates_schema(skip_on_field_errors=True)
    def _change(self, data, **kwargs):
        if not {"capacity", "staff", "starts_at", "ends_at"} & data.keys():
            raise ValidationError(_("Give capacity, staff, or a new starts_at and ends_at."))
        if "starts_at" in data or "ends_at" in data:
            missing = sorted({"starts_at", "ends_at"} - data.keys())
            if missing:
                raise ValidationError(_("Give both starts_at and ends_at to move a session."), field_name=missing[0])
            _check_times(data["starts_at"], data["ends_at"])
            if not data.get("reason", "").strip():
                raise ValidationError(_("Give a reason: families will see it."), field_name="reason")


class CancelSchema(ma.Schema):
    reason = _reason(required=True, metadata={"description": "Why; every booked family is told"})  # i18n: not shown (OpenAPI)

    @validates_schema(skip_on_field_errors=True)
    def _reason_given(self, data, **kwargs):
        if not data["reason"].strip():
            raise ValidationError(_("Give a reason: families will see it."), field_name="reason")


class BookedChildSchema(ma.Schema):
    first_name = fields.String(required=True, attribute="child.first_name")
    last_name = fields.String(required=True, attribute="child.last_name")
    support_level = fields.Enum(SupportLevel, by_value=True, required=True, attribute="child.support_level")
    needs = fields.List(fields.String(), required=True, attribute="child.needs")
    emergency_contact = fields.String(required=True, allow_none=True, attribute="child.emergency_contact")
    attendance = fields.Enum(Attendance, by_value=True, required=True, allow_none=True)


class BookedChildrenSchema(ma.Schema):
    items = fields.List(fields.Nested(BookedChildSchema), required=True)


# --- problems --------------------------------------------------------------------------------------

class ApiProblem(Exception):
    """An error answered as RFC 9457 problem details."""

    def __init__(self, status: int, detail: str, *, type: str = "about:blank", errors: list | None = None,
                 headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.type, self.errors, self.headers = status, detail, type, errors, headers

    def response(self) -> Response:
        body = {"type": self.type, "title": http.HTTPStatus(self.status).phrase, "status": self.status,
                "detail": self.detail}
        if self.errors:
            body["errors"] = self.errors
        return current_app.response_class(json.dumps(body), status=self.status, mimetype=PROBLEM_JSON,
                                          headers=self.headers)


def _field_errors(location: str, messages, path: tuple = ()) -> list[dict]:
    """Flatten marshmallow's nested messages into one entry per field (RFC 9457's "errors" example)."""
    if isinstance(messages, dict):
        return [error for name, inner in messages.items()
                for error in _field_errors(location, inner, path if name == "_schema" else (*path, str(name)))]
    if isinstance(messages, list):
        return [error for inner in messages for error in _field_errors(location, inner, path)]
    if location == "json":
        pointer = "#" + "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in path)
        return [{"pointer": pointer, "detail": str(messages)}]
    return [{"parameter": ".".join(path), "detail": str(messages)}]


@bp.errorhandler(ApiProblem)
def _answer_problem(problem: ApiProblem):
    return problem.response()


@bp.errorhandler(DomainError)
def _answer_broken_rule(error: DomainError):
    if isinstance(error, TryAgain):
        return ApiProblem(409, str(error), type=TRY_AGAIN, headers={"Retry-After": "2"}).response()
    return ApiProblem(409, str(error), type=RULE_BROKEN).response()


def _answer_http_error(error: HTTPException):
    if error.code >= 500:
        db.session.rollback()
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    messages = (getattr(error, "data", None) or {}).get("messages")
    if messages:
        errors = [e for location, found in messages.items() for e in _field_errors(location, found)]
        return ApiProblem(error.code, _("The request has mistakes: see errors for each one."),
                          type=INVALID_REQUEST, errors=errors, headers=headers).response()
    return ApiProblem(error.code, error.description or http.HTTPStatus(error.code).phrase, headers=headers).response()


# By code, as the app's own handlers for 404 and the like would otherwise come first.
for _code in default_exceptions:
    bp.register_error_handler(_code, _answer_http_error)


@bp.before_app_request
def _answer_unrouted_api_request():
    """No route matched, so no blueprint handles the error: answer /api/v1/ paths with a problem too."""
    error = request.routing_exception
    in_api = request.path == bp.url_prefix or request.path.startswith(bp.url_prefix + "/")
    if in_api and isinstance(error, (NotFound, MethodNotAllowed)):
        return _answer_http_error(error)
    return None


def _problems(*codes: int):
    """Document the problems an operation can answer with."""
    def decorator(view):
        for code in codes:
            view = bp.alt_response(code, response=http.HTTPStatus(code).name)(view)
        return view
    return decorator


# --- authentication ------------------------------------------------------------------------------

@bp.before_request
def _authenticate():
    challenge = 'Bearer realm="Short breaks availability API"'  # i18n: not shown (an HTTP header)
    rate_limits.check("api-address", rate_limits.API_PER_ADDRESS)  # guessing tokens costs time too
    scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        raise ApiProblem(401, _("Send your API token in the Authorization header, as: Bearer sbp_..."),
                         headers={"WWW-Authenticate": challenge})
    token = tokens.find_live_token(presented.strip())
    if token is None:
        raise ApiProblem(401, _("This API token is not recognised or has been revoked. Ask your organisation's "
                                "admin for a new one."), headers={"WWW-Authenticate": challenge + INVALID_TOKEN})
    refused = tokens.refusal(token)
    if refused is not None:
        raise ApiProblem(401, refused, headers={"WWW-Authenticate": challenge + INVALID_TOKEN})
    g.api_token_id, g.api_provider_id = token.id, token.provider_id
    rate_limits.check("api-token", rate_limits.API_PER_TOKEN, key=str(token.id))
    if tokens.mark_used(token):
        db.session.commit()


def _own_offer_or_404(offer_id: int) -> Offer:
    offer = None
    if offer_id <= LARGEST_ID:
        offer = db.session.scalar(select(Offer).where(Offer.id == offer_id, Offer.provider_id == g.api_provider_id))
    if offer is None:
        abort(404, description=_("None of your organisation's offers has the id %(id)s.", id=offer_id))
    return offer


def _own_session_or_404(session_id: int) -> Session:
    session = None
    if session_id <= LARGEST_ID:
        session = db.session.scalar(select(Session).join(Session.offer).where(
            Session.id == session_id, Offer.provider_id == g.api_provider_id))
    if session is None:
        abort(404, description=_("None of your organisation's sessions has the id %(id)s.", id=session_id))
    return session


# --- writes: commit once, and answer a repeated Idempotency-Key with the stored answer --------------

IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header", "name": IDEMPOTENCY_KEY, "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    "description": "Any unique string (a UUID, say). Repeating a request with the same key returns the first "  # i18n: not shown (OpenAPI)
                   "answer and changes nothing; using the key for a different request is refused (422). "
                   "Successful answers are kept.",
}


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is not None and not IDEMPOTENCY_KEY_PATTERN.fullmatch(key):
        raise ApiProblem(400, _("The request has mistakes: see errors for each one."), type=INVALID_REQUEST, errors=[{
            "header": IDEMPOTENCY_KEY, "detail": _("Use 1 to 255 visible ASCII characters, such as a UUID.")}])
    return key


def _fingerprint() -> str:
    """The request, so that a key reused for a different request is caught (JSON compared by value)."""
    body = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):
        pass
    digest = hashlib.sha256(f"{request.method}\n{request.path}\n".encode("utf-8", "replace"))
    digest.update(body)
    return digest.hexdigest()


def _stored_answer(key: str, fingerprint: str) -> Response | None:
    stored = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.provider_id == g.api_provider_id, IdempotencyRecord.key == key))
    if stored is None:
        return None
    if stored.request_fingerprint != fingerprint:
        raise ApiProblem(422, _("This Idempotency-Key was used for a different request. Use a new key for a new "
                                "request."), type=KEY_REUSED)
    return current_app.response_class(stored.response_body, status=stored.status_code, mimetype="application/json",
                                      headers={"Idempotent-Replayed": "true"})


def _write(view):
    """Commit the write once, with its audit entry and (given a key) its stored answer.

    Two requests with one key may run at once: the unique key lets one commit; the other rolls back
    everything it did and answers with what the first stored."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = _idempotency_key()
        fingerprint = _fingerprint() if key is not None else None
        if key is not None and (replay := _stored_answer(key, fingerprint)) is not None:
            return replay
        try:
            response = view(*args, **kwargs)
            record("api_change", db.session.get(ApiToken, g.api_token_id), by=None, method=request.method,
                   path=request.path, status=response.status_code)
            if key is not None:
                db.session.add(IdempotencyRecord(provider_id=g.api_provider_id, key=key, request_fingerprint=fingerprint,
                                                 status_code=response.status_code,
                                                 response_body=response.get_data(as_text=True)))
            db.session.commit()
        except Exception:
            db.session.rollback()
            if key is None or (replay := _stored_answer(key, fingerprint)) is None:
                raise
            return replay
        return response

    return bp.doc(parameters=[IDEMPOTENCY_KEY_PARAMETER])(_problems(400)(wrapper))


# --- reading --------------------------------------------------------------------------------------

def _page(query, page: int, page_size: int) -> dict:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "pagination": {"page": page, "page_size": page_size, "total_items": total,
                                           "total_pages": -(-total // page_size)}}


@bp.route("/offers")
@bp.arguments(PageArgs, location="query", as_kwargs=True)
@bp.response(200, OfferPageSchema)
@_problems(401)
def list_offers(page: int, page_size: int):
    """Your offers

    Every offer of your organisation, whatever its status, oldest first."""
    return _page(select(Offer).where(Offer.provider_id == g.api_provider_id).order_by(Offer.id), page, page_size)


@bp.route("/offers/<int:offer_id>/sessions")
@bp.arguments(SessionFilterArgs, location="query", as_kwargs=True)
@bp.response(200, SessionPageSchema)
@_problems(401, 404)
def list_sessions(offer_id: int, page: int, page_size: int, from_: date | None = None, to: date | None = None):
    """An offer's sessions

    In order of starting time, cancelled ones included; from and to are London days, both included."""
    offer = _own_offer_or_404(offer_id)
    query = select(Session).where(Session.offer_id == offer.id).order_by(Session.starts_at, Session.id)
    if from_ is not None:
        query = query.where(Session.starts_at >= london_midnight_utc(from_))
    if to is not None:
        query = query.where(Session.starts_at < london_midnight_utc(to + timedelta(days=1)))
    return _page(query, page, page_size)


@bp.route("/sessions/<int:session_id>")
@bp.response(200, SessionSchema)
@_problems(401, 404)
def show_session(session_id: int):
    """A session, with its places"""
    return _own_session_or_404(session_id)


@bp.route("/sessions/<int:session_id>/bookings")
@bp.response(200, BookedChildrenSchema)
@_problems(401, 404)
@shows_children("api_bookings")
def list_bookings(session_id: int):
    """The children booked on a session

    Only what staff need on the day: name, support level, needs, emergency contact and attendance."""
    session = _own_session_or_404(session_id)
    bookings = db.session.scalars(
        select(Booking).join(Booking.child).options(contains_eager(Booking.child))
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)
        .order_by(Child.last_name, Child.first_name, Booking.id)
    ).all()
    showing([booking.child for booking in bookings], by=_token_viewer(session.offer.provider))
    return {"items": bookings}


def _token_viewer(provider: Provider) -> Viewer:
    """The API has no person signed in: the trail names the organisation and which of its tokens asked."""
    token = db.session.get(ApiToken, g.api_token_id)
    return Viewer(None, Role.PROVIDER, provider.id, provider.name, api_token=f"{token.name} ({token.prefix})")


# --- writing --------------------------------------------------------------------------------------

@bp.route("/offers/<int:offer_id>/sessions", methods=["POST"])
@_write
@bp.arguments(NewSessionSchema)
@bp.response(201, SessionSchema)
@_problems(401, 404, 409)
def add_session(new: dict, offer_id: int):
    """Add a session to an offer"""
    offer = _own_offer_or_404(offer_id)
    return sessions.create_session(offer, new["starts_at"], new["ends_at"], new["capacity"], staff=new["staff"],
                                   by=None)


@bp.route("/sessions/<int:session_id>", methods=["PATCH"])
@_write
@bp.arguments(SessionChangeSchema)
@bp.response(200, SessionSchema)
@_problems(401, 404, 409)
def change_session(change: dict, session_id: int):
    """Change a session's places, staff or time

    Places and staff never go below what is booked (409). Leaving out staff keeps it; null removes the
    staff limit. Moving a session needs both times and a reason, and every booked family is told."""
    session = _own_session_or_404(session_id)
    if "capacity" in change or "staff" in change:
        session_changes.change_places(session, change.get("capacity", session.capacity),
                               staff=change["staff"] if "staff" in change else session.staff,
                               by=None, reason=change.get("reason", ""))
    if "starts_at" in change:
        session_changes.move_session(session, change["starts_at"], change["ends_at"], reason=change["reason"], by=None)
    return session


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@_write
@bp.arguments(CancelSchema)
@bp.response(200, SessionSchema)
@_problems(401, 404, 409)
def cancel_session(cancel: dict, session_id: int):
    """Cancel a session

    Every booked family is told, with the reason, and their places are released."""
    session = _own_session_or_404(session_id)
    session_changes.cancel_session(session, reason=cancel["reason"].strip(), by=None)
    return session
