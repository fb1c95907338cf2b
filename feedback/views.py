"""Feedback pages: the family's form (standard and easy-read), the provider's list and reply, the commissioners'
figures by provider, offer, tier and area, and hiding a comment."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.access import commissioner_required, family_object_or_abort, family_required
from portal.attempts import attempt, form_status
from portal.extensions import db
from portal.models import Role
from portal.paging import page_arg
from providers.models import Booking
from providers.organisation_views import provider_staff_required

from . import services
from .forms import FeedbackForm, HideForm, ReplyForm
from .models import Feedback

bp = Blueprint("feedback", __name__)



# --- the family -----------------------------------------------------------------------------------------------

@bp.route("/bookings/<int:booking_id>/feedback", methods=["GET", "POST"])
@family_required
def give(booking_id: int):
    booking = family_object_or_abort(Booking, booking_id, lambda found: [found.child])
    easy_read = request.args.get("version") == "easy-read"
    young_person = current_user.role is Role.YOUNG_PERSON
    form = FeedbackForm(young_person=young_person)
    page = dict(booking=booking, form=form, easy_read=easy_read, young_person=young_person,
                refused=services.why_not(booking), services=services)
    done = None
    if page["refused"] is None and form.validate_on_submit():
        with attempt(form) as done:
            services.give(booking, by=current_user, rating=form.rating.data,
                          child_outcomes=form.child_outcomes.data or [],
                          carer_outcomes=form.carer_outcomes.data if not young_person else [],
                          comment=form.comment.data, easy_read=easy_read)
        if done.ok:
            flash(_("Thank you. We have passed on what you said about %(title)s.", title=booking.session.offer.title),
                  "success")
            return redirect(url_for("bookings.my_bookings"))
    status = form_status(form, done) if page["refused"] is None else 409
    return render_template("feedback/give.html", **page), status


# --- the provider ---------------------------------------------------------------------------------------------

@bp.get("/provider/feedback")
@provider_staff_required
def provider_list():
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    items, total, held_back = services.for_provider(current_user.provider_id, page, per_page)
    if page > 1 and not items:
        abort(404)
    return render_template("feedback/provider_list.html", items=items, total=total, held_back=held_back, page=page,
                           per_page=per_page, services=services, threshold=services.threshold())


@bp.route("/provider/feedback/<int:feedback_id>/reply", methods=["GET", "POST"])
@provider_staff_required
def reply(feedback_id: int):
    feedback = db.session.get(Feedback, feedback_id)
    if (feedback is None or feedback.provider_id != current_user.provider_id
            or feedback.offer_id not in services.shown_offers(feedback.provider_id)):
        abort(404)
    if not services.can_reply(feedback):
        flash(_("You can reply only to a comment that families can read."), "error")
        return redirect(url_for(".provider_list"))
    form = ReplyForm(data={"reply": feedback.reply} if request.method == "GET" else None)
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            services.reply(feedback, form.reply.data, by=current_user)
        if done.ok:
            flash(_("Your reply is saved. It is shown under the comment on the break’s page."), "success")
            return redirect(url_for(".provider_list"))
    return render_template("feedback/reply.html", feedback=feedback, form=form, services=services), \
        form_status(form, done)


# --- commissioners --------------------------------------------------------------------------------------------

@bp.get("/insight/feedback")
@commissioner_required
def insight():
    by = request.args.get("by", "provider")
    if by not in services.DIMENSIONS:
        by = "provider"
    tiers = services.tiers_for(current_user)
    page = page_arg()
    per_page = current_app.config["PAGE_SIZE"]
    comments, total = services.recent(tiers, page, per_page)
    if page > 1 and not comments:
        abort(404)
    return render_template("feedback/insight.html", by=by, rows=services.breakdown(tiers, by), comments=comments,
                           total=total, page=page, per_page=per_page, services=services, tiers=tiers,
                           threshold=services.threshold())


@bp.route("/insight/feedback/<int:feedback_id>/hide", methods=["GET", "POST"])
@commissioner_required
def hide(feedback_id: int):
    feedback = db.session.get(Feedback, feedback_id)
    if feedback is None or not services.can_moderate(current_user, feedback):
        abort(404)
    form = HideForm()
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            services.hide(feedback, form.reason.data, by=current_user)
        if done.ok:
            flash(_("The comment is hidden. The provider can see why."), "success")
            return redirect(url_for(".insight"))
    return render_template("feedback/hide.html", feedback=feedback, form=form, services=services), \
        form_status(form, done)
