"""Envelopes and personal budgets: setting them, deciding them, and warning commissioners.

Every change goes through the ledger, under a write lock on the envelope or budget it changes, and is
recorded in the audit log with who, when and why.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal import notify
from portal.errors import DomainError, NotAllowed
from portal.extensions import db
from portal.formatting import long_date, number, pounds
from portal.i18n import N_
from portal.locking import lock_rows
from portal.models import Child, Role, User, has_approved_assessment, record
from portal.timeutil import (
    london_today as today,  # the module's calendar, as the tests move it
)
from portal.timeutil import birthday, to_london, utcnow
from providers.models import ADULT_AGE, Body, Tier, paying_body
from providers.organisations import body_of, can_decide

from . import ledger, stripe_gateway
from .ledger import SPECIALIST, envelope_account
from .models import (
    BudgetKind,
    BudgetStatus,
    DecisionKind,
    EntryKind,
    Envelope,
    PanelDecision,
    PersonalBudget,
    Recovery,
    financial_year,
    envelope_label,
    year_label,
)

# --- envelopes ------------------------------------------------------------------------------------------

def envelope_for(body: Body, day: date) -> Envelope | None:
    return db.session.scalar(select(Envelope).where(Envelope.body == body, Envelope.year == financial_year(day)))


def lock_envelope(envelope: Envelope) -> None:
    db.session.flush()
    lock_rows(Envelope, [envelope.id], busy=_("Someone else is changing this budget at the same moment. Try again."))
    db.session.refresh(envelope)


def _get_or_create_envelope(body: Body, year: int, by: User | None) -> Envelope:
    envelope = db.session.scalar(select(Envelope).where(Envelope.body == body, Envelope.year == year))
    if envelope is None:
        envelope = Envelope(body=body, year=year, amount_pence=0, updated_by_id=by.id if by else None)
        db.session.add(envelope)
        db.session.flush()
    return envelope


def set_envelope(body: Body, year: int, amount_pence: int, *, by: User, reason: str,
                 warn_first: int = 75, warn_second: int = 90) -> Envelope:
    """Set a body's envelope for a financial year. Only that body's commissioner (or an admin) may."""
    if by.role is not Role.ADMIN and body_of(by) is not body:
        raise NotAllowed(_("Only %(body)s can set its own budget.", body=body.label))
    if amount_pence < 0:
        raise DomainError(_("Enter an amount of £0 or more."))
    if not 0 < warn_first < warn_second <= 100:
        raise DomainError(_("The first warning must be lower than the second, and both between 1%% and 100%%."))
    if not reason.strip():
        raise DomainError(_("Say why the budget is being set or changed."))
    envelope = _get_or_create_envelope(body, year, by)
    lock_envelope(envelope)
    change = amount_pence - envelope.amount_pence
    figures = ledger.figures(envelope)
    if change < 0 and figures.used > amount_pence:
        raise DomainError(_("%(amount)s of this budget is already committed or spent, so it cannot be set below that.",
                            amount=pounds(figures.used)))
    before = envelope.amount_pence
    if change:
        ledger.move(EntryKind.ALLOCATION, change, f"source:{body.value}", envelope_account(envelope, "available"),
                    envelope_id=envelope.id, reason=reason, by=by, envelope=envelope)
    envelope.amount_pence = amount_pence
    envelope.warn_first, envelope.warn_second = warn_first, warn_second
    envelope.updated_at, envelope.updated_by_id = utcnow(), by.id
    # Alerts start again from what the new amount makes of the money already used.
    envelope.alerted_percent = 0
    record("envelope_set", envelope, by=by, reason=reason, before_pence=before, amount_pence=amount_pence,
           warn_first=warn_first, warn_second=warn_second)
    db.session.flush()
    warn_if_over_threshold(envelope)
    return envelope


def warn_if_over_threshold(envelope: Envelope) -> None:
    """Email the body's commissioners the first time use of the envelope crosses each warning threshold."""
    figures = ledger.figures(envelope)
    if envelope.amount_pence <= 0 and figures.used <= 0:
        return
    percent = figures.used_percent if envelope.amount_pence > 0 else 100
    crossed = [t for t in (envelope.warn_first, envelope.warn_second, 100) if percent >= t > envelope.alerted_percent]
    if not crossed:
        return
    envelope.alerted_percent = crossed[-1]
    record("envelope_threshold_crossed", envelope, by=None, percent=percent, threshold=crossed[-1])
    for commissioner in _commissioners(envelope.body):
        # Lazy, like its parts: the subject is written in the commissioner's language.
        subject = _l("Short breaks budget %(percent)s%% used: %(envelope)s", percent=LazyString(number, percent),
                     envelope=LazyString(envelope_label, envelope.body, envelope.year))
        notify.queue(commissioner, subject, "envelope_threshold", envelope=envelope, figures=figures, percent=percent,
                     threshold=crossed[-1], link=notify.link("money.dashboard", year=envelope.year))


