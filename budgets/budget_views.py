"""Personal budgets: the trust's panel decisions, the family's balance, direct payment monitoring."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import family_child_ids, family_required, get_or_404, panel_required
from portal.attempts import attempt, form_status
from portal.audit import showing, shows_children
from portal.errors import DomainError
from portal.exports import csv_download
from portal.extensions import db
from portal.formatting import long_date, pounds, pounds_plain, spreadsheet_cell
from portal.i18n import N_
from portal.models import Child, User, has_approved_assessment, record
from portal.paging import page_arg
from portal.timeutil import birthday, to_london
from providers.models import ADULT_AGE, Body, Booking, Session
from providers.organisations import body_of

from . import services as money
from . import stripe_gateway
from .budget_forms import CHANGES, ChangeBudgetForm, JointBudgetForm, NewBudgetForm, RecoveryForm
from .models import (
    Account,
    Envelope,
    BudgetKind,
    BudgetStatus,
    EntryKind,
    LedgerLine,
    LedgerTransaction,
    PanelDecision,
    PersonalBudget,
    Recovery,
    financial_year,
)

bp = Blueprint("budgets", __name__)


# A review this close (or overdue) is highlighted on the trust's list.
REVIEW_SOON = timedelta(days=28)
# The check step posts the form again with one of these.
RECORD, EDIT = "record", "edit"


# --- what happened to a budget --------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One ledger transaction on a budget, as people read it."""

    transaction: LedgerTransaction
    what: str
    booking: Booking | None
    amount_pence: int
    # The change to what is left to spend, and what was left afterwards.
    change_pence: int
    left_pence: int

    @property
    def is_decision(self) -> bool:
        return self.transaction.decision_id is not None


def _what(transaction: LedgerTransaction, budget: PersonalBudget, decisions: dict[int, PanelDecision]) -> str:
    if transaction.decision_id in decisions:
        return decisions[transaction.decision_id].kind.label
    direct = budget.kind is BudgetKind.DIRECT_PAYMENT
    what = {
        EntryKind.COMMITMENT: N_("Held while the card payment is made") if direct else N_("Booked"),
        EntryKind.RELEASE: N_("Given back to the budget"),
        EntryKind.DELIVERY: N_("Paid by card") if direct else N_("Break delivered"),
        EntryKind.REFUND: N_("Refunded to the direct payment"),
        EntryKind.RECOVERY: N_("Unspent money recovered by the children’s trust"),
    }.get(transaction.kind)
    return _(what) if what else transaction.kind.label


def budget_history(budget: PersonalBudget) -> list[Entry]:
    """Every ledger transaction on the budget, oldest first, with what was left to spend after each."""
    transactions = db.session.scalars(
        select(LedgerTransaction).where(LedgerTransaction.budget_id == budget.id)
        .options(selectinload(LedgerTransaction.lines), joinedload(LedgerTransaction.by))
        .order_by(LedgerTransaction.id)
    ).all()
    booking_ids = {t.booking_id for t in transactions if t.booking_id is not None}
    bookings = {b.id: b for b in db.session.scalars(
        select(Booking).where(Booking.id.in_(booking_ids))
        .options(joinedload(Booking.session).joinedload(Session.offer), joinedload(Booking.child))
    )} if booking_ids else {}
    decisions = {d.id: d for d in budget.decisions}
    entries, left = [], 0
    for transaction in transactions:
        change = sum(line.amount_pence for line in transaction.lines if line.account == budget.account)
        left += change
        entries.append(Entry(transaction, _what(transaction, budget, decisions), bookings.get(transaction.booking_id),
                             max(abs(line.amount_pence) for line in transaction.lines), change, left))
    return entries


