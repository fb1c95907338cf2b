"""Erasure (UK GDPR Article 17) by anonymisation: the one way a family's personal data leaves the portal, used by
"Delete your account", "Remove a child" and the retention task alike.

Rows are never deleted: bookings, card payments, refunds, personal budgets, panel decisions and the ledger must
be kept for audit (public money, Children Act 1989 s.17A direct payments), and they point at the account and the
child. So the account and child rows stay, emptied of everything that identifies the family; every other row the
family's data reached keeps its amounts, dates and ids (the ledger still reconciles) and loses any copy of their
names or details written into its text (a comment's words stay, without the name). The audit trail records who
erased what, when and why, and not what was erased.
"""
from __future__ import annotations

import re
import secrets
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import JSON, Enum, String, Text, select

from bookings.waiting_lists import leave_waiting_list
from budgets.models import BudgetKind, BudgetStatus, PersonalBudget, Payment, Refund, RefundStatus
from portal import notify
from portal.notify import OutboxEmail
from portal.errors import DomainError
from portal.extensions import db
from portal.formatting import london_date, long_date, pounds
from portal.i18n import N_
from portal.models import AssessmentRequest, Child, RecoveryCode, Role, User, record
from portal.timeutil import london_today, utcnow
from providers.models import LIVE_BOOKING, Booking, BookingStatus, Session, WaitingListEntry, WaitingStatus

from .records import Holdings, children_of_account, classes_by_table, holdings_of_child, holdings_of_family

# What an erased account and child are called from then on (stored in place of a name, as names are).
ERASED_NAME = "Deleted account"  # i18n: not shown (stored data, in place of a person's name)
REMOVED_FIRST_NAME, REMOVED_LAST_NAME = "Removed", "child"  # i18n: not shown (stored data, in place of a name)
# What is left where a name or detail was written into text that is kept.
REDACTED = "[removed]"
# An address no email can ever be delivered to (.invalid, RFC 2606), unique per account as the column requires.
ERASED_DOMAIN = "erased.invalid"
# A removed child's records stay (bookings and budgets point at them) but leave their family: this account, which
# nobody can sign in to, holds them.
REMOVED_CHILDREN_EMAIL = f"removed-children@{ERASED_DOMAIN}"

# Why, as the audit trail keeps it.
ACCOUNT_DELETED = N_("The family deleted their account")
CHILD_REMOVED = N_("The family removed this child")
ERASED_ACTIONS = {"User": "account_erased", "Child": "child_erased"}
SHORTEST_VALUE = 3  # shorter words ("Al", "Li") would take letters out of unrelated text


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


# --- what stands in the way -------------------------------------------------------------------------------

def account_blockers(user: User) -> list[str]:
    """Why this account cannot be deleted yet, each with what to do about it (empty: it can be)."""
    children = children_of_account(user)
    return _blockers(children, family=user)


def child_blockers(child: Child) -> list[str]:
    return _blockers([child], family=None)


def _blockers(children: list[Child], *, family: User | None) -> list[str]:
    """What a parent would expect to settle first, rather than have it done to them without asking:

    * a place still to come: cancelling might lose money (after the offer's cut-off nothing comes back) or a break
      the child is looking forward to, so the family cancels it, or waits until it has happened;
    * a personal budget or direct payment still running: the trust must end it with notice and check what a
      direct payment was spent on (and recover what is unspent) while it can still reach the family;
    * money on its way back to the family's card: erasing now would leave nobody to tell if it fails.

    Waiting lists are not in the way: deleting is leaving them, which costs nothing (see ``_leave_waiting_lists``).
    """
    child_ids = [c.id for c in children]
    problems = []
    owner = Booking.booked_by_id == family.id if family is not None else Booking.child_id.in_(child_ids)
    upcoming = db.session.scalars(
        select(Booking).join(Session, Session.id == Booking.session_id)
        .where(owner, Booking.status.in_([BookingStatus[s] for s in LIVE_BOOKING]), Session.starts_at > utcnow())
        .order_by(Session.starts_at, Booking.id)).all()
    for booking in upcoming:
        problems.append(_("%(who)s has a place on %(title)s on %(day)s. Cancel it on your bookings page, or wait "
                          "until it has happened.", who=booking.who, title=booking.session.offer.title,
                          day=london_date(booking.session.starts_at)))
    budgets = db.session.scalars(
        select(PersonalBudget).where(PersonalBudget.child_id.in_(child_ids), PersonalBudget.status == BudgetStatus.ACTIVE,
                                     PersonalBudget.ends_on >= london_today())
        .order_by(PersonalBudget.ends_on, PersonalBudget.id)).all()
    for budget in budgets:
        if budget.kind is BudgetKind.DIRECT_PAYMENT:
            problems.append(_("%(name)s has a direct payment from the children's trust until %(day)s. Ask the trust "
                              "to end it first: they have to check what it was spent on before it ends.",
                              name=budget.child.first_name, day=long_date(budget.ends_on)))
        else:
            problems.append(_("%(name)s has a personal budget from the children's trust until %(day)s. Ask the "
                              "trust to end it first.", name=budget.child.first_name, day=long_date(budget.ends_on)))
    refunds = select(Refund).join(Payment, Payment.id == Refund.payment_id).where(
        Refund.status.in_([RefundStatus.REQUESTED, RefundStatus.FAILED]))
    if family is not None:
        refunds = refunds.where(Payment.family_id == family.id)
    else:
        refunds = refunds.join(Booking, Booking.id == Refund.booking_id).where(Booking.child_id.in_(child_ids))
    for refund in db.session.scalars(refunds.order_by(Refund.id)):
        problems.append(_("We are still sending %(amount)s back to your card. Wait until it has arrived, then try "
                          "again.", amount=pounds(refund.amount_pence)))
    return problems