def _commissioners(body: Body) -> list[User]:
    return db.session.scalars(select(User).where(User.role == body.role, User.active.is_(True))
                              .order_by(User.id)).all()


# --- personal budgets -------------------------------------------------------------------------------------

def lock_budget(budget: PersonalBudget) -> None:
    db.session.flush()
    lock_rows(PersonalBudget, [budget.id], busy=_("This budget is being changed at the same moment. Try again."))
    db.session.refresh(budget)


def budget_for(child: Child, kind: BudgetKind, day: date) -> PersonalBudget | None:
    """The child's active budget of this kind that covers ``day``: the one held by the body that pays for specialist
    breaks at the child's age that day (the trust's until the 18th birthday, adult social care's from it), so that a
    break after the birthday is paid from the adult budget without the family choosing. A budget agreed before bodies
    were told apart, running past the birthday, still pays when no adult budget does (never a cliff edge): the place
    counts as pressure on adult social care (``budgets.dashboard.adult_places_on_childrens_budgets``)."""
    payer = panel_body(child, day)
    return db.session.scalar(
        select(PersonalBudget).join(Envelope, Envelope.id == PersonalBudget.envelope_id).where(
            PersonalBudget.child_id == child.id, PersonalBudget.kind == kind,
            PersonalBudget.status == BudgetStatus.ACTIVE,
            PersonalBudget.starts_on <= day, PersonalBudget.ends_on >= day,
        ).order_by((Envelope.body == payer).desc(), PersonalBudget.id.desc())
    )


def panel_body(child: Child, day: date) -> Body:
    """The body whose resource panel decides, and whose budget pays for, the child's specialist breaks on ``day``."""
    return paying_body(Tier.SPECIALIST, child.age_on(day))


# Adult social care pays for short breaks until the 26th birthday.
OLDEST = 25


def unspent(budget: PersonalBudget) -> int:
    return ledger.balance(budget.account)


PANEL_ONLY = {Body.TRUST: N_("Only the children's trust can make resource panel decisions."),
              Body.ADULTS: N_("Only adult social care can make resource panel decisions about a young adult’s "
                              "budget.")}


def _check_panel(by: User, body: Body) -> None:
    if body not in PANEL_ONLY or not can_decide(by, body):
        raise NotAllowed(_(PANEL_ONLY.get(body, PANEL_ONLY[Body.TRUST])))


def _check_age(child: Child, body: Body, starts_on: date, ends_on: date) -> None:
    """A budget is one body's: it runs only on days that body pays for at the child's age."""
    eighteen = birthday(child.date_of_birth, ADULT_AGE)
    if body is Body.TRUST and ends_on >= eighteen:
        raise DomainError(_("%(name)s turns 18 on %(day)s, and from then adult social care pays for their specialist "
                            "breaks. End this budget by %(last)s, or record a joint decision with adult social care "
                            "for the time from the birthday.", name=child.first_name, day=long_date(eighteen),
                            last=long_date(eighteen - timedelta(days=1))))
    if body is Body.ADULTS and starts_on < eighteen:
        raise DomainError(_("%(name)s turns 18 on %(day)s, and until then the children’s trust pays for their "
                            "specialist breaks. Start this budget on or after the birthday, or record a joint "
                            "decision with the trust.", name=child.first_name, day=long_date(eighteen)))
    last = birthday(child.date_of_birth, OLDEST + 1) - timedelta(days=1)
    if body is Body.ADULTS and ends_on > last:
        raise DomainError(_("Short breaks are for young people up to the age of 25: end this budget by %(last)s.",
                            last=long_date(last)))


