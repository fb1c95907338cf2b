"""Access rows for personal budgets: the resource panels' budget pages and direct payment monitoring, and the family's
money page. Council commissioners have no need to see children's budgets. Adult social care's staff see its own
budgets only: the world's budgets are the trust's (the child is young), so they are not found, and not on its lists.

The world gives the parent's child an approved assessment, a managed personal budget and a direct payment (whose
pages the rows open)."""
from datetime import date, timedelta

from budgets import services as money
from budgets.models import BudgetKind, financial_year
from portal.extensions import db
from portal.models import Assessment, AssessmentStatus, Child

from . import CHILD_RECORD, EMPTY, FAMILY, FAMILY_OWN, HIDDEN, PANELS, PANELS_POSTED_NOTHING, TRUST

TRUSTS_OWN = dict(TRUST, adults=HIDDEN)
TRUSTS_OWN_POSTED_NOTHING = dict(TRUSTS_OWN, trust=422, admin=422)
ADULTS_LIST = dict(TRUST, adults=EMPTY)

ROWS = [
    ("GET", "/money", FAMILY, FAMILY_OWN),
    ("GET", "/trust/personal-budgets", ADULTS_LIST, CHILD_RECORD),
    ("GET", "/trust/children/<int:child_id>/personal-budget", PANELS, CHILD_RECORD),
    # Nothing posted.
    ("POST", "/trust/children/<int:child_id>/personal-budget", PANELS_POSTED_NOTHING, CHILD_RECORD),
    ("GET", "/trust/children/<int:child_id>/joint-decision", PANELS, CHILD_RECORD),
    ("POST", "/trust/children/<int:child_id>/joint-decision", PANELS_POSTED_NOTHING, CHILD_RECORD),
    ("GET", "/trust/personal-budgets/<int:budget_id>", TRUSTS_OWN, CHILD_RECORD),
    ("GET", "/trust/personal-budgets/<int:budget_id>/change", TRUSTS_OWN, CHILD_RECORD),
    ("POST", "/trust/personal-budgets/<int:budget_id>/change", TRUSTS_OWN_POSTED_NOTHING, CHILD_RECORD),
    ("GET", "/trust/personal-budgets/<int:budget_id>/recover", TRUSTS_OWN, CHILD_RECORD),
    ("POST", "/trust/personal-budgets/<int:budget_id>/recover", TRUSTS_OWN_POSTED_NOTHING, CHILD_RECORD),
    ("GET", "/trust/direct-payments", ADULTS_LIST, CHILD_RECORD),
    ("GET", "/trust/direct-payments.csv", ADULTS_LIST, CHILD_RECORD),
]


def world(users, values):
    child = db.session.get(Child, values["child_id"])
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason="Needs overnight breaks",
                              recorded_by_id=users["trust"].id))
    today = money.today()
    money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=124_000, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                   reasons="Panel agreed overnight breaks", by=users["trust"])
    # A direct payment too, so the direct payment pages show the child (and must record that they did); the budget
    # pages are the direct payment's, which has money to recover.
    budget = money.allocate_budget(child, kind=BudgetKind.DIRECT_PAYMENT, amount_pence=30_000, starts_on=today,
                          ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                          reasons="Panel agreed a direct payment for a personal assistant", by=users["trust"])
    db.session.commit()
    return {"budget_id": budget.id}
