"""Families own their data: the export holds every row the portal has about a family (checked against the database,
table by table), erasure leaves none of their personal values anywhere (every column of every table is scanned)
while money still reconciles and comments keep their words, and the retention task anonymises only what is due."""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import JSON, String, Text, select

from bookings.places import book_places
from bookings.waiting_lists import join_waiting_list
from budgets import services as money
from budgets.models import BudgetKind, DecisionKind, financial_year
from portal import notify
from portal.extensions import db
from portal.models import Assessment, AssessmentRequest, AssessmentStatus, AuditEvent, Child, Role, User
from portal.timeutil import to_london, utcnow
from providers.models import Booking, BookingStatus, PaymentRoute, Tier
from statements import services as statements
from statements.models import StatementComment

from .conftest import TEST_PASSWORD, sign_in
from .factories import ChildFactory, OfferFactory, SessionFactory, UserFactory

# Everything that identifies the family, each written nowhere else in the database.
PARENT_NAME = "Perpetua Quillfeather"
EMAIL = "perpetua.q@example.net"
PHONE = "07700 900999"
CHILD_FIRST, CHILD_LAST = "Zebulon", "Quillfeather"
POSTCODE = "B99 9ZZ"
EMERGENCY = "Aunt Ottoline on 07700 900555"
NEEDS_NOTES = "Needs the blue ear defenders at loud sessions"
HOME_LANGUAGE = "Cornish"
REQUEST_MESSAGE = "Please assess Zebulon for overnight respite"
COMMENT_WORDS = "the statement should say which clubs have a quiet room"
COMMENT = f"I am {PARENT_NAME}, and {COMMENT_WORDS}."
PERSONAL = [PARENT_NAME, EMAIL, PHONE, CHILD_FIRST, CHILD_LAST, POSTCODE, EMERGENCY, NEEDS_NOTES, HOME_LANGUAGE,
            REQUEST_MESSAGE, "Perpetua", "Ottoline"]


@pytest.fixture
def trust(app):
    return UserFactory(role=Role.TRUST, email="trust@example.com")


def _family(trust, *, upcoming: bool = False):
    """A family with a bit of everything: a child with every detail, a place paid from a managed personal budget
    (delivered, or still to come), a waiting list, an assessment asked for and recorded, a comment on the
    statement; and another family, which must be left alone."""
    parent = UserFactory(name=PARENT_NAME, email=EMAIL, phone=PHONE)
    child = ChildFactory(parent=parent, first_name=CHILD_FIRST, last_name=CHILD_LAST, postcode=POSTCODE,
                         emergency_contact=EMERGENCY, needs_notes=NEEDS_NOTES, home_language=HOME_LANGUAGE)
    other = ChildFactory(first_name="Otherchild", needs_notes="Somebody else's notes")
    db.session.add(Assessment(child=child, status=AssessmentStatus.APPROVED, reason=f"{CHILD_FIRST} meets criteria",
                              recorded_by_id=trust.id))
    db.session.flush()
    today = to_london(utcnow()).date()
    budget = money.allocate_budget(child, kind=BudgetKind.MANAGED, amount_pence=20_000, starts_on=today,
                                   ends_on=date(financial_year(today) + 1, 3, 31), review_on=today + timedelta(days=90),
                                   reasons=f"Panel agreed for {CHILD_FIRST}", by=trust)
    offer = OfferFactory(tier=Tier.SPECIALIST, price_pence=4000, payment_route=PaymentRoute.PERSONAL_BUDGET)
    session, full = SessionFactory(offer=offer), SessionFactory(capacity=1)
    db.session.commit()
    [booking] = book_places(parent, session, [child], "personal_budget")
    book_places(other.parent, full, [other], "free")
    join_waiting_list(parent, full, [child])
    db.session.add(AssessmentRequest(requested_by_id=parent.id, child_id=child.id, offer_id=offer.id,
                                     message=REQUEST_MESSAGE))
    statement = statements.start_draft(by=trust)
    statements.open_consultation(statement, by=trust)
    db.session.flush()
    statements.add_comment(statement, body=COMMENT, section_key=None, by=parent)
    db.session.commit()
    if not upcoming:
        session.starts_at, session.ends_at = utcnow() - timedelta(days=3), utcnow() - timedelta(days=3, hours=-2)
        money.change_budget(budget, DecisionKind.END, reasons=f"{CHILD_FIRST} moved away", notice_on=today, by=trust)
        db.session.commit()
    return parent, child, other, booking