def _check_new_budget(child: Child, kind: BudgetKind, amount_pence: int, starts_on: date, ends_on: date,
                      reasons: str) -> None:
    if not has_approved_assessment(child):
        raise DomainError(_("Record an approved assessment for %(name)s before the panel decision.",
                            name=child.first_name))
    if amount_pence <= 0:
        raise DomainError(_("Enter the amount the panel agreed, more than £0."))
    if ends_on < starts_on:
        raise DomainError(_("The end date must be on or after the start date."))
    if financial_year(ends_on) != financial_year(starts_on):
        raise DomainError(_("A personal budget runs within one financial year: this one must end by %(day)s.",
                            day=long_date(date(financial_year(starts_on) + 1, 3, 31))))
    if not reasons.strip():
        raise DomainError(_("Give the panel's reasons."))
    existing = db.session.scalar(select(PersonalBudget).where(
        PersonalBudget.child_id == child.id, PersonalBudget.kind == kind, PersonalBudget.status == BudgetStatus.ACTIVE,
        PersonalBudget.starts_on <= ends_on, PersonalBudget.ends_on >= starts_on))
    if existing is not None and kind is BudgetKind.MANAGED:
        raise DomainError(_("%(name)s already has a managed personal budget for these dates. "
                            "Increase or reduce that one instead.", name=child.first_name))
    if existing is not None:
        raise DomainError(_("%(name)s already has a direct payment for these dates. "
                            "Increase or reduce that one instead.", name=child.first_name))


def allocate_budget(child: Child, *, kind: BudgetKind, amount_pence: int, starts_on: date, ends_on: date,
                    review_on: date, reasons: str, by: User) -> PersonalBudget:
    """Record the resource panel's decision: allocate the budget and commit it against the envelope of the body that
    pays at the child's age (the trust's before the 18th birthday, adult social care's from it).

    Never refused because the envelope is committed: the decision is recorded and flagged as pressure.
    """
    body = panel_body(child, starts_on)
    _check_panel(by, body)
    _check_new_budget(child, kind, amount_pence, starts_on, ends_on, reasons)
    _check_age(child, body, starts_on, ends_on)
    budget, decision = _allocate(child, body, kind=kind, amount_pence=amount_pence, starts_on=starts_on,
                                 ends_on=ends_on, review_on=review_on, reasons=reasons, by=by)
    _after_decision(budget, decision, budget.envelope)
    return budget


def _allocate(child: Child, body: Body, *, kind: BudgetKind, amount_pence: int, starts_on: date, ends_on: date,
              review_on: date, reasons: str, by: User, agreed_by: User | None = None
              ) -> tuple[PersonalBudget, PanelDecision]:
    """Allocate a checked budget on the body's envelope, under the envelope's lock: the ledger, the decision, the
    audit entry."""
    envelope = _get_or_create_envelope(body, financial_year(starts_on), by)
    lock_envelope(envelope)
    budget = PersonalBudget(child=child, envelope=envelope, kind=kind, amount_pence=amount_pence,
                            starts_on=starts_on, ends_on=ends_on, review_on=review_on)
    db.session.add(budget)
    db.session.flush()
    over = ledger.balance(envelope_account(envelope, "available")) < amount_pence
    decision = PanelDecision(budget=budget, kind=DecisionKind.ALLOCATE, change_pence=amount_pence, reasons=reasons,
                             decided_by_id=by.id, agreed_by_id=agreed_by.id if agreed_by else None,
                             over_envelope=over, applied_at=utcnow())
    db.session.add(decision)
    db.session.flush()
    ledger.move(EntryKind.ALLOCATION, amount_pence, envelope_account(envelope, "available"), budget.account,
                envelope_id=envelope.id, dims=SPECIALIST, reason=reasons, by=by, envelope=envelope,
                decision=decision, budget=budget)
    record("personal_budget_allocated", budget, by=by, reason=reasons, amount_pence=amount_pence, kind=kind.value,
           starts_on=starts_on.isoformat(), ends_on=ends_on.isoformat(), over_envelope=over, body=body.value,
           agreed_by_id=agreed_by.id if agreed_by else None)
    return budget, decision


@dataclass(frozen=True)
class JointDecision:
    """The two halves of a joint decision: the children's trust's budget until the 18th birthday, adult social
    care's from it."""

    before: PersonalBudget
    after: PersonalBudget

    @property
    def budgets(self) -> tuple[PersonalBudget, PersonalBudget]:
        return self.before, self.after


