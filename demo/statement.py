"""The demo statement: version 1 published (written by the council and the trust, with some sections translated
into Urdu and Polish, and its PDFs made and stored as publishing does), and version 2 out for consultation with a
comment from the demo parent carer and the trust's reply."""
from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.timeutil import to_london, utcnow
from statements import services


def _english(area: str) -> dict[str, str]:
    return {
        "introduction": (
            f"This statement tells families in {area} what short breaks there are for disabled children and young "
            "people up to 25, who can use them and how to get them.\n\n"
            f"It is written by {area} City Council, which pays for universal and targeted breaks, and the children’s "
            "trust, which pays for specialist breaks after an assessment. You can find and book every break in one "
            "place: the local offer on this website."),
        "carers_needs": (
            "Short breaks give disabled children a good time away from their parent carers, and give parent carers "
            "time for themselves. We plan the range for two groups of carers:\n\n"
            "- carers who could not go on caring without a break\n"
            "- carers who could care better if they had time to work, study, rest, look after their other children "
            "or run the home\n\n"
            "So there are breaks in the day, in the evening, at weekends and in the school holidays, in the child’s "
            "home and away from it, and overnight stays for children who need them. We look at where families live "
            "and put more places where more children need them."),
        "eligibility_universal": (
            "Universal breaks are for every disabled child and young person and their family. You do not need a "
            "diagnosis, an assessment or a referral. Book them yourself on the local offer."),
        "eligibility_targeted": (
            "Targeted breaks are for children with additional needs who meet at least one of these:\n\n"
            "- an education, health and care (EHC) plan\n"
            "- a diagnosis of a disability or long-term condition\n"
            "- disability benefits such as Disability Living Allowance\n\n"
            "You do not need a social care assessment. These are a guide, not a rule that shuts anyone out: if your "
            "child does not meet them but you think a targeted break would help, ask us and we will look at your "
            "family’s circumstances."),
        "eligibility_specialist": (
            "Specialist breaks, including overnight stays, are for children whose needs are assessed by a social "
            "worker under section 17 of the Children Act 1989. Any family can ask for an assessment at any time, "
            "from the local offer or by phoning the children’s trust.\n\n"
            "If the assessment finds that your child needs a specialist break, the resource panel agrees a personal "
            "budget. If we decide not to provide a break, or to reduce one, we tell you in writing with our reasons "
            "and how to ask us to look again. A decision-maker can make an exception to any criterion, with reasons."),
        "how_to_get": (
            "Universal and targeted breaks: find a break on the local offer, check it suits your child, and book a "
            "place. If a session is full, join the waiting list and we will email you if a place comes free.\n\n"
            "Specialist breaks: ask for an assessment from the break’s page on the local offer. Once a personal "
            "budget is agreed, you can book specialist breaks with it or take it as a direct payment."),
        "budgets": (
            "A personal budget is an amount of money for your child for the year, agreed after an assessment. The "
            "children’s trust can hold it for you and pay providers when you book, or pay it to you as a direct "
            "payment so that you choose and pay for breaks yourself.\n\n"
            "We check how direct payments are used three months after they start and then every year. Money not "
            "used for your child’s breaks may be asked back. If we plan to reduce or stop a budget we write to you "
            "first, with our reasons and the date it changes."),
        "consultation": (
            "We wrote this statement with the parent carer forum and families who use short breaks.\n\n"
            "- You said it was hard to find breaks in one place. We put every break, whoever pays for it, on the "
            "local offer.\n"
            "- You said families in the east of the city waited longest. We added Saturday and holiday sessions there.\n"
            "- You said eligibility rules had been applied as blanket bans. We made the criteria a guide and "
            "explained how to ask for an assessment or an exception."),
        "comments": (
            "Tell us what you think of short breaks or of this statement at any time: use the consultation page "
            "when a new draft is out, email shortbreaks@example.org, or ask your parent carer forum to raise it "
            "for you.\n\n"
            "To complain about a break or a decision, use the council’s or the trust’s complaints procedure. You can "
            "also ask the Local Government and Social Care Ombudsman to look at a complaint we have not put right."),
        "copies": (
            "This statement is on the website as a page and as a PDF in English, Urdu and Polish. Ask us for large "
            "print, easy read, audio or another language by emailing shortbreaks@example.org, and we will send it "
            "within ten working days. Printed copies are at every library and family hub."),
    }