def _rows_about(user_id: int) -> dict[str, set]:
    """Independently of privacy/records.py: every row reached from the account through foreign keys."""
    found = {"users": {(user_id,)}}
    changed = True
    while changed:
        changed = False
        for table in db.metadata.sorted_tables:
            for column in table.columns:
                for key in column.foreign_keys:
                    target = key.column
                    ids = [pk[0] for pk in found.get(target.table.name, ())]
                    if not ids or target.name != "id":
                        continue
                    for row in db.session.execute(select(table).where(column.in_(ids))).mappings():
                        pk = tuple(row[c.name] for c in table.primary_key.columns)
                        if pk not in found.setdefault(table.name, set()):
                            found[table.name].add(pk)
                            changed = True
    return found


def _download(client) -> tuple[dict, str]:
    response = client.get("/your-data/download")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return json.loads(archive.read("data.json")), archive.read("data.html").decode()


def test_the_export_holds_the_copies_of_emails_sent_to_the_family(app, client, trust, outbox):
    parent, *_ = _family(trust)
    notify.queue(parent, "A note for the family", "password_reset", link="https://x", user=parent)
    notify.queue("someone.else@example.com", "Not theirs", "password_reset", link="https://x", user=None)
    db.session.commit()
    sign_in(client, parent)
    exported, _readable = _download(client)
    subjects = {row["subject"] for row in exported["tables"]["outbox_emails"]}
    assert "A note for the family" in subjects and "Not theirs" not in subjects


def test_the_export_holds_every_row_about_the_family_and_nothing_about_others(app, client, trust, outbox):
    parent, child, other, booking = _family(trust)
    expected = _rows_about(parent.id)
    sign_in(client, parent)
    exported, readable = _download(client)
    tables = exported["tables"]
    assert {"children", "bookings", "personal_budgets", "panel_decisions", "ledger_transactions", "ledger_lines",
            "waiting_list_entries", "assessment_requests", "assessments", "statement_comments"} <= set(expected)
    for table_name, keys in expected.items():
        table = db.metadata.tables[table_name]
        names = [c.name for c in table.primary_key.columns]
        got = {tuple(row[n] for n in names) for row in tables.get(table_name, [])}
        assert keys <= got, f"{table_name}: rows {sorted(keys - got)} are missing from data.json"
    # Audit entries about the child and the booking (their actor is staff, so no foreign key leads to them).
    about = db.session.scalars(select(AuditEvent.id).where(
        ((AuditEvent.subject_type == "Child") & (AuditEvent.subject_id == child.id))
        | ((AuditEvent.subject_type == "PersonalBudget")))).all()
    assert set(about) <= {row["id"] for row in tables["audit_events"]}
    # The family's own values are there, as stored; nobody else's are, and no password hash is.
    [account] = tables["users"]
    assert (account["email"], account["phone"]) == (EMAIL, PHONE) and "password_hash" not in account
    assert {c["id"] for c in tables["children"]} == {child.id}
    assert tables["statement_comments"][0]["body"] == COMMENT
    assert "Otherchild" not in json.dumps(exported) and other.parent.email not in json.dumps(exported)
    # The readable copy, in the page's language.
    for shown in (PARENT_NAME, f"{CHILD_FIRST} {CHILD_LAST}", NEEDS_NOTES, EMERGENCY, COMMENT_WORDS, "£40.00"):
        assert shown in readable.replace("&#39;", "'")
    assert '<html lang="en"' in readable
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "personal_data_exported")) is not None