def joint_partners(by: User) -> list[User]:
    """Who can agree a joint decision with this person: active staff of the other body (of either, for an
    administrator)."""
    mine = body_of(by)
    bodies = [body for body in (Body.TRUST, Body.ADULTS) if body is not mine]
    return db.session.scalars(select(User).where(User.role.in_([body.role for body in bodies]),
                                                 User.active.is_(True), User.id != by.id)
                              .order_by(User.name, User.id)).all()


def allocate_joint(child: Child, *, kind: BudgetKind, before_pence: int, after_pence: int, starts_on: date,
                   ends_on: date, review_on: date, reasons: str, by: User, agreed_by: User) -> JointDecision:
    """Record one decision the children's trust and adult social care make together for a young person whose 18th
    birthday falls within the dates: the trust's budget runs until the day before the birthday and adult social
    care's from the birthday, each allocated from its own body's envelope. One of the two records it; the other
    body's officer who agreed it is named. Bookings then draw on whichever budget covers the day of the break
    (``budget_for``), so the family does nothing on the birthday."""
    if by.role not in (Role.TRUST, Role.ADULTS, Role.ADMIN):
        raise NotAllowed(_("Only the children's trust and adult social care can make a joint decision."))
    if agreed_by is None or agreed_by not in joint_partners(by):
        raise DomainError(_("Choose who agreed this decision for the other body."))
    eighteen = birthday(child.date_of_birth, ADULT_AGE)
    if not starts_on < eighteen <= ends_on:
        raise DomainError(_("A joint decision is for a budget that runs across %(name)s’s 18th birthday, on %(day)s. "
                            "For dates all before or all after it, record the decision of one body.",
                            name=child.first_name, day=long_date(eighteen)))
    if before_pence <= 0 or after_pence <= 0:
        raise DomainError(_("Enter the amount agreed for before the birthday and for after it, each more than £0."))
    _check_new_budget(child, kind, before_pence, starts_on, ends_on, reasons)
    _check_age(child, Body.ADULTS, eighteen, ends_on)
    last_day = eighteen - timedelta(days=1)
    # The trust's envelope is locked before adult social care's, always in this order.
    before, before_decision = _allocate(child, Body.TRUST, kind=kind, amount_pence=before_pence, starts_on=starts_on,
                                        ends_on=last_day, review_on=review_on, reasons=reasons, by=by,
                                        agreed_by=agreed_by)
    after, after_decision = _allocate(child, Body.ADULTS, kind=kind, amount_pence=after_pence, starts_on=eighteen,
                                      ends_on=ends_on, review_on=review_on, reasons=reasons, by=by,
                                      agreed_by=agreed_by)
    before_decision.joint_with, after_decision.joint_with = after_decision, before_decision
    record("joint_panel_decision", child, by=by, reason=reasons, agreed_by_id=agreed_by.id,
           before_budget_id=before.id, after_budget_id=after.id, before_pence=before_pence, after_pence=after_pence,
           birthday=eighteen.isoformat())
    db.session.flush()
    joint = JointDecision(before, after)
    notify.queue(child.parent, _l("Budget agreed before and after %(name)s’s 18th birthday", name=child.first_name),
                 "budget_joint_decision", joint=joint, birthday=eighteen, reasons=reasons,
                 link=notify.link("budgets.family_money"), card_payments=stripe_gateway.configured())
    for budget, decision in ((before, before_decision), (after, after_decision)):
        _warn_about(budget.envelope, decision)
    return joint


