"""The demo statement: version 1 (written by the council and the trust in English and translated into every other
language the portal speaks) queued to be published as a job (``portal.jobs``), which makes its PDFs and stores them
as publishing does and then opens version 2 for consultation with a comment from the demo parent carer and the
trust's reply; seed-demo does not wait for the PDFs. Also the contacts the statement
gives families (the commissioners' contacts page)."""
from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import select

from portal import jobs
from portal.contacts import change_contacts
from portal.extensions import db
from portal.models import User
from portal.timeutil import to_london, utcnow
from statements import publishing, services
from statements.models import Statement

from .statement_words import every_language, texts
from .words import CONTACTS

log = logging.getLogger(__name__)
DEMO_KIND = "demo-statement"  # i18n: not shown (a job's kind)


def _sections(code: str, contacts: dict[str, str]) -> dict[str, str]:
    area = current_app.config["AREA_NAME"]
    return {key: text.format(area=area, trust_phone=contacts["trust_phone"])
            for key, text in texts(code).SECTIONS.items()}


def add_statement(echo: Callable[[str], None] = print) -> dict[str, int]:
    """Write version 1 and queue its publishing, which then opens version 2 (the caller commits)."""
    council = _user("council@example.com")
    trust = _user("trust@example.com")
    parent = _user("parent@example.com")
    if council is None or trust is None:
        return {}
    today = to_london(utcnow()).date()
    contacts = {key: value.format(area=current_app.config["AREA_NAME"]) for key, value in CONTACTS.items()}
    change_contacts(contacts, by=council)
    first = services.start_draft(by=council)
    for code, words in every_language().items():
        if code != "en":
            services.save_section(first, services.TITLE_KEY, code, words.TITLE, by=council)
        for key, body in _sections(code, contacts).items():
            services.save_section(first, key, code, body, by=trust if key in ("eligibility_specialist", "budgets")
                                  else council)
    services.update_details(first, title="Short Breaks Statement", review_on=_next_march(today),
                            written_by="Helen Carter, short breaks commissioner, and David Osei, children’s trust",
                            approved_by="Cabinet Member for Children, Young People and Families",
                            approved_on=today - timedelta(days=14), by=council)
    services.open_consultation(first, by=council)
    # Its PDFs take minutes: a job makes them, then opens version 2, while the portal is already open.
    jobs.start(DEMO_KIND, publishing.key(first), by=council, statement_id=first.id, council_id=council.id,
               trust_id=trust.id, parent_id=parent.id if parent is not None else None, version=first.version)
    echo("Statement: version 1 is queued to be published (its PDFs in every language, with their annexes) by the "
         "job worker: the development server's own, or flask --app portal worker. /statement says it is being "
         "prepared until then.")
    return {"statement versions": 1}


@jobs.tracked(DEMO_KIND, title=publishing.title, finished=publishing.finished, may_see=publishing.may_see)
def _publish_first_and_consult_on_second(params: dict, progress) -> None:
    """Publish version 1, then open version 2 for consultation with a comment and the trust's reply."""
    council, trust = db.session.get(User, params["council_id"]), db.session.get(User, params["trust_id"])
    parent = db.session.get(User, params["parent_id"]) if params.get("parent_id") else None
    first = db.session.get(Statement, params["statement_id"])
    began = time.perf_counter()
    services.publish(first, by=council, progress=progress)
    log.info("Demo statement: version 1 published (%.0f seconds)", time.perf_counter() - began)
    today = to_london(utcnow()).date()
    contacts = {key: value.format(area=current_app.config["AREA_NAME"]) for key, value in CONTACTS.items()}

    second = services.start_draft(by=trust)
    services.save_section(second, "how_to_get", "en", _sections("en", contacts)["how_to_get"]
                          + texts("en").ADDED_HELP, by=trust)
    # Waiting for approval after the consultation: the one thing stopping it being published.
    services.update_details(second, title=second.title, review_on=_next_march(today) + timedelta(days=365),
                            written_by=second.written_by, approved_by=None, approved_on=None, by=trust)
    services.open_consultation(second, by=council)
    if parent is not None:
        comment = services.add_comment(
            second, section_key="carers_needs",
            body="Please say more about breaks for children who need two staff. We could not find any near us.",
            by=parent)
        services.reply_to_comment(
            comment, reply="Thank you. We are adding a list of breaks with 2:1 support to the statement and asking "
                           "providers in the North about extra places.", by=trust)


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _next_march(today: date) -> date:
    """The end of next financial year: the statement is reviewed every year with families."""
    year = today.year + 1 if today.month > 3 else today.year
    return date(year + 1, 3, 31)