def test_the_readable_copy_is_in_the_language_of_the_page(app, client, trust, outbox):
    parent, *_ = _family(trust)
    sign_in(client, parent)
    client.get("/your-data?lang=pl")
    _, readable = _download(client)
    assert '<html lang="pl"' in readable


def _personal_values_left() -> list[str]:
    """Every text and JSON column of every table, searched for each of the family's values."""
    left = []
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        for row in db.session.execute(select(*columns)).all() if columns else []:
            for column, value in zip(columns, row):
                text = value if isinstance(value, str) else json.dumps(value, default=str)
                left += [f"{table.name}.{column.name}: {v}" for v in PERSONAL if text and v.lower() in text.lower()]
    return left


def test_deleting_the_account_leaves_no_personal_value_anywhere(app, client, trust, outbox, runner):
    parent, child, other, booking = _family(trust)
    assert _personal_values_left()  # the scan finds them while they are there
    sign_in(client, parent)
    response = client.post("/your-data/delete-account", data={"password": TEST_PASSWORD})
    assert response.status_code == 302, response.text
    db.session.expire_all()
    assert _personal_values_left() == []
    # Kept, anonymised: the booking with its money, the child's statistics, the comment's words.
    kept = db.session.get(Booking, booking.id)
    assert (kept.price_pence, kept.funded_pence, kept.child_id) == (0, 4000, child.id)
    child = db.session.get(Child, child.id)
    assert child.needs == ["autism"] and child.date_of_birth.month == 7
    comment = db.session.scalar(select(StatementComment))
    assert COMMENT_WORDS in comment.body and comment.author.name == "Deleted account"
    # Nobody can sign in, and the old session has ended.
    account = db.session.get(User, parent.id)
    assert not account.active and account.email.endswith("@erased.invalid")
    assert client.get("/your-data").status_code == 302
    assert client.post("/sign-in", data={"email": EMAIL, "password": TEST_PASSWORD}).status_code == 422
    # The other family is untouched; the trail says who erased what, without saying what it was.
    assert db.session.get(Child, other.id).needs_notes == "Somebody else's notes"
    erased = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account_erased"))
    assert erased.actor_id == parent.id and PARENT_NAME not in json.dumps(erased.details)
    assert [m["To"] for m in outbox][-1] == EMAIL  # the last email, sent to the address as it was
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output


def test_the_ledger_still_reconciles_after_erasing_a_family_with_money(app, client, trust, outbox, runner):
    parent, *_ = _family(trust)
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0
    sign_in(client, parent)
    assert client.post("/your-data/delete-account", data={"password": TEST_PASSWORD}).status_code == 302
    result = runner.invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "The ledger reconciles." in result.output


def test_a_place_to_come_or_a_running_budget_stops_deletion_and_says_what_to_do(app, client, trust, outbox):
    parent, child, *_ = _family(trust, upcoming=True)
    sign_in(client, parent)
    page = client.get("/your-data/delete-account").text
    assert "You cannot delete your account yet" in page
    assert "Cancel it on your bookings page" in page and "Ask the trust to end it first" in page
    response = client.post("/your-data/delete-account", data={"password": TEST_PASSWORD})
    assert response.status_code == 409
    db.session.expire_all()
    assert db.session.get(User, parent.id).email == EMAIL
    assert client.post(f"/children/{child.id}/remove", data={"sure": "y"}).status_code == 409


def test_a_wrong_password_deletes_nothing(app, client, outbox):
    parent = UserFactory()
    sign_in(client, parent)
    response = client.post("/your-data/delete-account", data={"password": "not my password"})
    assert response.status_code == 422 and "That is not your password" in response.text
    assert db.session.get(User, parent.id).active