URDU = {
    "introduction": (
        "یہ بیان خاندانوں کو بتاتا ہے کہ معذور بچوں اور 25 سال تک کے نوجوانوں کے لیے کون سے مختصر وقفے موجود ہیں، "
        "انہیں کون استعمال کر سکتا ہے اور انہیں کیسے حاصل کیا جائے۔"),
    "eligibility_universal": (
        "عام وقفے ہر معذور بچے اور نوجوان اور ان کے خاندان کے لیے ہیں۔ آپ کو تشخیص، جائزے یا حوالے کی ضرورت نہیں۔"),
    "eligibility_specialist": (
        "خصوصی وقفوں کے لیے سماجی کارکن کا جائزہ ضروری ہے۔ کوئی بھی خاندان کسی بھی وقت جائزے کی درخواست کر سکتا ہے۔"),
}

POLISH = {
    "introduction": (
        "Ten dokument informuje rodziny, jakie krótkie przerwy w opiece są dostępne dla dzieci i młodzieży z "
        "niepełnosprawnościami do 25. roku życia, kto może z nich korzystać i jak je otrzymać."),
    "eligibility_universal": (
        "Przerwy powszechne są dla każdego dziecka i młodej osoby z niepełnosprawnością oraz ich rodziny. Nie "
        "potrzebujesz diagnozy, oceny ani skierowania."),
    "eligibility_targeted": (
        "Przerwy ukierunkowane są dla dzieci, które mają plan EHC, diagnozę niepełnosprawności lub otrzymują "
        "świadczenia z tytułu niepełnosprawności. Nie jest potrzebna ocena pracownika socjalnego."),
    "how_to_get": (
        "Znajdź przerwę w lokalnej ofercie i zarezerwuj miejsce. Jeśli sesja jest pełna, zapisz się na listę "
        "oczekujących."),
}


def add_statement(echo: Callable[[str], None] = print) -> dict[str, int]:
    """Publish version 1 and open version 2 for consultation (the caller commits)."""
    council = _user("council@example.com")
    trust = _user("trust@example.com")
    parent = _user("parent@example.com")
    if council is None or trust is None:
        return {}
    today = to_london(utcnow()).date()
    first = services.start_draft(by=council)
    for key, body in _english(current_app.config["AREA_NAME"]).items():
        services.save_section(first, key, "en", body, by=trust if key in ("eligibility_specialist", "budgets")
                              else council)
    for language, texts in (("ur", URDU), ("pl", POLISH)):
        for key, body in texts.items():
            services.save_section(first, key, language, body, by=council)
    services.update_details(first, title="Short Breaks Statement", review_on=_next_march(today),
                            written_by="Helen Carter, short breaks commissioner, and David Osei, children’s trust",
                            approved_by="Cabinet Member for Children, Young People and Families",
                            approved_on=today - timedelta(days=14), by=council)
    services.open_consultation(first, by=council)
    echo("Statement: making version 1's PDFs in English, Urdu and Polish...")
    began = time.perf_counter()
    services.publish(first, by=council)
    echo(f"Statement: version 1 published ({time.perf_counter() - began:.0f} seconds).")

    second = services.start_draft(by=trust)
    services.save_section(second, "how_to_get", "en", _english(current_app.config["AREA_NAME"])["how_to_get"]
                          + "\n\nYou can also ask your child’s school or family hub to help you book.", by=trust)
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
    return {"statement versions": 2}


def _user(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email))


def _next_march(today: date) -> date:
    """The end of next financial year: the statement is reviewed every year with families."""
    year = today.year + 1 if today.month > 3 else today.year
    return date(year + 1, 3, 31)