def change_budget(budget: PersonalBudget, kind: DecisionKind, *, amount_pence: int = 0, reasons: str,
                  notice_on: date | None, by: User) -> PanelDecision:
    """Increase, reduce or end a budget. Reducing or ending needs reasons and a notice date; the family is told.

    An increase, or a notice date of today, changes the budget at once. A reduction or ending with a later notice
    date is recorded now and waits: the family can spend the money until that date, when
    ``apply_due_change`` applies it.
    """
    _check_panel(by, budget.body)
    if kind is DecisionKind.ALLOCATE:
        raise DomainError(_("Use a new panel decision to allocate a budget."))
    lock_envelope(budget.envelope)
    lock_budget(budget)
    if budget.status is BudgetStatus.ENDED:
        raise DomainError(_("This budget has ended, so it cannot be changed."))
    if not reasons.strip():
        raise DomainError(_("Give the panel's reasons."))
    left = unspent(budget)
    waiting = waiting_decisions(budget)
    if kind in (DecisionKind.REDUCE, DecisionKind.END):
        if notice_on is None:
            raise DomainError(_("Enter the date the family is given notice from."))
        if notice_on < today():
            raise DomainError(_("The notice date cannot be in the past."))
        ending = next((d for d in waiting if d.kind is DecisionKind.END), None)
        if ending is not None:
            raise DomainError(_("This budget already ends from %(day)s, so it cannot be reduced or ended again.",
                                day=long_date(ending.notice_on)))
    if kind is DecisionKind.END:
        amount_pence = left
    elif amount_pence <= 0:
        raise DomainError(_("Enter an amount more than £0."))
    if kind is DecisionKind.REDUCE:
        _check_reduction(amount_pence, left, already=-sum(d.change_pence for d in waiting))
    change = amount_pence if kind is DecisionKind.INCREASE else -amount_pence
    envelope = budget.envelope
    over = kind is DecisionKind.INCREASE and ledger.balance(envelope_account(envelope, "available")) < amount_pence
    decision = PanelDecision(budget=budget, kind=kind, change_pence=change, reasons=reasons, notice_on=notice_on,
                             decided_by_id=by.id, over_envelope=over)
    db.session.add(decision)
    db.session.flush()
    if kind is DecisionKind.INCREASE or notice_on <= today():
        _apply(decision, by=by)
    record(f"personal_budget_{kind.value}", budget, by=by, reason=reasons, change_pence=change,
           notice_on=notice_on.isoformat() if notice_on else None, over_envelope=over,
           waiting=decision.waiting)
    _after_decision(budget, decision, envelope)
    return decision


# A decision waiting for its notice date, and the subjects of the emails that tell the family, each a whole phrase
# for translators. Only a reduction or an ending waits for a notice date (and so is applied later).
WAITING_TITLES = {DecisionKind.REDUCE: N_("Budget reduced from %(day)s"),
                  DecisionKind.END: N_("Budget ended from %(day)s")}
DECISION_SUBJECTS = {DecisionKind.ALLOCATE: N_("Budget allocated: %(name)s's short breaks"),
                     DecisionKind.INCREASE: N_("Budget increased: %(name)s's short breaks"),
                     DecisionKind.REDUCE: N_("Budget reduced: %(name)s's short breaks"),
                     DecisionKind.END: N_("Budget ended: %(name)s's short breaks")}
WAITING_SUBJECTS = {DecisionKind.REDUCE: N_("Budget reduced from %(day)s: %(name)s's short breaks"),
                    DecisionKind.END: N_("Budget ended from %(day)s: %(name)s's short breaks")}
APPLIED_SUBJECTS = {DecisionKind.REDUCE: N_("Budget reduced from today: %(name)s's short breaks"),
                    DecisionKind.END: N_("Budget ended from today: %(name)s's short breaks")}


def decision_title(decision: PanelDecision) -> str:
    """'Budget reduced', or 'Budget reduced from 1 February 2027' while it waits for its notice date."""
    if decision.waiting:
        return _(WAITING_TITLES[decision.kind], day=long_date(decision.notice_on))
    return decision.kind.label


def _decision_subject(decision: PanelDecision, budget: PersonalBudget):
    """The family's email subject, lazy (its date too): written in the family's language."""
    if decision.waiting:
        return _l(WAITING_SUBJECTS[decision.kind], day=LazyString(long_date, decision.notice_on),
                  name=budget.child.first_name)
    return _l(DECISION_SUBJECTS[decision.kind], name=budget.child.first_name)


def _check_reduction(amount_pence: int, left: int, *, already: int = 0) -> None:
    """A reduction cannot take away money that is already booked or spent (or already due to be taken away)."""
    if amount_pence > left - already:
        amount = pounds(max(0, left - already))
        if already:
            raise DomainError(_("Only %(amount)s of this budget is not already booked or spent and not already due "
                                "to be taken off, so it can be reduced by at most that.", amount=amount))
        raise DomainError(_("Only %(amount)s of this budget is not already booked or spent, so it can be reduced by "
                            "at most that.", amount=amount))


