"""Providers run their sessions: list them, add one-off sessions and repeating series, change places, cancel,
move, upload many from a CSV file, and keep the register.

Provider staff see only their own organisation's offers and sessions (anyone else's are 'not found');
administrators may look at session lists but not change them.
"""
from __future__ import annotations

import math

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from babel.lists import format_list
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from portal.access import role_required
from portal.attempts import attempt, form_status
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import london_date, number, session_when
from portal.i18n import ENGLISH, current_language
from portal.models import Role
from portal.paging import page_arg, page_number
from portal.timeutil import utcnow

from . import bulk, sessions
from .access import own_provider, provider_offer_or_404
from .forms import (
    DAYS_OF_WEEK,
    ConfirmUploadForm,
    SeriesForm,
    SessionForm,
    UploadForm,
)
from .models import (
    STAFF_UNITS_PER_ADULT,
    Booking,
    BookingStatus,
    Offer,
    Provider,
    Session,
    WaitingListEntry,
    WaitingStatus,
)

bp = Blueprint("provider_sessions", __name__, url_prefix="/provider")

provider_required = role_required(Role.PROVIDER)
provider_or_admin = role_required(Role.PROVIDER, Role.ADMIN)

PREVIEW_ROWS_PER_PAGE = 50
UPLOAD_PREVIEW_SECONDS = 3 * 60 * 60


# --- the list of sessions -------------------------------------------------------------------------

@bp.get("/offers/<int:offer_id>/sessions")
@provider_or_admin
def offer_sessions(offer_id: int):
    offer = provider_offer_or_404(offer_id)
    past = request.args.get("when") == "past"
    now = utcnow()
    where = [Session.offer_id == offer.id, Session.ends_at <= now if past else Session.ends_at > now]
    size = current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count(Session.id)).where(*where))
    pages = max(1, math.ceil(total / size))
    page = min(page_arg(), pages)
    rows = db.session.scalars(
        select(Session).where(*where)
        .order_by(Session.starts_at.desc() if past else Session.starts_at, Session.id)
        .limit(size).offset((page - 1) * size)
    ).all()
    ids = [s.id for s in rows]
    booked = dict(db.session.execute(
        select(Booking.session_id, func.count(Booking.id))
        .where(Booking.session_id.in_(ids), Booking.status == BookingStatus.CONFIRMED).group_by(Booking.session_id)
    ).all())
    waiting = dict(db.session.execute(
        select(WaitingListEntry.session_id, func.count(WaitingListEntry.id))
        .where(WaitingListEntry.session_id.in_(ids),
               WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))
        .group_by(WaitingListEntry.session_id)
    ).all())
    return render_template("providers/sessions/list.html", offer=offer, sessions=rows, booked=booked,
                           waiting=waiting, total=total, page=page, pages=pages, past=past, now=now,
                           staff_needed=lambda s: math.ceil(s.staff_units_taken / STAFF_UNITS_PER_ADULT),
                           can_change=current_user.role is Role.PROVIDER)


# --- adding sessions ------------------------------------------------------------------------------

@bp.route("/offers/<int:offer_id>/sessions/new", methods=["GET", "POST"])
@provider_required
def add_session(offer_id: int):
    offer = provider_offer_or_404(offer_id)
    form = SessionForm()
    done = None
    if form.validate_on_submit():
        starts_at = sessions.london_moment(form.day.data, form.start_time.clock)
        ends_at = sessions.london_moment(form.end_day.data or form.day.data, form.end_time.clock)
        with attempt(form) as done:
            session = sessions.create_session(offer, starts_at, ends_at, form.places.data, staff=form.staff.data,
                                              by=current_user)
        if done.ok:
            flash(ngettext("Session added: %(when)s, %(num)s place.", "Session added: %(when)s, %(num)s places.",
                           session.capacity, when=session_when(session)), "success")
            return redirect(url_for(".offer_sessions", offer_id=offer.id))
    return render_template("providers/sessions/add_session.html", offer=offer, form=form), form_status(form, done)


@bp.route("/offers/<int:offer_id>/series/new", methods=["GET", "POST"])
@provider_required
def add_series(offer_id: int):
    offer = provider_offer_or_404(offer_id)
    form = SeriesForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            rule = sessions.weekly_rule(form.first_day.data, form.last_day.data, form.weekdays.data,
                                        int(form.interval.data))
            pattern = set(sessions.expand(rule, form.first_day.data, []))
            stray = [day for day in form.exception_days if day not in pattern]
            if not stray:
                series = sessions.create_series(offer, rule=rule, first_day=form.first_day.data,
                                                start=form.start_time.clock, end=form.end_time.clock,
                                                capacity=form.places.data, staff=form.staff.data,
                                                exceptions=form.exception_days, by=current_user)
                count = len(series.sessions)
        if done.ok and stray:
            form.exceptions.errors = list(form.exceptions.errors) + [
                _("%(day)s is not one of the days in this pattern. Check the dates with no session",
                  day=london_date(stray[0]))]
        elif done.ok:
            values = {"days": _days_in_words(form.weekdays.data),
                      "first": london_date(form.first_day.data), "last": london_date(form.last_day.data)}
            if form.interval.data == "2":
                message = ngettext("%(num)s session added: every fortnight on %(days)s from %(first)s to %(last)s.",
                                   "%(num)s sessions added: every fortnight on %(days)s from %(first)s to %(last)s.",
                                   count, **values)
            else:
                message = ngettext("%(num)s session added: every %(days)s from %(first)s to %(last)s.",
                                   "%(num)s sessions added: every %(days)s from %(first)s to %(last)s.",
                                   count, **values)
            flash(message, "success")
            return redirect(url_for(".offer_sessions", offer_id=offer.id))
    return render_template("providers/sessions/add_series.html", offer=offer, form=form), form_status(form, done)


