"""Who has looked at a child's record: every page, API answer or export that shows a child's data to someone
other than the child's own family adds a "viewed" entry to the audit trail, beside the changes.

A view function says so with ``@shows_children("register")`` and, once it has loaded them, calls
``showing(children)``. The decorator records one entry per child when the answer is sent (not for a redirect,
which showed nothing) and commits it, so a GET page's views are kept like a POST's changes. Forgetting to call
``showing`` is an error, not a silent gap.

A family looking at its own children is not recorded: the trail is about other people looking, and a family's
own pages would otherwise bury those entries. Everyone else is, administrators included.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import wraps

from flask import Response, g, has_request_context, request
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import insert

from .extensions import db
from .i18n import N_
from .models import AuditEvent, Child, Role, User
from .timeutil import utcnow

VIEWED = "viewed"
CHILD = Child.__name__  # what entries about a child name as their subject_type (as portal.models.record does)

# What was shown, in plain English, for the audit screen and the family's page. A key is stored, so that the
# words can change (and be translated) without rewriting the trail.
SHOWN = {
    "register": N_("The register for a session"),
    "api_bookings": N_("The children booked on a session, through the provider's booking system"),
    "assessment_requests": N_("The list of requests for an assessment"),
    "assessment": N_("Their assessment"),
    "child_search": N_("The results of a search for a child by the children's trust"),
    "nights_away": N_("The list of children's nights away on short breaks"),
    "disabled_register": N_("The named register of disabled children"),
    "personal_budgets": N_("The list of personal budgets"),
    "personal_budget": N_("Their personal budget"),
    "new_budget": N_("The page for recording a panel decision about their budget"),
    "joint_decision": N_("The page for recording a joint decision about their budget across their 18th birthday"),
    "change_budget": N_("The page for changing their personal budget"),
    "recover_direct_payment": N_("The page for recording money recovered from their direct payment"),
    "direct_payments": N_("The list of direct payments"),
    "direct_payments_csv": N_("A download of the direct payments ledger"),
    "transitions": N_("The tracker of young people moving to adult services"),
    "transitions_csv": N_("A download of the tracker of young people moving to adult services"),
    "transition": N_("Their move to adult services"),
    "transition_stage": N_("The page for recording a stage of their move to adult services"),
    "pfa_review": N_("The page for recording their preparing-for-adulthood review"),
    "transition_owner": N_("The page for choosing who owns their move to adult services"),
    "family_access": N_("The page for recording whether their parent may see their record after 18"),
}

# The organisation behind each staff role; provider staff are named by their own organisation.
ORGANISATIONS = {
    Role.COUNCIL: N_("The council"),
    Role.TRUST: N_("The children's trust"),
    Role.ADULTS: N_("Adult social care"),
    Role.ADMIN: N_("The portal's administrators"),
}


@dataclass(frozen=True)
class Viewer:
    """Who looked, as the trail keeps it: the person (none for a provider's API token), why they may (their role)
    and for whom (their organisation, kept by name as it was on the day)."""

    person: User | None
    role: Role
    provider_id: int | None = None
    provider_name: str | None = None
    api_token: str | None = None

    @classmethod
    def of(cls, person: User) -> Viewer:
        provider = person.provider if person.role is Role.PROVIDER else None
        return cls(person, person.role, provider.id if provider else None, provider.name if provider else None)


def record_views(children: Iterable[Child], *, by: User | Viewer, what: str) -> int:
    """Add a "viewed" entry for each child shown (once each), unless the viewer is that child's family; returns how
    many. ``what`` is a key of SHOWN. One INSERT for the lot, in the caller's unit of work; never committed here."""
    if what not in SHOWN:
        raise ValueError(f"Say in portal.audit.SHOWN what {what!r} shows")
    viewer = by if isinstance(by, Viewer) else Viewer.of(by)
    person_id = viewer.person.id if viewer.person is not None else None
    details = {"what": what, "page": request.endpoint if has_request_context() else None, "role": viewer.role.value,
               "provider_id": viewer.provider_id, "organisation": viewer.provider_name}
    if viewer.api_token:
        details["api_token"] = viewer.api_token
    child_ids = list(dict.fromkeys(child.id for child in children if child.parent_id != person_id))
    if child_ids:
        db.session.execute(insert(AuditEvent), [
            {"at": utcnow(), "action": VIEWED, "subject_type": CHILD, "subject_id": child_id, "actor_id": person_id,
             "details": details} for child_id in child_ids])
    return len(child_ids)


def shows_children(what: str) -> Callable:
    """Decorate a view that shows children's records: it must call ``showing(children)``, and those views are
    recorded and committed once the answer is made (a redirect showed nothing, so it records nothing)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            g.children_shown = None
            answer = view(*args, **kwargs)
            shown = g.pop("children_shown", None)
            if shown is None:
                raise RuntimeError(f"{view.__name__} shows children's records: call portal.audit.showing(children)")
            children, viewer = shown
            if not _redirect(answer):
                record_views(children, by=viewer or current_user, what=what)
                db.session.commit()
            return answer
        return wrapped
    return decorator


def showing(children: Iterable[Child], *, by: Viewer | None = None) -> None:
    """Say which children the page being answered shows (and who sees them, when not the signed-in person)."""
    g.children_shown = (list(children), by)


def _redirect(answer) -> bool:
    status = answer[1] if isinstance(answer, tuple) and len(answer) > 1 and isinstance(answer[1], int) else None
    if isinstance(answer, Response):
        status = answer.status_code
    return status is not None and 300 <= status < 400


def shown_label(details: dict) -> str:
    """What a "viewed" entry says was shown, in the page's language."""
    return gettext(SHOWN.get(details.get("what"), N_("A page about them")))


def organisation_label(details: dict) -> str:
    """Whose behalf the viewer looked on: their provider's name, or the council, the trust, the administrators."""
    if details.get("organisation"):
        return details["organisation"]
    role = _role(details)
    return gettext(ORGANISATIONS[role]) if role in ORGANISATIONS else ""


def role_label(details: dict) -> str:
    role = _role(details)
    return role.label if role else ""


def _role(details: dict) -> Role | None:
    try:
        return Role(details.get("role"))
    except ValueError:
        return None