def _apply(decision: PanelDecision, *, by: User | None) -> None:
    """Post a decision to the ledger and change the budget. The caller holds the envelope's and budget's locks.

    An ending takes whatever is not booked or spent at the moment it applies; a reduction that is more than that
    is refused, as it is when the panel decides.
    """
    budget = decision.budget
    envelope = budget.envelope
    left = unspent(budget)
    if decision.kind is DecisionKind.END:
        decision.change_pence = -left
    elif decision.kind is DecisionKind.REDUCE:
        _check_reduction(-decision.change_pence, left)
    change = decision.change_pence
    entry_kind = EntryKind.ALLOCATION if change > 0 else EntryKind.RELEASE
    ledger.move(entry_kind, change, envelope_account(envelope, "available"), budget.account, envelope_id=envelope.id,
                dims=SPECIALIST, reason=decision.reasons, by=by, envelope=envelope, decision=decision, budget=budget)
    budget.amount_pence += change
    if decision.kind is DecisionKind.END:
        budget.status = BudgetStatus.ENDED
    decision.applied_at = utcnow()


def waiting_decisions(budget: PersonalBudget) -> list[PanelDecision]:
    """Reductions and endings decided but waiting for their notice date, soonest first.

    Once a budget has ended, anything still waiting on it has been overtaken by the ending.
    """
    if budget.status is BudgetStatus.ENDED:
        return []
    return sorted((d for d in budget.decisions if d.waiting), key=lambda d: (d.notice_on, d.id))


def due_decisions(day: date) -> list[int]:
    """The ids of waiting decisions whose notice date is ``day`` or before, on budgets still running."""
    return db.session.scalars(
        select(PanelDecision.id).join(PersonalBudget, PersonalBudget.id == PanelDecision.budget_id)
        .where(PanelDecision.applied_at.is_(None), PanelDecision.notice_on <= day,
               PersonalBudget.status == BudgetStatus.ACTIVE)
        .order_by(PanelDecision.notice_on, PanelDecision.id)
    ).all()


def apply_due_change(decision: PanelDecision, day: date) -> bool:
    """Apply a waiting decision whose notice date has come, once, and tell the family it has taken effect.

    Returns False when there is nothing to do: another run applied it first, or the budget has ended.
    Raises DomainError when the reduction is more than is left unbooked (it stays waiting).
    """
    budget = decision.budget
    lock_envelope(budget.envelope)
    lock_budget(budget)
    # Another run may have applied it while this one waited for the locks.
    db.session.refresh(decision)
    if not decision.waiting or budget.status is BudgetStatus.ENDED or decision.notice_on > day:
        return False
    _apply(decision, by=decision.decided_by)
    record(f"personal_budget_{decision.kind.value}_applied", budget, by=None, reason=decision.reasons,
           decision_id=decision.id, change_pence=decision.change_pence, notice_on=decision.notice_on.isoformat())
    db.session.flush()
    family = budget.child.parent
    notify.queue(family, _l(APPLIED_SUBJECTS[decision.kind], name=budget.child.first_name),
                 "budget_change_applied", budget=budget, decision=decision, left=unspent(budget),
                 link=notify.link("budgets.family_money"))
    return True


@dataclass(frozen=True)
class ComingChange:
    decision: PanelDecision
    sentence: str


def coming_changes(budget: PersonalBudget) -> list[ComingChange]:
    """Each waiting decision in plain English: 'From 1 February 2027 this budget goes down by £200.00 to £800.00
    (decided 5 December 2026).'"""
    changes, amount = [], budget.amount_pence
    for decision in waiting_decisions(budget):
        day, decided = long_date(decision.notice_on), long_date(to_london(decision.decided_at).date())
        if decision.kind is DecisionKind.END and budget.body is Body.ADULTS:
            sentence = _("From %(day)s this budget ends: whatever is not booked or spent by then goes back to adult "
                         "social care (decided %(decided)s).", day=day, decided=decided)
        elif decision.kind is DecisionKind.END:
            sentence = _("From %(day)s this budget ends: whatever is not booked or spent by then goes back to the "
                         "children’s trust (decided %(decided)s).", day=day, decided=decided)
        else:
            amount += decision.change_pence
            sentence = _("From %(day)s this budget goes down by %(change)s to %(amount)s (decided %(decided)s).",
                         day=day, change=pounds(-decision.change_pence), amount=pounds(max(0, amount)),
                         decided=decided)
        changes.append(ComingChange(decision, sentence))
    return changes