def waiting_lists_to_leave(family: User, child: Child | None = None) -> list[WaitingListEntry]:
    """The waiting lists for sessions still to come that deleting the account (or removing the child) leaves."""
    entries = db.session.scalars(
        select(WaitingListEntry).join(Session, Session.id == WaitingListEntry.session_id)
        .where(WaitingListEntry.family_id == family.id, Session.starts_at > utcnow(),
               WaitingListEntry.status.in_([WaitingStatus.WAITING, WaitingStatus.OFFERED]))
        .order_by(Session.starts_at, WaitingListEntry.id)).all()
    return [e for e in entries if child is None or child.id in (e.child_ids or [])]


# --- erasing ----------------------------------------------------------------------------------------------

def delete_account(user: User, *, by: User | None, reason: str = ACCOUNT_DELETED) -> None:
    """Anonymise a family's account and every child on it (refused while something is in the way)."""
    if user.role not in (Role.PARENT_CARER, Role.YOUNG_PERSON):
        raise DomainError(_("Only a family's account can be deleted here."))
    if problems := account_blockers(user):
        raise DomainError(problems[0])
    for entry in waiting_lists_to_leave(user):
        leave_waiting_list(entry, by=user)  # on the family's behalf: the place goes to the next family
    children = children_of_account(user)
    holdings = holdings_of_family(user)
    _erase(holdings, users=[user], children=children)
    for child in children:
        record(ERASED_ACTIONS["Child"], child, by=by, reason=reason)
    record(ERASED_ACTIONS["User"], user, by=by, reason=reason, children=len(children), kept=_counts(holdings))


def remove_child(child: Child, *, by: User | None, reason: str = CHILD_REMOVED) -> None:
    """Anonymise one child's records and take them off their family's account, which stays."""
    if problems := child_blockers(child):
        raise DomainError(problems[0])
    family = child.parent
    for entry in waiting_lists_to_leave(family, child):
        leave_waiting_list(entry, by=family)  # the whole entry: its places were asked for together
    holdings = holdings_of_child(child)
    _erase(holdings, users=[], children=[child])
    child.parent = _removed_children_holder()
    record(ERASED_ACTIONS["Child"], child, by=by, reason=reason, kept=_counts(holdings))


def _counts(holdings: Holdings) -> dict[str, int]:
    """How many rows of each table were kept anonymised: numbers only, never what they held."""
    return {table: len(rows) for table, rows in sorted(holdings.rows.items())}


def _erase(holdings: Holdings, *, users: list[User], children: list[Child]) -> None:
    values = _personal_values(holdings, users, children)
    patterns = _patterns(values)
    notify.forget_emails_mentioning(values, patterns)  # to the family, or to staff about the child
    _scrub_rows(holdings, patterns)
    for user in users:
        _anonymise_account(user)
    for child in children:
        _anonymise_child(child)
    for request in db.session.scalars(select(AssessmentRequest).where(
            AssessmentRequest.id.in_(sorted(holdings.ids("assessment_requests"))))):
        request.message = ""
    db.session.flush()


