"""Who may do what: role checks on views, object checks on what they load."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from functools import wraps

from flask import abort, make_response, render_template
from flask_login import current_user, login_required
from sqlalchemy import bindparam, event, or_, select
from sqlalchemy.orm import Session as OrmSession

from .extensions import db, login_manager
from .models import ADULT_AGE, Child, FamilyAccess, Role, User
from .timeutil import london_today

FAMILY_ROLES = (Role.PARENT_CARER, Role.YOUNG_PERSON)


# Made once: every signed-in request reads it (session.get makes its statement afresh each time).
_USER = select(User).where(User.id == bindparam("user_id"))


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The person a session belongs to, if that session has not been ended (sign-out, a new password, a
    suspension, "sign out everywhere"): the version in the cookie must be the account's current one."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit() and version.isascii() and version.isdigit()):
        return None
    user = db.session.scalars(_USER, {"user_id": int(user_id)}).first()
    if user is None or (user.session_version or 0) != int(version):
        return None
    return user


def role_required(*roles: Role):
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)
        return wrapped
    return decorator


family_required = role_required(*FAMILY_ROLES)
# Commissioners of any body (and administrators); commissioners for children, the council and the children's trust,
# who approve providers and keep the register of disabled children (adult social care buys specialist breaks from
# providers the trust approved); the children's trust's own staff (and administrators).
commissioner_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADULTS, Role.ADMIN)
childrens_commissioner_required = role_required(Role.COUNCIL, Role.TRUST, Role.ADMIN)
trust_required = role_required(Role.TRUST, Role.ADMIN)
# Those whose resource panels decide personal budgets: the children's trust until the 18th birthday, adult social
# care from it (each sees and decides its own body's budgets: budgets.budget_views).
panel_required = role_required(Role.TRUST, Role.ADULTS, Role.ADMIN)
# The trust and adult social care share the tracker of young people moving to adult services (transitions/).
transition_staff_required = role_required(Role.TRUST, Role.ADULTS, Role.ADMIN)


def get_or_404(model, object_id: int):
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


# --- the family access rule: one place says whose children's records and bookings a family account may see ------


class Standing(enum.Enum):
    """Where a family account stands with one child's record."""

    OWN = "own"  # the young person's own record (their own account, or their sign-in linked to it)
    PARENT = "parent"  # their child, under 18, or an adult who consented, or with a recorded legal basis
    ENDED = "ended"  # their child turned 18 and there is no recorded consent or legal basis: 403, saying why
    NONE = "none"  # someone else's child: 404, as if it did not exist


def is_adult(child: Child) -> bool:
    return child.age_on(london_today()) >= ADULT_AGE


def active_access(child: Child, user: User) -> list[FamilyAccess]:
    """The recorded bases (consent, deputyship, appointee) on which ``user`` may see the adult ``child``'s record."""
    return list(db.session.scalars(select(FamilyAccess).where(
        FamilyAccess.child_id == child.id, FamilyAccess.user_id == user.id, FamilyAccess.withdrawn_at.is_(None))
        .order_by(FamilyAccess.granted_at, FamilyAccess.id)))


def standing(user: User, child: Child, granted: set[int] | None = None) -> Standing:
    """The rule. ``granted``: the ids of the children ``user`` holds a live FamilyAccess for (read once by callers
    looking at many children)."""
    if user is None or not getattr(user, "is_authenticated", False) or child is None:
        return Standing.NONE
    if child.young_person_id == user.id or (child.is_account_holder and child.parent_id == user.id):
        return Standing.OWN
    if child.parent_id != user.id:
        return Standing.NONE
    if not is_adult(child):
        return Standing.PARENT
    if granted is None:
        granted = _granted_ids(user)
    return Standing.PARENT if child.id in granted else Standing.ENDED


def _granted_ids(user: User) -> set[int]:
    return set(db.session.scalars(select(FamilyAccess.child_id).where(
        FamilyAccess.user_id == user.id, FamilyAccess.withdrawn_at.is_(None))))


# Where each family account stands with its linked children, worked out once per database transaction (a booking
# asks in its view, its form and its service): kept in the ORM session's ``info``, and forgotten at a commit or a
# rollback and whenever the transaction writes a child's record or a family access.
_STANDINGS = "family_standings"
_WATCHED_TABLES = frozenset({Child.__tablename__, FamilyAccess.__tablename__})