def _after_decision(budget: PersonalBudget, decision: PanelDecision, envelope: Envelope) -> None:
    db.session.flush()
    family = budget.child.parent
    notify.queue(family, _decision_subject(decision, budget), "budget_decision", budget=budget, decision=decision,
                 left=unspent(budget), link=notify.link("budgets.family_money"),
                 card_payments=stripe_gateway.configured())
    _warn_about(envelope, decision)


PRESSURE_SUBJECTS = {Body.TRUST: N_("Panel decision beyond the trust budget for %(year)s"),
                     Body.ADULTS: N_("Panel decision beyond the adult social care budget for %(year)s")}


def _warn_about(envelope: Envelope, decision: PanelDecision) -> None:
    """Tell the body's commissioners about a decision beyond its envelope, and about thresholds crossed."""
    if decision.over_envelope:
        record("envelope_pressure", envelope, by=decision.decided_by, decision_id=decision.id,
               change_pence=decision.change_pence)
        for commissioner in _commissioners(envelope.body):
            subject = _l(PRESSURE_SUBJECTS[envelope.body], year=LazyString(year_label, envelope.year))
            notify.queue(commissioner, subject, "envelope_pressure", envelope=envelope, decision=decision,
                         budget=decision.budget, link=notify.link("money.dashboard", body=envelope.body.value,
                                                                   year=envelope.year))
    warn_if_over_threshold(envelope)


# --- recovering unspent direct payments ------------------------------------------------------------------

def recover_direct_payment(budget: PersonalBudget, *, amount_pence: int, received_on: date, reference: str,
                           reasons: str, by: User) -> Recovery:
    """Record unspent direct payment money the trust has taken back: posted from the direct payment to the trust's
    envelope (available again, no longer committed), audited, and told to the family.

    Only money that is not booked, spent or already due to be taken off by a waiting reduction can be recovered; the
    panel's allocation is not changed (the family was given it, and gave some back)."""
    _check_panel(by, budget.body)
    if budget.kind is not BudgetKind.DIRECT_PAYMENT:
        raise DomainError(_("Only a direct payment can have money recovered. Reduce a managed budget instead."))
    reference, reasons = (reference or "").strip(), (reasons or "").strip()
    if not reference:
        raise DomainError(_("Enter the finance reference for the money received"))
    if not reasons:
        raise DomainError(_("Give the reasons for the recovery"))
    if amount_pence <= 0:
        raise DomainError(_("Enter an amount more than £0."))
    if received_on > today():
        raise DomainError(_("The date the money came back must be today or in the past"))
    envelope = budget.envelope
    lock_envelope(envelope)
    lock_budget(budget)
    left = unspent(budget)
    waiting = -sum(d.change_pence for d in waiting_decisions(budget) if d.kind is DecisionKind.REDUCE)
    most = max(0, left - waiting)
    if amount_pence > most:
        raise DomainError(_("Only %(amount)s of this direct payment is unspent and not already booked or due to be "
                            "taken off, so at most that can be recovered.", amount=pounds(most)))
    transaction = ledger.move(EntryKind.RECOVERY, amount_pence, budget.account,
                              envelope_account(envelope, "available"), envelope_id=envelope.id, dims=SPECIALIST,
                              reason=reasons, by=by, envelope=envelope, budget=budget)
    recovery = Recovery(budget=budget, amount_pence=amount_pence, received_on=received_on, reference=reference,
                        reasons=reasons, recorded_by_id=by.id, transaction_id=transaction.id)
    db.session.add(recovery)
    db.session.flush()
    record("direct_payment_recovered", budget, by=by, reason=reasons, amount_pence=amount_pence,
           received_on=received_on.isoformat(), reference=reference, recovery_id=recovery.id,
           transaction_id=transaction.id)
    family = budget.child.parent
    if family.active:
        notify.queue(family, _l("Money recovered from %(name)s's direct payment", name=budget.child.first_name),
                     "direct_payment_recovered", budget=budget, recovery=recovery, left=unspent(budget),
                     link=notify.link("budgets.family_money"))
    return recovery


def balance_sentence(budget: PersonalBudget) -> str:
    """'£1,240.00 left until 31 March 2027'."""
    return _("%(amount)s left until %(day)s", amount=pounds(unspent(budget)), day=long_date(budget.ends_on))