def _anonymise_account(user: User) -> None:
    user.email = erased_email(user.id)
    user.name = ERASED_NAME
    user.phone = None
    user.set_password(secrets.token_urlsafe(32))  # nobody knows it, and every session ends (session_version)
    user.end_sessions()
    user.active = False
    user.totp_secret = user.totp_last_step = user.two_step_since = None
    for row in db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id)):
        db.session.delete(row)
    user.last_signed_in_at = None


def _anonymise_child(child: Child) -> None:
    """The needs (from a fixed list), support level, EHC plan, area and year of birth stay, for the sufficiency
    statistics the council must keep; nothing left says who the child was."""
    child.first_name, child.last_name = REMOVED_FIRST_NAME, REMOVED_LAST_NAME
    child.date_of_birth = date(child.date_of_birth.year, 7, 1)  # mid-year: ages stay right to within six months
    child.needs_notes = child.postcode = child.emergency_contact = child.home_language = None
    child.register_consent = False  # counted on the register of disabled children, never named on it again


def _removed_children_holder() -> User:
    holder = db.session.scalar(select(User).where(User.email == REMOVED_CHILDREN_EMAIL))
    if holder is None:
        holder = User(email=REMOVED_CHILDREN_EMAIL, name=ERASED_NAME, role=Role.PARENT_CARER, active=False)
        holder.set_password(secrets.token_urlsafe(32))
        db.session.add(holder)
        db.session.flush()
    return holder


# --- taking copies out of text that is kept ---------------------------------------------------------------

def _personal_values(holdings: Holdings, users: list[User], children: list[Child]) -> list[str]:
    values = []
    for user in users:
        values += [user.name, user.email, user.phone, *(user.name or "").split()]
    for child in children:
        values += [child.first_name, child.last_name, child.full_name, child.postcode, child.emergency_contact,
                   child.needs_notes, child.home_language]
        if child.postcode:
            values.append(child.postcode.replace(" ", ""))
    values += [row["message"] for row in holdings.of("assessment_requests")]
    cleaned = {value.strip() for value in values if value and len(value.strip()) >= SHORTEST_VALUE}
    return sorted(cleaned, key=lambda value: (-len(value), value))  # longest first: a full name before its parts


def _patterns(values: list[str]) -> list[re.Pattern]:
    """Each value as itself, case-insensitively; a value that starts or ends with a letter only as a whole word
    ("Ann" is taken out of "Ann said", not out of "Annual")."""
    patterns = []
    for value in values:
        before = r"(?<!\w)" if value[0].isalnum() else ""
        after = r"(?!\w)" if value[-1].isalnum() else ""
        patterns.append(re.compile(before + re.escape(value) + after, re.IGNORECASE))
    return patterns


def scrub(value, patterns: list[re.Pattern]):
    """``value`` (text, or JSON: dicts, lists and strings) with every personal value replaced by ``REDACTED``."""
    if isinstance(value, str):
        for pattern in patterns:
            value = pattern.sub(REDACTED, value)
        return value
    if isinstance(value, dict):
        return {key: scrub(item, patterns) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, patterns) for item in value]
    return value


def _scrub_rows(holdings: Holdings, patterns: list[re.Pattern]) -> None:
    """Every text and JSON column of every row found: a reason a member of staff typed ("Panel agreed for Zara"),
    a comment, an audit entry's details. Amounts, dates, ids and states are never touched, so money and places
    still add up; a ledger transaction or a panel decision, otherwise never changed, loses only the copy."""
    if not patterns:
        return
    classes = classes_by_table()
    for table_name, rows in holdings.rows.items():
        cls = classes.get(table_name)
        # Emails are deleted, not rewritten (notify.forget_emails_mentioning): one still to be sent keeps its address.
        if cls is None or table_name == OutboxEmail.__tablename__:
            continue
        mapper = db.inspect(cls)
        columns = [column for column in cls.__table__.columns
                   if isinstance(column.type, (String, Text, JSON)) and not isinstance(column.type, Enum)
                   and not column.primary_key and not column.foreign_keys]
        for key in rows:
            row = db.session.get(cls, key if len(key) > 1 else key[0])
            if row is None:
                continue
            for column in columns:
                attribute = mapper.get_property_by_column(column).key
                value = getattr(row, attribute)
                cleaned = scrub(value, patterns)
                if cleaned != value:
                    setattr(row, attribute, cleaned)
