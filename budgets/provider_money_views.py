"""A provider's own money page (what it is owed, what has been remitted and what families paid by card, by month)
and connecting its Stripe account for card payments (Stripe Connect onboarding).

Staff see their own organisation's money only; its administrators connect the Stripe account."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import notify
from portal.errors import DomainError
from portal.extensions import db
from portal.forms import ConfirmForm
from portal.i18n import N_
from providers.organisation_views import provider_admin_required, provider_staff_required

from . import provider_money, stripe_connect, stripe_gateway
from .dashboard import month_name
from .dashboard_views import _csv, _decimal_pounds

bp = Blueprint("provider_money", __name__)

STRIPE_DOWN = N_("We could not reach Stripe just now, so nothing has changed. Please try again in a few minutes.")
MONEY_CSV_HEADER = [N_("month"), N_("remitted_pence"), N_("remitted_pounds"), N_("owed_pence"), N_("owed_pounds"),
                    N_("paid_by_card_pence"), N_("paid_by_card_pounds")]


@bp.get("/provider/money")
@provider_staff_required
def money():
    provider = current_user.provider
    return render_template("providers/money/money.html", provider=provider,
                           money=provider_money.money_of(provider), month_name=month_name,
                           stripe_configured=stripe_gateway.configured(),
                           connecting=provider.stripe_onboarding_account_id is not None and not provider.stripe_account_id,
                           form=ConfirmForm())


@bp.get("/provider/money.csv")
@provider_staff_required
def money_csv():
    provider = current_user.provider
    rows: list[list] = [[_(heading) for heading in MONEY_CSV_HEADER]]
    for month in provider_money.money_of(provider).months:
        rows.append([month.month, month.remitted, _decimal_pounds(month.remitted), month.owed,
                     _decimal_pounds(month.owed), month.paid, _decimal_pounds(month.paid)])
    return _csv(f"money-{provider.id}.csv", rows)


def _to_stripe(provider):
    """Make the connected account if need be (committed before leaving for Stripe), then go to its onboarding."""
    try:
        account_id = stripe_connect.ensure_account(provider, by=current_user)
        db.session.commit()
        return redirect(stripe_connect.onboarding_link(
            account_id, refresh_url=notify.link("provider_money.stripe_refresh"),
            return_url=notify.link("provider_money.stripe_return")))
    except stripe_gateway.StripeUnavailable:
        db.session.rollback()
        flash(_(STRIPE_DOWN), "error")
    except DomainError as problem:
        db.session.rollback()
        flash(str(problem), "error")
    return redirect(url_for(".money"))


@bp.post("/provider/money/stripe")
@provider_admin_required
def connect_stripe():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _to_stripe(current_user.provider)


@bp.get("/provider/money/stripe/refresh")
@provider_admin_required
def stripe_refresh():
    """Stripe sends the administrator here when an onboarding link has run out: a fresh link."""
    if stripe_connect.account_of(current_user.provider) is None:
        return redirect(url_for(".money"))
    return _to_stripe(current_user.provider)


@bp.get("/provider/money/stripe/return")
@provider_admin_required
def stripe_return():
    provider = current_user.provider
    try:
        state = stripe_connect.read_back(provider, by=current_user)
        db.session.commit()
    except stripe_gateway.StripeUnavailable:
        db.session.rollback()
        flash(_("We could not check your Stripe account just now. Please come back to this page in a few minutes."),
              "error")
        return redirect(url_for(".money"))
    if state is None:
        return redirect(url_for(".money"))
    if state.charges_enabled:
        flash(_("Your Stripe account is connected. Stripe says it can take card payments, so families' card payments "
                "for your places now go straight to it."), "success")
    elif state.details_submitted:
        flash(_("You have given Stripe your details. Stripe says it cannot take card payments for you yet: it may "
                "still be checking them. Card payments will go to your account once it can."), "important")
    else:
        flash(_("You have not finished setting up your account with Stripe yet, so Stripe says it cannot take card "
                "payments for you. Continue setting it up when you are ready."), "important")
    return redirect(url_for(".money"))
