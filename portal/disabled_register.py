"""The register of disabled children the council keeps for its area (Children Act 1989 Sch. 2 para. 2), as the portal
holds it: every child and young person up to 25 is counted by need, age band and area; only those whose family
consented (on the child's record, and withdrawn there at any time) are named, in the export for the trust."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask import Blueprint, render_template
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .access import childrens_commissioner_required, trust_required
from .audit import showing, shows_children
from .exports import csv_download
from .extensions import db
from .formatting import spreadsheet_cell
from .i18n import N_
from .models import NEEDS, Child, Locality
from .timeutil import age_on, london_today

bp = Blueprint("disabled_register", __name__, url_prefix="/trust")

AGE_BANDS = ((0, 4, N_("Under 5")), (5, 10, N_("5 to 10")), (11, 15, N_("11 to 15")), (16, 17, N_("16 and 17")),
             (18, 25, N_("18 to 25")))
OLDEST = 25


def age_band(age: int) -> str | None:
    return next((label for low, high, label in AGE_BANDS if low <= age <= high), None)


@dataclass
class Counts:
    total: int
    consented: int
    by_need: list[tuple[str, int]]
    by_age: list[tuple[str, int]]
    by_area: list[tuple[str, int]]


def counts() -> Counts:
    """Everyone on the register, named or not: by need (a child may have several), age band and area."""
    today = london_today()
    areas = dict(db.session.execute(select(Locality.id, Locality.name)).all())
    need, band, area = Counter(), Counter(), Counter()
    total = consented = 0
    for born, needs, locality_id, consent in db.session.execute(
            select(Child.date_of_birth, Child.needs, Child.locality_id, Child.register_consent)):
        label = age_band(age_on(born, today))
        if label is None:
            continue
        total += 1
        consented += bool(consent)
        band[label] += 1
        area[areas.get(locality_id)] += 1
        for code in needs or []:
            need[code] += 1
    return Counts(total=total, consented=consented,
                  by_need=[(_(word), need[code]) for code, word in NEEDS.items()],
                  by_age=[(_(label), band[label]) for _low, _high, label in AGE_BANDS],
                  by_area=sorted(((name or _("Area not given"), n) for name, n in area.items()),
                                 key=lambda item: item[0]))


def named() -> list[Child]:
    """The children whose family consented to their being named, up to 25."""
    today = london_today()
    children = db.session.scalars(select(Child).options(joinedload(Child.locality))
                                  .where(Child.register_consent.is_(True))
                                  .order_by(Child.last_name, Child.first_name, Child.id)).all()
    return [c for c in children if age_on(c.date_of_birth, today) <= OLDEST]


@bp.get("/register-of-disabled-children")
@childrens_commissioner_required
def register():
    """The counts, for both commissioning bodies (the register is the council's; the named export is the trust's)."""
    return render_template("disabled_register/register.html", counts=counts())


@bp.get("/register-of-disabled-children.csv")
@trust_required
@shows_children("disabled_register")
def export():
    """The named register, for the trust: only children whose family consented."""
    children = named()
    showing(children)
    rows = [[_("First name"), _("Last name"), _("Date of birth"), _("Area"), _("Needs"), _("EHC plan"),
             _("Consent given")]]
    rows += [[spreadsheet_cell(child.first_name), spreadsheet_cell(child.last_name), child.date_of_birth.isoformat(),
              child.locality.name if child.locality else "", _(", ").join(child.need_labels),
              _("Yes") if child.has_ehc_plan else _("No"),
              child.register_consent_at.date().isoformat() if child.register_consent_at else ""]
             for child in children]
    return csv_download("register-of-disabled-children.csv", rows)