def _balances(codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    return dict(db.session.execute(select(Account.code, Account.balance_pence).where(Account.code.in_(codes))).all())


def _budget_or_404(budget_id: int) -> PersonalBudget:
    """A budget of the signed-in person's own body (any, for an administrator): another body's is not found."""
    budget = get_or_404(PersonalBudget, budget_id)
    if _my_body() not in (None, budget.body):
        abort(404)
    return budget


def _my_body() -> Body | None:
    """The body whose budgets the signed-in panel member sees: None for an administrator, who sees both."""
    return body_of(current_user)


def _mine(query):
    """Only the signed-in person's own body's budgets (an administrator's: all)."""
    body = _my_body()
    if body is None:
        return query
    return query.join(Envelope, Envelope.id == PersonalBudget.envelope_id).where(Envelope.body == body)


def _pages(total: int) -> int:
    return max(1, math.ceil(total / current_app.config["PAGE_SIZE"]))


def _page_slice(query, page: int):
    size = current_app.config["PAGE_SIZE"]
    return query.limit(size).offset((page - 1) * size)


# --- the trust's pages --------------------------------------------------------------------------------

SHOWN = {"active": N_("Active"), "ended": N_("Ended"), "all": N_("All")}


@bp.get("/trust/personal-budgets")
@panel_required
@shows_children("personal_budgets")
def trust_budgets():
    shown = request.args.get("status", "active")
    shown = shown if shown in SHOWN else "active"
    query = _mine(select(PersonalBudget).join(Child, Child.id == PersonalBudget.child_id))
    if shown == "active":
        query = query.where(PersonalBudget.status == BudgetStatus.ACTIVE)
        order = (PersonalBudget.review_on, Child.last_name, Child.first_name, PersonalBudget.id)
    elif shown == "ended":
        query = query.where(PersonalBudget.status == BudgetStatus.ENDED)
        order = (PersonalBudget.ends_on.desc(), Child.last_name, Child.first_name, PersonalBudget.id)
    else:
        order = (PersonalBudget.status, PersonalBudget.review_on, Child.last_name, Child.first_name, PersonalBudget.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_arg()
    budgets = db.session.scalars(
        _page_slice(query.options(joinedload(PersonalBudget.child)).order_by(*order), page)).all()
    showing(b.child for b in budgets)
    today = money.today()
    reviews_due = db.session.scalar(_mine(select(func.count(PersonalBudget.id)).where(
        PersonalBudget.status == BudgetStatus.ACTIVE, PersonalBudget.review_on <= today + REVIEW_SOON)))
    return render_template("budgets/trust_budgets.html", budgets=budgets, left=_balances([b.account for b in budgets]),
                           total=total, page=page, pages=_pages(total), shown=shown, filters=SHOWN, today=today,
                           review_soon=today + REVIEW_SOON, reviews_due=reviews_due)


@bp.route("/trust/children/<int:child_id>/personal-budget", methods=["GET", "POST"])
@panel_required
@shows_children("new_budget")
def new_budget(child_id: int):
    child = get_or_404(Child, child_id)
    showing([child])
    today = money.today()
    form = NewBudgetForm(today=today, starts_on=today, ends_on=date(financial_year(today) + 1, 3, 31),
                         review_on=today + timedelta(days=90))
    assessed = has_approved_assessment(child)
    existing = db.session.scalars(select(PersonalBudget).where(PersonalBudget.child_id == child.id)
                                  .order_by(PersonalBudget.starts_on.desc(), PersonalBudget.id.desc())).all()
    done = None
    if form.validate_on_submit():
        step = request.form.get("step")
        if step == RECORD:
            with attempt(form) as done:
                budget = money.allocate_budget(
                    child, kind=BudgetKind(form.kind.data), amount_pence=form.amount.data,
                    starts_on=form.starts_on.data, ends_on=form.ends_on.data, review_on=form.review_on.data,
                    reasons=form.reasons.data, by=current_user)
            if done.ok:
                flash(_("The panel decision has been recorded and %(name)s’s family has been emailed.",
                        name=child.first_name), "success")
                return redirect(url_for(".budget", budget_id=budget.id))
        elif step != EDIT:
            return render_template("budgets/check_new_budget.html", child=child, form=form,
                                   kind=BudgetKind(form.kind.data))
    return render_template("budgets/new_budget.html", child=child, form=form, assessed=assessed,
                           existing=existing, **_around_eighteen(child, today)), form_status(form, done)


def _around_eighteen(child: Child, today: date) -> dict:
    """What the panel pages say about the 18th birthday: whose panel decides today, and whether a joint decision is
    worth offering (the birthday is within the next year: a budget of a year would run across it)."""
    eighteen = birthday(child.date_of_birth, ADULT_AGE)
    return {"body": money.panel_body(child, today), "eighteen": eighteen,
            "joint_possible": today < eighteen <= today + timedelta(days=366)}


@bp.route("/trust/children/<int:child_id>/joint-decision", methods=["GET", "POST"])
@panel_required
@shows_children("joint_decision")
def joint_decision(child_id: int):
    """One decision of the children's trust and adult social care together, for a young person whose 18th birthday
    falls within the budget's dates: the trust's budget until the birthday, adult social care's from it."""
    child = get_or_404(Child, child_id)
    showing([child])
    today = money.today()
    around = _around_eighteen(child, today)
    form = JointBudgetForm(today=today, starts_on=today, ends_on=date(financial_year(today) + 1, 3, 31),
                           review_on=today + timedelta(days=90))
    partners = money.joint_partners(current_user)
    form.agreed_by.choices = [("", _("Choose someone"))] + [
        (str(person.id), f"{person.name} ({person.role.label})") for person in partners]
    done = None
    if form.validate_on_submit():
        agreed_by = next((person for person in partners if str(person.id) == form.agreed_by.data), None)
        with attempt(form) as done:
            joint = money.allocate_joint(
                child, kind=BudgetKind(form.kind.data), before_pence=form.amount.data,
                after_pence=form.after_amount.data, starts_on=form.starts_on.data, ends_on=form.ends_on.data,
                review_on=form.review_on.data, reasons=form.reasons.data, by=current_user, agreed_by=agreed_by)
        if done.ok:
            flash(_("The joint decision has been recorded: %(before)s from the children’s trust until %(day)s, then "
                    "%(after)s from adult social care. %(name)s’s family has been emailed.",
                    before=pounds(joint.before.amount_pence), after=pounds(joint.after.amount_pence),
                    day=long_date(joint.before.ends_on), name=child.first_name), "success")
            mine = joint.after if _my_body() is Body.ADULTS else joint.before
            return redirect(url_for(".budget", budget_id=mine.id))
    return render_template("budgets/joint_decision.html", child=child, form=form,
                           assessed=has_approved_assessment(child), **around), form_status(form, done)


@bp.get("/trust/personal-budgets/<int:budget_id>")
@panel_required
@shows_children("personal_budget")
def budget(budget_id: int):
    budget = _budget_or_404(budget_id)
    showing([budget.child])
    history = budget_history(budget)
    balances = _balances([budget.account, budget.held_account])
    return render_template("budgets/budget.html", budget=budget, history=history,
                           left=balances.get(budget.account, 0), held=balances.get(budget.held_account, 0),
                           sentence=money.balance_sentence(budget), coming=money.coming_changes(budget),
                           today=money.today())


@bp.route("/trust/personal-budgets/<int:budget_id>/change", methods=["GET", "POST"])
@panel_required
@shows_children("change_budget")
def change_budget(budget_id: int):
    budget = _budget_or_404(budget_id)
    showing([budget.child])
    form = ChangeBudgetForm(seen=_latest_decision(budget))
    done = None
    if form.validate_on_submit():
        step = request.form.get("step")
        if step == RECORD:
            with attempt(form) as done:
                _check_nothing_decided_since(budget, form)
                decision = money.change_budget(budget, form.kind, amount_pence=form.amount.data or 0,
                                               reasons=form.reasons.data, notice_on=form.notice_on.data,
                                               by=current_user)
            if done.ok:
                flash(_("%(decision)s. %(name)s’s family has been emailed.", decision=money.decision_title(decision),
                        name=budget.child.first_name), "success")
                return redirect(url_for(".budget", budget_id=budget.id))
        elif step != EDIT:
            return render_template("budgets/check_change.html", budget=budget, form=form, kind=form.kind,
                                   change_label=CHANGES[form.change.data], left=money.unspent(budget),
                                   today=money.today())
    return render_template("budgets/change_budget.html", budget=budget, form=form, left=money.unspent(budget),
                           ended=budget.status is BudgetStatus.ENDED), form_status(form, done)


def _latest_entry(budget: PersonalBudget) -> str:
    return str(db.session.scalar(select(func.max(LedgerTransaction.id)).where(
        LedgerTransaction.budget_id == budget.id)) or 0)


@bp.route("/trust/personal-budgets/<int:budget_id>/recover", methods=["GET", "POST"])
@panel_required
@shows_children("recover_direct_payment")
def recover(budget_id: int):
    """Record unspent direct payment money that has come back to the trust."""
    budget = _budget_or_404(budget_id)
    if budget.kind is not BudgetKind.DIRECT_PAYMENT:
        abort(404)
    showing([budget.child])
    form = RecoveryForm(seen=_latest_entry(budget))
    done = None
    if form.validate_on_submit():
        with attempt(form) as done:
            money.lock_envelope(budget.envelope)
            money.lock_budget(budget)
            latest = _latest_entry(budget)
            if (form.seen.raw_data or [""])[0] != latest:
                form.seen.data, form.seen.raw_data = latest, [latest]
                raise DomainError(_("This direct payment has changed since you opened this page. Check what is "
                                    "unspent, then record the recovery again if it is still needed."))
            recovery = money.recover_direct_payment(budget, amount_pence=form.amount.data,
                                                    received_on=form.received_on.data,
                                                    reference=form.reference.data, reasons=form.reasons.data,
                                                    by=current_user)
        if done.ok:
            flash(_("%(amount)s recovered from %(name)s’s direct payment and returned to the trust’s budget. The "
                    "family has been emailed.", amount=pounds(recovery.amount_pence), name=budget.child.first_name),
                  "success")
            return redirect(url_for(".budget", budget_id=budget.id))
    return render_template("budgets/recover.html", budget=budget, form=form, left=money.unspent(budget),
                           recoveries=_recoveries(budget)), form_status(form, done)


def _recoveries(budget: PersonalBudget) -> list[Recovery]:
    return db.session.scalars(select(Recovery).where(Recovery.budget_id == budget.id)
                              .options(joinedload(Recovery.recorded_by)).order_by(Recovery.id)).all()


def _latest_decision(budget: PersonalBudget) -> str:
    return str(max((d.id for d in budget.decisions), default=0))


def _check_nothing_decided_since(budget: PersonalBudget, form: ChangeBudgetForm) -> None:
    """A second click, or a colleague deciding at the same time, must not change the budget twice.

    Checked under the envelope's and the budget's locks, taken in the order the service takes them.
    """
    money.lock_envelope(budget.envelope)
    money.lock_budget(budget)
    db.session.expire(budget, ["decisions"])
    latest = _latest_decision(budget)
    # What the page posted: not the default the form was built with.
    if (form.seen.raw_data or [""])[0] != latest:
        form.seen.data, form.seen.raw_data = latest, [latest]
        raise DomainError(_("Another decision has been recorded on this budget since you opened this page. Check the "
                            "budget and the amount left, then record this decision again if it is still needed."))


# --- direct payment monitoring ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DirectPaymentFigures:
    """What happened to a direct payment, in pence, from its ledger lines."""

    paid_in: int = 0
    spent: int = 0
    refunded: int = 0
    recovered: int = 0
    held: int = 0
    unspent: int = 0


def _direct_payment_sums():
    amount = LedgerLine.amount_pence
    unspent_line = LedgerLine.account.like("budget:%:unspent")
    held_line = LedgerLine.account.like("budget:%:held")

    def total(condition):
        return func.coalesce(func.sum(case((condition, amount), else_=0)), 0)

    return (
        # Allocations and increases less reductions and endings: what the panel put in.
        total(and_(LedgerTransaction.decision_id.is_not(None), unspent_line)),
        # Paid by card from the direct payment: out of what was held for the place.
        -total(and_(LedgerTransaction.kind == EntryKind.DELIVERY, held_line)),
        total(and_(LedgerTransaction.kind == EntryKind.REFUND, unspent_line)),
        -total(and_(LedgerTransaction.kind == EntryKind.RECOVERY, unspent_line)),
        total(held_line),
        total(unspent_line),
    )


def _direct_payment_lines(*columns):
    return (select(*columns).select_from(LedgerTransaction)
            .join(LedgerLine, LedgerLine.transaction_id == LedgerTransaction.id)
            .join(PersonalBudget, PersonalBudget.id == LedgerTransaction.budget_id)
            .where(PersonalBudget.kind == BudgetKind.DIRECT_PAYMENT, LedgerLine.account.like("budget:%")))


def direct_payment_figures(budget_ids: list[int]) -> dict[int, DirectPaymentFigures]:
    """Each direct payment's figures, summed from the lines on its own accounts."""
    if not budget_ids:
        return {}
    query = (_direct_payment_lines(LedgerTransaction.budget_id, *_direct_payment_sums())
             .where(LedgerTransaction.budget_id.in_(budget_ids)).group_by(LedgerTransaction.budget_id))
    return {row[0]: DirectPaymentFigures(*(int(v) for v in row[1:])) for row in db.session.execute(query)}


def direct_payment_totals() -> DirectPaymentFigures:
    return DirectPaymentFigures(*(int(v) for v in db.session.execute(
        _mine(_direct_payment_lines(*_direct_payment_sums()))).one()))


@bp.get("/trust/direct-payments")
@panel_required
@shows_children("direct_payments")
def direct_payments():
    query = _mine(select(PersonalBudget).join(Child, Child.id == PersonalBudget.child_id)
                  .where(PersonalBudget.kind == BudgetKind.DIRECT_PAYMENT))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = page_arg()
    budgets = db.session.scalars(_page_slice(
        query.options(joinedload(PersonalBudget.child))
        .order_by(PersonalBudget.status, Child.last_name, Child.first_name, PersonalBudget.starts_on.desc(),
                  PersonalBudget.id), page)).all()
    showing(b.child for b in budgets)
    return render_template("budgets/direct_payments.html", budgets=budgets,
                           figures=direct_payment_figures([b.id for b in budgets]), empty=DirectPaymentFigures(),
                           totals=direct_payment_totals(), total=total, page=page,
                           pages=_pages(total), today=money.today(), body=_my_body())


# The column headings, translated when the file is asked for: commissioners read them.
CSV_HEADER = [N_("Date and time (London)"), N_("Child"), N_("Child ID"), N_("Budget ID"), N_("Transaction ID"),
              N_("Kind"), N_("Account"), N_("Amount (pence)"), N_("Amount (pounds)"), N_("Reason"), N_("By"),
              N_("Booking ID"), N_("Payment ID"), N_("Decision ID")]


@bp.get("/trust/direct-payments.csv")
@panel_required
@shows_children("direct_payments_csv")
def direct_payments_csv():
    query = (
        select(LedgerTransaction.at, Child.first_name, Child.last_name, Child.id, PersonalBudget.id,
               LedgerTransaction.id, LedgerTransaction.kind, LedgerLine.account, LedgerLine.amount_pence,
               LedgerTransaction.reason, User.name, LedgerTransaction.booking_id, LedgerTransaction.payment_id,
               LedgerTransaction.decision_id)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerLine.transaction_id)
        .join(PersonalBudget, PersonalBudget.id == LedgerTransaction.budget_id)
        .join(Child, Child.id == PersonalBudget.child_id)
        .outerjoin(User, User.id == LedgerTransaction.by_id)
        .where(PersonalBudget.kind == BudgetKind.DIRECT_PAYMENT)
        .order_by(LedgerTransaction.id, LedgerLine.id)
    )
    query = _mine(query)
    # Children's money leaving the portal: who took it, and when, goes in the audit trail, and so does each child.
    record("direct_payment_ledger_exported", current_user._get_current_object(), by=current_user)
    showing(db.session.scalars(select(Child).where(Child.id.in_(
        _mine(select(PersonalBudget.child_id).where(PersonalBudget.kind == BudgetKind.DIRECT_PAYMENT))))))
    def rows():
        yield [_(heading) for heading in CSV_HEADER]
        for (at, first, last, child_id, budget_id, transaction_id, kind, account, amount, reason, by, booking_id,
             payment_id, decision_id) in db.session.execute(query.execution_options(yield_per=1000)):
            yield [to_london(at).strftime("%Y-%m-%d %H:%M:%S"), spreadsheet_cell(f"{first} {last}"), child_id,
                   budget_id, transaction_id, kind.value, account, amount, pounds_plain(amount),
                   spreadsheet_cell(reason or ""), spreadsheet_cell(by or ""), booking_id or "", payment_id or "",
                   decision_id or ""]

    return csv_download(f"direct-payments-ledger-{money.today().isoformat()}.csv", rows())


# --- the family's page ------------------------------------------------------------------------------------

@bp.get("/money")
@family_required
def family_money():
    budgets = db.session.scalars(
        select(PersonalBudget).join(Child, Child.id == PersonalBudget.child_id)
        .where(Child.id.in_(sorted(family_child_ids(current_user))))
        .options(joinedload(PersonalBudget.child), selectinload(PersonalBudget.decisions))
        .order_by(Child.first_name, Child.id, PersonalBudget.status, PersonalBudget.starts_on.desc(),
                  PersonalBudget.id.desc())
    ).all()
    shown = []
    for budget in budgets:
        balances = _balances([budget.account, budget.held_account])
        history = budget_history(budget)
        shown.append({"budget": budget, "history": history, "used": any(not e.is_decision for e in history),
                      "joint": any(d.joint_with_id for d in budget.decisions),
                      "after_day": budget.ends_on + timedelta(days=1),
                      "left": balances.get(budget.account, 0), "held": balances.get(budget.held_account, 0),
                      "sentence": money.balance_sentence(budget), "coming": money.coming_changes(budget)})
    # Replies to the trust's decision emails go to MAIL_FROM, so that is where a family asks for a review.
    return render_template("budgets/family_money.html", budgets=shown, today=money.today(),
                           card_payments=stripe_gateway.configured(), review_email=current_app.config["MAIL_FROM"])
