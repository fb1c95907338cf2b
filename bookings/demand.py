"""Signs of unmet demand, noted as they happen, for the commissioners' insight (``insight``): a search of the local
offer that found nothing, a session full when a family came to book, a child who could not go (their age, no
assessment, too little left in a budget), the council's funding for the year run out.

Nothing about who: no account, child or person is stored, and a search's words are never kept, only its filters.
Only families' searches count, and a page a family opens again (or reloads) counts once a day: what was counted is
remembered in the session cookie they already have for signing in, not in the database. A refused booking is noted by ``portal.attempts`` once the refused change
has been rolled back (the refusal carries ``unmet``: ``portal.errors.DomainError``)."""
from __future__ import annotations

from flask import has_request_context
from flask import session as browser
from flask_login import current_user

from portal.attempts import UNMET_LISTENERS
from portal.extensions import db
from portal.timeutil import london_today
from providers.models import DemandEvent, DemandKind, Offer, Session

NOTED = "demand_noted"  # the browser session's key: {"day": ..., "keys": [...]}
REMEMBERED = 40  # keys kept in the cookie at most (the oldest go first)
REFUSAL_REASONS = ("age", "no_assessment", "over_budget", "no_budget")


def _first_time(key: str) -> bool:
    """Whether this browser has not been counted for ``key`` today (then it is, from now)."""
    if not has_request_context() or not current_user.is_authenticated:
        return True
    today = london_today().isoformat()
    noted = browser.get(NOTED) or {}
    if noted.get("day") != today:
        noted = {"day": today, "keys": []}
    if key in noted["keys"]:
        return False
    browser[NOTED] = {"day": today, "keys": (noted["keys"] + [key])[-REMEMBERED:]}
    return True


def _event(kind: DemandKind, *, offer: Offer | None = None, session: Session | None = None, reason: str = "",
           filters: dict | None = None) -> DemandEvent:
    offer = offer or (session.offer if session is not None else None)
    return DemandEvent(kind=kind, reason=reason, offer_id=offer.id if offer else None,
                       tier=offer.tier.value if offer else "", locality_id=offer.locality_id if offer else None,
                       filters=filters or {})


def note_empty_search(filters: dict) -> None:
    """A signed-in family's search with these filters (no words, no person) found nothing (the view commits). Nobody
    else's: the filter links a search engine follows would count as families looking."""
    if not filters or not (current_user.is_authenticated and current_user.role.is_family):
        return
    if not _first_time(f"search:{sorted(filters.items())}"):
        return
    db.session.add(_event(DemandKind.SEARCH_EMPTY, filters=filters))


def note_booking_page(session: Session, cannot_go: dict, children: int, funding_exhausted: bool, *,
                      full: bool = False) -> None:
    """A family opened the booking (or waiting list) page of ``session``: note why their children cannot go, when
    none of their ``children`` can (a sibling too young for a break the family came to book for another child is not
    a refusal), the council's funding having run out, and the session being full, once a day each (the view
    commits)."""
    events = []
    everyone = bool(cannot_go) and len(cannot_go) >= children
    for n, reason in enumerate(sorted(getattr(r, "code", "") for r in cannot_go.values()) if everyone else []):
        if reason in REFUSAL_REASONS and _first_time(f"refused:{session.id}:{reason}:{n}"):
            events.append(_event(DemandKind.REFUSED, session=session, reason=reason))
    if funding_exhausted and _first_time(f"funding:{session.id}"):
        events.append(_event(DemandKind.FUNDING_EXHAUSTED, session=session))
    if full and _first_time(f"full:{session.id}"):
        events.append(_event(DemandKind.FULL, session=session))
    db.session.add_all(events)


def note_refusal(unmet: dict) -> None:
    """A booking was refused for a reason that is unmet demand (after its change was rolled back; ``attempt``
    commits)."""
    session = db.session.get(Session, unmet["session_id"]) if unmet.get("session_id") else None
    kind = DemandKind(unmet["kind"])
    # The same key as the booking page's for a full session, so finding it full there and then on trying counts once.
    key = f"{kind.value}:{unmet.get('session_id')}" + (f":{unmet['reason']}" if unmet.get("reason") else "")
    if session is None or not _first_time(key):
        return
    db.session.add(_event(kind, session=session, reason=unmet.get("reason", "")))


UNMET_LISTENERS.append(note_refusal)
