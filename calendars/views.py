"""The calendars' addresses and the pages where their private links are made.

Every calendar answers ``text/calendar; charset=utf-8`` and is rate-limited per address. An offer's calendar is
public and cacheable (ETag, a 304 when unchanged); the private ones (a family's, a provider's, a family's download
of one booking) are never stored by a browser or proxy. A calendar app fetches without signing in, so a private
calendar's words are in the family's own language, and a public or provider calendar's in the one its address
asks for (``?language=``, set when the link is shown, not ``?lang=``, which would also set a cookie)."""
from __future__ import annotations

import hashlib

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from bookings import booked_events
from bookings.family import children_booked_on
from portal import ics, notify, page_cache, rate_limits
from portal.access import access_ended, check_family_children, family_required
from portal.attempts import attempt, form_status
from portal.forms import ConfirmForm
from portal.i18n import ENGLISH, current_language, in_language
from providers.organisation_views import provider_admin_required, provider_staff_required

from . import feeds, links

bp = Blueprint("calendars", __name__)

# How long a browser or proxy may keep a public calendar before asking again (the ETag makes asking cheap).
MAX_AGE = 300


def _calendar(body: bytes, *, public: bool, filename: str | None = None) -> Response:
    response = current_app.response_class(body, mimetype=ics.MEDIA_TYPE)
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'  # i18n: not shown (a header)
    if public:
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.cache_control.public = True
        response.cache_control.max_age = MAX_AGE
        return response.make_conditional(request)
    response.cache_control.no_store = True
    response.cache_control.private = True
    response.headers["X-Robots-Tag"] = "noindex"  # i18n: not shown (a header)
    return response


@bp.before_request
def _count_the_request() -> None:
    """Every calendar (and the pages that make their links) counts towards one limit per address."""
    rate_limits.check("calendar-address", rate_limits.CALENDAR_PER_ADDRESS)


def _asked_language() -> str | None:
    return request.args.get("language")


@bp.app_template_global()
def calendar_addresses(endpoint: str, **values) -> tuple[str, str]:
    """A calendar's absolute address (built from BASE_URL), in the language of the page showing it, and the same
    address as a webcal: link, which a calendar app opens to subscribe to it (a plain link downloads a copy)."""
    if current_language().code != ENGLISH.code:
        values["language"] = current_language().code
    return _with_webcal(notify.link(endpoint, **values))


def _with_webcal(link: str) -> tuple[str, str]:
    return link, "webcal" + link[link.index(":"):]


# --- the calendars ---------------------------------------------------------------------------------------------

def _feed(owner, make, language: str | None, *, public: bool) -> Response:
    """A calendar of ``owner``'s (not found without one), made in ``language``."""
    if owner is None:
        abort(404)
    with in_language(language):
        return _calendar(make(owner), public=public)


@bp.get("/local-offer/<int:offer_id>/calendar.ics")
@page_cache.cached
def offer_calendar(offer_id: int):
    return _feed(feeds.public_offer(offer_id), feeds.offer_calendar, _asked_language(), public=True)


@bp.get("/calendars/family/<family_secret>.ics")
def family_calendar(family_secret: str):
    family = links.family_for(family_secret)
    return _feed(family, feeds.family_calendar, family and family.language, public=False)


@bp.get("/calendars/provider/<provider_secret>.ics")
def provider_calendar(provider_secret: str):
    return _feed(links.provider_for(provider_secret), feeds.provider_calendar, _asked_language(), public=False)


@bp.get("/bookings/sessions/<int:session_id>/calendar.ics")
@family_required
def booked_session(session_id: int):
    """The family's places on one session, to add to their calendar ("Add to calendar")."""
    body = booked_events.calendar_file(current_user, [session_id])
    if body is None:
        # A young adult's place their parent can no longer see: 403, saying why, not "not found".
        check_family_children(children_booked_on(session_id, access_ended(current_user)))
        abort(404)
    return _calendar(body, public=False, filename=booked_events.FILE_NAME)


# --- making the private links ----------------------------------------------------------------------------------

@bp.route("/bookings/calendar", methods=["GET", "POST"])
@family_required
def family_link():
    form = ConfirmForm()
    made = done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            secret = links.make_family_link(current_user, by=current_user)
        if done.ok:
            # Shown on this answer only: the link is stored hashed and cannot be shown again. It needs no language:
            # a family's calendar is in their account's.
            made = _with_webcal(notify.link("calendars.family_calendar", family_secret=secret))
    elif request.method == "POST":
        abort(400)
    return render_template("calendars/family.html", link=links.family_link(current_user), form=form,
                           made=made), form_status(form, done)


def _provider_page(form, made: tuple[str, str] | None = None, done=None):
    provider = current_user.provider
    return render_template("calendars/provider.html", provider=provider, link=links.provider_link(provider),
                           form=form, made=made), form_status(form, done)


@bp.get("/provider/calendar")
@provider_staff_required
def provider_link():
    return _provider_page(ConfirmForm())


@bp.post("/provider/calendar")
@provider_admin_required
def make_provider_link():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt(form) as done:
        secret = links.make_provider_link(current_user.provider, by=current_user)
    made = calendar_addresses("calendars.provider_calendar", provider_secret=secret) if done.ok else None
    return _provider_page(form, made, done)