# Each family account's children, each with whether it holds a live family access to that child. Made once: every
# family page asks it.
_LINKED_CHILDREN = (
    select(Child, select(FamilyAccess.id).where(
        FamilyAccess.child_id == Child.id, FamilyAccess.user_id == bindparam("user_id"),
        FamilyAccess.withdrawn_at.is_(None)).exists())
    .where(or_(Child.parent_id == bindparam("user_id"), Child.young_person_id == bindparam("user_id")))
    .order_by(Child.first_name, Child.id))


def _standings(user: User) -> list[tuple[Child, Standing]]:
    known = db.session.info.setdefault(_STANDINGS, {})
    if user.id not in known:
        rows = db.session.execute(_LINKED_CHILDREN, {"user_id": user.id}).all()
        granted_ids = {child.id for child, has_access in rows if has_access}
        known[user.id] = [(child, standing(user, child, granted_ids)) for child, _has_access in rows]
    return known[user.id]


def _forget_standings(orm_session: OrmSession, *_args) -> None:
    orm_session.info.pop(_STANDINGS, None)


@event.listens_for(OrmSession, "after_flush")
def _forget_standings_after_writes(orm_session: OrmSession, _context) -> None:
    """A child's record or a family access written (a booking added to a child's bookings is not a change to the
    record: collections are left out)."""
    if _STANDINGS not in orm_session.info:
        return
    watched = (Child, FamilyAccess)
    if any(isinstance(obj, watched) for obj in (*orm_session.new, *orm_session.deleted)) or any(
            isinstance(obj, watched) and orm_session.is_modified(obj, include_collections=False)
            for obj in orm_session.dirty):
        _forget_standings(orm_session)


@event.listens_for(OrmSession, "do_orm_execute")
def _forget_standings_after_bulk_writes(state) -> None:
    if (state.is_update or state.is_delete or state.is_insert) and any(
            mapper.local_table.name in _WATCHED_TABLES for mapper in state.all_mappers):
        _forget_standings(state.session)


event.listen(OrmSession, "after_commit", _forget_standings)
event.listen(OrmSession, "after_soft_rollback", _forget_standings)


def family_children(user: User) -> list[Child]:
    """The children whose records and bookings this family account may see and manage today. Every family page
    and service asks this (or ``family_child_ids``), never ``Child.parent_id`` or ``booked_by_id``."""
    return [child for child, stands in _standings(user) if stands in (Standing.OWN, Standing.PARENT)]


def family_child_ids(user: User) -> set[int]:
    return {child.id for child in family_children(user)}


def access_ended(user: User) -> list[Child]:
    """The parent's children who turned 18 without a recorded consent or legal basis: each family page names them
    and says what would restore access, so nobody is locked out without being told."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.role.is_family:
        return []
    return [child for child, stands in _standings(user) if stands is Standing.ENDED]


def can_see_child(user: User, child: Child | None) -> bool:
    return standing(user, child) in (Standing.OWN, Standing.PARENT)


def may_manage(user: User, children: Iterable[Child | None]) -> bool:
    """Whether ``user`` may act on something about these children (a place, a waiting-list place, a set): all of
    them are theirs to see, and there is at least one (the services' own check, beside the pages')."""
    children = [child for child in children if child is not None]
    return bool(children) and all(can_see_child(user, child) for child in children)


def is_own_record(user: User, child: Child) -> bool:
    """The signed-in young person is this child: the pages speak to them as "you"."""
    return standing(user, child) is Standing.OWN


def check_family_children(children: Iterable[Child | None]) -> None:
    """Abort unless the signed-in family may see every one of ``children``: 404 if one is someone else's (or there
    are none), 403 with a page saying why and what would restore it if their access to one ended at 18."""
    children = [child for child in children if child is not None]
    stands = [(child, standing(current_user, child)) for child in children]
    if not stands or any(s is Standing.NONE for _child, s in stands):
        abort(404)
    ended = [child for child, s in stands if s is Standing.ENDED]
    if ended:
        abort(make_response(render_template("families/access_ended.html", ended=ended), 403))


def family_child_or_abort(child_id: int) -> Child:
    """A child's record for a family page: theirs, or 404 (someone else's), or 403 (their access ended at 18)."""
    child = db.session.get(Child, child_id)
    check_family_children([child])
    return child


def family_object_or_abort(model, object_id: int, children_of) -> object:
    """An object of a family's (a booking, a waiting-list place, a payment, a set of bookings) found by id, if the
    signed-in family may see every child it is about (``children_of(found)``): else as ``check_family_children``."""
    found = db.session.get(model, object_id)
    if found is None:
        abort(404)
    check_family_children(children_of(found))
    return found
