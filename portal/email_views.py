"""Administrators see the emails the portal could not send (after every try, ``portal.notify``) and those waiting to
be tried again, and may send a failed one again; and when each scheduled task last ran (``portal.jobs``). Only the
address, subject and what went wrong are shown: an email's words may be about a child."""
from __future__ import annotations

import math

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import case, func, select

from . import jobs, notify
from .access import get_or_404, role_required
from .extensions import db
from .models import Role, record
from .notify import EmailStatus, OutboxEmail
from .paging import page_arg
from .timeutil import utcnow

bp = Blueprint("emails", __name__, url_prefix="/admin/emails")
admin_required = role_required(Role.ADMIN)


def not_sent():
    """Emails that failed for good, or failed at least once and wait to be tried again."""
    return (OutboxEmail.status == EmailStatus.FAILED) | (
        (OutboxEmail.status == EmailStatus.WAITING) & (OutboxEmail.attempts > 0))


@bp.get("")
@admin_required
def index():
    page, size = page_arg(), current_app.config["PAGE_SIZE"]
    total = db.session.scalar(select(func.count(OutboxEmail.id)).where(not_sent()))
    emails = db.session.scalars(
        select(OutboxEmail).where(not_sent())
        .order_by(case((OutboxEmail.status == EmailStatus.FAILED, 0), else_=1), OutboxEmail.created_at.desc(),
                  OutboxEmail.id.desc())
        .limit(size).offset((page - 1) * size)).all()
    waiting = db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.status == EmailStatus.WAITING))
    return render_template("emails/index.html", emails=emails, total=total, page=page,
                           pages=max(1, math.ceil(total / size)), waiting=waiting, attempts=notify.ATTEMPTS,
                           schedule=jobs.SCHEDULE.values(), runs=jobs.last_runs(), now=utcnow())


@bp.post("/<int:email_id>/send-again")
@admin_required
def send_again(email_id: int):
    email = get_or_404(OutboxEmail, email_id)
    if email.status is not EmailStatus.FAILED:
        flash(_("That email has not failed, so there is nothing to send again."), "important")
        return redirect(url_for(".index"))
    notify.send_again(email)
    record("email_sent_again", email, by=current_user)  # the id only: the address is the family's
    db.session.commit()
    flash(_("The email to %(address)s will be sent again now.", address=email.to_address), "success")
    return redirect(url_for(".index"))
