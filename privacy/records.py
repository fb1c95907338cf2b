"""What the portal holds about a family: found from the database itself, not from a list that would drift.

Starting from the family's account (or one child), every row of every table that points at a row already found,
through any foreign key, is theirs too (children, bookings, the money moved for those bookings, the lines of that
money, comments, ...), until nothing new turns up. Rows that name them without a foreign key are added after:
entries of a trail (``subject_type``/``subject_id``, like the audit trail) about any row found, waiting lists
naming a child, the ledger accounts named after the family or a child's budget, and the emails sent to them. A
table added later is covered without anyone remembering to add it here.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Table, select

from budgets.models import Account
from portal.access import family_children
from portal.extensions import db
from portal.models import Child, User
from portal.notify import OutboxEmail
from providers.models import WaitingListEntry

Key = tuple  # a row's primary key values, in the table's primary key order


@dataclass
class Holdings:
    """Rows by table name, then by primary key: each row as a mapping of column name to value."""

    rows: dict[str, dict[Key, dict]] = field(default_factory=dict)

    def add(self, table: Table, row: dict) -> bool:
        key = tuple(row[column.name] for column in table.primary_key.columns)
        found = self.rows.setdefault(table.name, {})
        if key in found:
            return False
        found[key] = dict(row)
        return True

    def ids(self, table_name: str, column: str = "id") -> set:
        return {row[column] for row in self.rows.get(table_name, {}).values()}

    def of(self, table_name: str) -> list[dict]:
        return [self.rows[table_name][key] for key in sorted(self.rows.get(table_name, {}), key=repr)]


def classes_by_table() -> dict[str, type]:
    return {mapper.local_table.name: mapper.class_ for mapper in db.Model.registry.mappers
            if isinstance(mapper.local_table, Table)}


def holdings_of_family(user: User) -> Holdings:
    """Everything held about a family account: the account, its children and all that points at either."""
    kept = [c.id for c in children_of_account(user)]
    return _without_other_children(_walk({User.__table__: [user.id], Child.__table__: kept}), set(kept))


def _without_other_children(holdings: Holdings, kept: set[int]) -> Holdings:
    """Leave out a child reached only through the account (a young adult whose record is now theirs, the parent's
    access having ended at 18) and what is held about them: it is not the account's to download or erase."""
    others = holdings.ids("children") - kept
    if not others:
        return holdings
    for table in db.metadata.sorted_tables:
        about_child = [column.name for column in table.columns
                       if any(fk.column.table.name == "children" for fk in column.foreign_keys)]
        found = holdings.rows.get(table.name, {})
        for key in [key for key, row in found.items()
                    if (table.name == "children" and row["id"] in others)
                    or any(row.get(name) in others for name in about_child)]:
            del found[key]
    return holdings


def holdings_of_child(child: Child) -> Holdings:
    """Everything held about one child (not their family's account, which stays)."""
    return _walk({Child.__table__: [child.id]})


def children_of_account(user: User) -> list[Child]:
    """The children held on this account that it may still see (not a young adult whose record is now theirs)."""
    return [child for child in family_children(user) if child.parent_id == user.id]


def _walk(start: dict[Table, Iterable[int]]) -> Holdings:
    holdings = Holdings()
    frontier: dict[str, set] = {}
    for table, ids in start.items():
        for row in db.session.execute(select(table).where(table.c.id.in_(list(ids)))).mappings():
            holdings.add(table, row)
        frontier[table.name] = holdings.ids(table.name)
    tables = db.metadata.sorted_tables
    while frontier:
        reached: dict[str, set] = {}
        for table in tables:
            for column in table.columns:
                for foreign_key in column.foreign_keys:
                    target = foreign_key.column
                    if target.table.name not in frontier or not target.primary_key:
                        continue
                    values = frontier[target.table.name]
                    if not values:
                        continue
                    for row in db.session.execute(select(table).where(column.in_(sorted(values)))).mappings():
                        if holdings.add(table, row) and len(table.primary_key.columns) == 1:
                            reached.setdefault(table.name, set()).add(row[table.primary_key.columns[0].name])
        frontier = reached
    _add_waiting_lists_naming_children(holdings)
    _add_trail_entries(holdings)
    _add_ledger_accounts(holdings)
    _add_emails_to_them(holdings)
    return holdings


def _add_waiting_lists_naming_children(holdings: Holdings) -> None:
    """An entry lists its children by id in a JSON column, which no foreign key can follow."""
    child_ids = holdings.ids("children")
    table = WaitingListEntry.__table__
    families = holdings.ids("users") | {row["parent_id"] for row in holdings.of("children")}
    for row in db.session.execute(select(table).where(table.c.family_id.in_(sorted(families)))).mappings():
        if child_ids & set(row["child_ids"] or []):
            holdings.add(table, row)


def _add_trail_entries(holdings: Holdings) -> None:
    """Trail entries (``subject_type`` names a model, ``subject_id`` its row) about any row found."""
    classes = classes_by_table()
    subjects = {}
    for table_name in list(holdings.rows):
        cls = classes.get(table_name)
        ids = holdings.ids(table_name) if cls is not None and "id" in cls.__table__.c else set()
        if ids:
            subjects[cls.__name__] = ids
    for table in db.metadata.sorted_tables:
        if "subject_type" not in table.c or "subject_id" not in table.c:
            continue
        for name, ids in subjects.items():
            query = select(table).where(table.c.subject_type == name, table.c.subject_id.in_(sorted(ids)))
            for row in db.session.execute(query).mappings():
                holdings.add(table, row)


def _add_ledger_accounts(holdings: Holdings) -> None:
    """Ledger accounts are named by code (``family:7``, ``budget:3:unspent``), not by foreign key."""
    codes = [f"family:{user_id}" for user_id in holdings.ids("users")]
    for budget_id in holdings.ids("personal_budgets"):
        codes += [f"budget:{budget_id}:unspent", f"budget:{budget_id}:held"]
    table = Account.__table__
    for row in db.session.execute(select(table).where(table.c.code.in_(codes))).mappings():
        holdings.add(table, row)


def _add_emails_to_them(holdings: Holdings) -> None:
    """The copies of emails sent to the family's address, kept in the outbox for a while (``portal.notify``)."""
    addresses = [row["email"] for row in holdings.of("users") if row.get("email")]
    table = OutboxEmail.__table__
    if addresses:
        for row in db.session.execute(select(table).where(table.c.to_address.in_(addresses))).mappings():
            holdings.add(table, row)