def test_removing_a_child_anonymises_them_and_takes_them_off_the_account(app, client, trust, outbox, runner):
    parent, child, other, booking = _family(trust)
    sister = ChildFactory(parent=parent, first_name="Araminta")
    sign_in(client, parent)
    assert "Remove Zebulon" in client.get("/children").text
    assert client.post(f"/children/{child.id}/remove").status_code == 422  # the box not ticked
    response = client.post(f"/children/{child.id}/remove", data={"sure": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    page = client.get("/children").text
    assert f"{CHILD_FIRST} {CHILD_LAST}" not in page and "Araminta" in page and "Removed child" not in page
    removed = db.session.get(Child, child.id)
    assert (removed.full_name, removed.postcode, removed.emergency_contact) == ("Removed child", None, None)
    assert removed.parent_id != parent.id
    left = [v for v in _personal_values_left() if any(x in v for x in (CHILD_FIRST, NEEDS_NOTES, EMERGENCY, POSTCODE))]
    assert left == []
    assert db.session.get(User, parent.id).email == EMAIL  # the account stays
    assert db.session.get(Child, sister.id).first_name == "Araminta"
    assert runner.invoke(args=["ledger", "check"]).exit_code == 0


def _snapshot() -> dict:
    return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
            for table in db.metadata.sorted_tables}


def test_retention_dry_run_changes_nothing_and_the_real_run_anonymises_only_what_is_due(app, runner):
    long_ago = utcnow() - timedelta(days=365 * 4)
    grown_up = ChildFactory(first_name="Grownup", date_of_birth=date(1992, 6, 1))
    grown_ups_parent = grown_up.parent
    young = ChildFactory(parent=grown_up.parent, first_name="Stillyoung")
    quiet = UserFactory(name="Quiet Family", created_at=long_ago)
    busy = UserFactory(name="Busy Family", created_at=long_ago)
    busy.last_signed_in_at = utcnow() - timedelta(days=30)
    db.session.commit()
    before = _snapshot()
    result = runner.invoke(args=["privacy", "retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"would anonymise child {grown_up.id}" in result.output
    assert f"would anonymise account {quiet.id}" in result.output
    assert "Grownup" not in result.output and "Quiet Family" not in result.output  # ids only in the log
    db.session.expire_all()
    assert _snapshot() == before

    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "Anonymised 2 records" in result.output
    db.session.expire_all()
    assert db.session.get(Child, grown_up.id).first_name == "Removed"
    assert db.session.get(User, quiet.id).name == "Deleted account"
    assert db.session.get(Child, young.id).first_name == "Stillyoung"
    assert db.session.get(User, busy.id).name == "Busy Family"
    assert db.session.get(User, grown_ups_parent.id).active  # the parent's account stays: it is still in use
    assert db.session.get(Child, grown_up.id).parent_id != grown_ups_parent.id
    entries = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(["account_erased", "child_erased"]),
                                                          AuditEvent.actor_id.is_(None))).all()
    assert {(e.subject_type, e.subject_id) for e in entries} == {("Child", grown_up.id), ("User", quiet.id)}
    again = runner.invoke(args=["privacy", "retention"])
    assert "Anonymised 0 records" in again.output


def test_signing_in_is_remembered_for_retention(app, client):
    family = UserFactory()
    sign_in(client, family)
    db.session.expire_all()
    assert db.session.get(User, family.id).last_signed_in_at is not None


def test_the_privacy_notice_gives_the_periods_from_config_and_the_lawful_basis(app, client):
    app.config["RETENTION_INACTIVE_ACCOUNT_YEARS"] = 4
    try:
        page = client.get("/privacy").text
    finally:
        app.config["RETENTION_INACTIVE_ACCOUNT_YEARS"] = 3
    assert "has not been used for 4 years" in page
    assert "Article 6(1)(e)" in page and "Article 9(2)(h)" in page and "Information Commissioner" in page
    assert 'href="/privacy"' in client.get("/").text  # the footer links it
