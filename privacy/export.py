"""Download your data (UK GDPR Articles 15 and 20): a ZIP of ``data.json`` (every row the portal holds about the
family, table by table, for another service to read) and ``data.html`` (the same, for a person to read, in the
page's language)."""
from __future__ import annotations

import enum
import io
import json
import zipfile
from datetime import date, datetime

from flask import current_app, render_template
from sqlalchemy import LargeBinary, select

from budgets.models import Payment, PanelDecision, PersonalBudget, Refund
from portal.extensions import db
from portal.i18n import current_language
from portal.models import Assessment, AssessmentRequest, AuditEvent, Child, User
from portal.timeutil import utcnow
from providers.models import Booking, WaitingListEntry
from statements.models import StatementComment

from .records import Holdings, holdings_of_family

# Kept from the export: what would let someone sign in as the family (hashes of passwords, codes and keys, the
# authenticator's secret). The file says which columns were left out.
SECRET_WORDS = ("hash", "secret", "totp")


def _withheld(column) -> bool:
    return any(word in column.name for word in SECRET_WORDS) or isinstance(column.type, LargeBinary)


def _plain(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def as_json(user: User, holdings: Holdings) -> dict:
    tables, withheld = {}, {}
    for table in db.metadata.sorted_tables:
        rows = holdings.of(table.name)
        if not rows:
            continue
        hidden = [column.name for column in table.columns if _withheld(column)]
        if hidden:
            withheld[table.name] = hidden
        tables[table.name] = [{name: _plain(value) for name, value in row.items() if name not in hidden}
                              for row in rows]
    return {"account_id": user.id, "exported_at": utcnow().isoformat(), "tables": tables,
            "withheld_columns": withheld}


def _loaded(model, ids) -> list:
    return list(db.session.scalars(select(model).where(model.id.in_(sorted(ids))).order_by(model.id))) if ids else []


def as_html(user: User, holdings: Holdings) -> str:
    ids = holdings.ids
    shown = {"users", "children", "bookings", "waiting_list_entries", "assessment_requests", "assessments",
             "personal_budgets", "panel_decisions", "payments", "refunds", "statement_comments", "audit_events"}
    return render_template(
        "privacy/data.html", user=user, language=current_language(), exported_at=utcnow(),
        children=_loaded(Child, ids("children")), bookings=_loaded(Booking, ids("bookings")),
        waiting=_loaded(WaitingListEntry, ids("waiting_list_entries")),
        requests=_loaded(AssessmentRequest, ids("assessment_requests")),
        assessments=_loaded(Assessment, ids("assessments")), budgets=_loaded(PersonalBudget, ids("personal_budgets")),
        decisions=_loaded(PanelDecision, ids("panel_decisions")), payments=_loaded(Payment, ids("payments")),
        refunds=_loaded(Refund, ids("refunds")), comments=_loaded(StatementComment, ids("statement_comments")),
        events=sorted(_loaded(AuditEvent, ids("audit_events")), key=lambda e: (e.at, e.id)),
        others={table: len(rows) for table, rows in sorted(holdings.rows.items()) if table not in shown})


def export_zip(user: User) -> bytes:
    """The family's data as a ZIP file's bytes."""
    holdings = holdings_of_family(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(as_json(user, holdings), indent=2, ensure_ascii=False, default=str))
        archive.writestr("data.html", as_html(user, holdings))
    current_app.logger.info("Data export for account %s: %s rows", user.id,
                            sum(len(rows) for rows in holdings.rows.values()))
    return buffer.getvalue()
