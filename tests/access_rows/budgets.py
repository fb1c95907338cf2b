"""Access rows for personal budgets: the trust's budget pages and direct payment monitoring, and the family's
money page. Council commissioners have no need to see children's budgets.

The world gives the parent's child an approved assessment and a managed personal budget."""
from datetime import date, timedelta

from budgets import services as money
from budgets.models import BudgetKind, financial_year
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Child

from . import FAMILY, TRUST

ROWS = [
    ("GET", "/money", FAMILY),
    ("GET", "/trust/personal-budgets", TRUST),
    ("GET", "/trust/children/<int:child_id>/personal-budget", TRUST),
    ("POST", "/trust/children/<int:child_id>/personal-budget", dict(TRUST, trust=422, admin=422)),  # nothing posted
    ("GET", "/trust/personal-budgets/<int:budget_id>", TRUST),
    ("GET", "/trust/personal-budgets/<int:budget_id>/change", TRUST),
    ("POST", "/trust/personal-budgets/<int:budget_id>/change", dict(TRUST, trust=422, admin=422)),
    ("GET", "/trust/direct-payments", TRUST),
    ("GET", "/trust/direct-payments.csv", TRUST),
]


def world(users, values):
    child = db.session.get(Child, values["child_id"])
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs overnight breaks",
                              recorded_by_id=users["trust"].id))
    today = money.today()
    budget = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=124_000, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                   reasons="Panel agreed overnight breaks", by=users["trust"])
    db.session.commit()
    return {"budget_id": budget.id}