def _days_in_words(weekdays) -> str:
    """The days of the week chosen, as a list in words: "Monday and Thursday"."""
    names = [str(DAYS_OF_WEEK[d]) for d in sorted(set(weekdays))]
    if current_language() is ENGLISH:
        return " and ".join(names)  # as English pages have always read: "Monday and Wednesday and Friday"
    return format_list(names, locale=get_locale())


# --- bulk upload ----------------------------------------------------------------------------------

def _upload_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="provider-session-upload")


def _sign_upload(provider: Provider, content: str) -> str:
    """The checked file travels in the preview page itself, signed and compressed: any app process can import it."""
    return _upload_serializer().dumps({"provider": provider.id, "user": current_user.id, "csv": content})


def _signed_upload(provider: Provider, token: str) -> str:
    try:
        carried = _upload_serializer().loads(token or "", max_age=UPLOAD_PREVIEW_SECONDS)
    except BadSignature:
        carried = None
    if not isinstance(carried, dict) or carried.get("provider") != provider.id \
            or carried.get("user") != current_user.id or not isinstance(carried.get("csv"), str):
        raise DomainError(_("This preview has expired or could not be read. Upload the file again."))
    return carried["csv"]


def _your_offers(provider: Provider) -> list[Offer]:
    return db.session.scalars(select(Offer).where(Offer.provider_id == provider.id).order_by(Offer.title)).all()


def _upload_page(provider: Provider, form, problems=(), status: int = 200):
    return render_template("providers/upload/upload.html", form=form, offers=_your_offers(provider),
                           problems=problems, columns=bulk.TEMPLATE_COLUMNS), status


def _preview_page(planned: list[bulk.PlannedSession], token: str, page: int, status: int = 200):
    pages = max(1, math.ceil(len(planned) / PREVIEW_ROWS_PER_PAGE))
    page = min(max(page, 1), pages)
    by_offer: dict[Offer, list[bulk.PlannedSession]] = {}
    for row in planned:
        by_offer.setdefault(row.offer, []).append(row)
    summary = [(offer, len(rows), min(r.starts_at for r in rows), max(r.starts_at for r in rows))
               for offer, rows in sorted(by_offer.items(), key=lambda item: item[0].title)]
    shown = planned[(page - 1) * PREVIEW_ROWS_PER_PAGE:page * PREVIEW_ROWS_PER_PAGE]
    return render_template("providers/upload/preview.html", form=ConfirmUploadForm(upload_token=token),
                           rows=shown, total=len(planned), summary=summary, page=page, pages=pages), status


@bp.route("/sessions/upload", methods=["GET", "POST"])
@provider_required
def upload():
    provider = own_provider()
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(provider, form, status=422 if form.errors else 200)
    # Its own answer: here the file is the answer being checked (nothing is written), so what is wrong with it
    # is an invalid answer (422), shown against the file field or as the list of bad lines.
    try:
        content = bulk.decode_upload(form.upload.data.read(bulk.MAX_UPLOAD_BYTES + 1))
        planned = bulk.check_upload(provider, content)
    except bulk.UploadProblems as problems:
        form.form_errors.append(str(problems))
        return _upload_page(provider, form, problems.problems, status=422)
    except DomainError as problem:
        form.upload.errors = list(form.upload.errors) + [str(problem)]
        return _upload_page(provider, form, status=422)
    token = _sign_upload(provider, content)
    limit = current_app.config.get("MAX_FORM_MEMORY_SIZE")
    if limit and len(token) > limit - 10_000:
        form.upload.errors = list(form.upload.errors) + [
            _("This file is too large to check and import in one go. Split it into smaller files.")]
        return _upload_page(provider, form, status=422)
    return _preview_page(planned, token, page=1)


@bp.post("/sessions/upload/preview")
@provider_required
def upload_preview():
    """Another page of the preview: the file comes back with the request, so no process needs to remember it."""
    provider = own_provider()
    form = ConfirmUploadForm()
    upload_form = UploadForm(formdata=None)
    with attempt(upload_form) as done:
        planned = bulk.check_upload(provider, _signed_upload(provider, form.upload_token.data))
    if not done.ok:
        return _upload_page(provider, upload_form, _bad_lines(done.problem), status=done.status)
    return _preview_page(planned, form.upload_token.data, page=page_number(request.form.get("page")))


def _bad_lines(problem: DomainError | None) -> list[bulk.LineProblem]:
    return problem.problems if isinstance(problem, bulk.UploadProblems) else []


@bp.post("/sessions/upload/confirm")
@provider_required
def upload_confirm():
    provider = own_provider()
    form = ConfirmUploadForm()
    upload_form = UploadForm(formdata=None)
    if not form.validate_on_submit():
        upload_form.form_errors.append(_("This preview has expired or could not be read. Upload the file again."))
        return _upload_page(provider, upload_form, status=422)
    with attempt(upload_form) as done:
        result = bulk.import_sessions(provider, _signed_upload(provider, form.upload_token.data), by=current_user)
    if not done.ok:
        return _upload_page(provider, upload_form, _bad_lines(done.problem), status=done.status)
    offers = len(result.by_offer)
    # Two counts in one sentence: the number of offers is its own phrase.
    flash(ngettext("%(count)s session imported for %(offers)s.", "%(count)s sessions imported for %(offers)s.",
                   result.count, count=number(result.count),
                   offers=ngettext("%(count)s offer", "%(count)s offers", offers, count=number(offers))), "success")
    return redirect(url_for(".upload"))


@bp.get("/sessions/upload/template.csv")
@provider_required
def upload_template():
    own_provider()
    return Response(bulk.template_csv(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="sessions-template.csv"'})
