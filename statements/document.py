"""The statement as a document: its sections in order, the range generated from the live published offer,
and the HTML and PDF it is rendered to (the same HTML for the page and, through WeasyPrint, the PDF)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from providers.models import Offer, OfferStatus, Provider, ProviderStatus, Tier

from .models import Statement


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str
    required: bool = True
    hint: str = ""


SECTIONS: list[SectionSpec] = [
    SectionSpec("introduction", "Introduction"),
    SectionSpec("carers_needs", "How the range of breaks meets carers' needs",
                hint="Carers who could not go on caring without breaks, and carers who could care better with time to "
                     "work, study, rest or look after their other children."),
    SectionSpec("eligibility_universal", "Who can use universal breaks"),
    SectionSpec("eligibility_targeted", "Who can use targeted breaks"),
    SectionSpec("eligibility_specialist", "Who can use specialist breaks",
                hint="Include how to ask for an assessment and how to ask for an exception."),
    SectionSpec("how_to_get", "How to get each kind of break"),
    SectionSpec("budgets", "Personal budgets and direct payments"),
    SectionSpec("consultation", "How families were consulted: you said, we did"),
    SectionSpec("comments", "How to comment, complain or appeal"),
    SectionSpec("copies", "Copies and other formats"),
]
SECTION_KEYS = [s.key for s in SECTIONS]
ELIGIBILITY_KEYS = {Tier.UNIVERSAL: "eligibility_universal", Tier.TARGETED: "eligibility_targeted",
                    Tier.SPECIALIST: "eligibility_specialist"}


def build_range() -> dict:
    """The published offer, as plain data (so a published version can keep it exactly as it was)."""
    offers = db.session.scalars(
        select(Offer).join(Provider).options(joinedload(Offer.provider), joinedload(Offer.locality))
        .where(Offer.status == OfferStatus.PUBLISHED, Provider.status == ProviderStatus.APPROVED)
        .order_by(Offer.tier, Offer.title, Offer.id)
    ).all()
    return {"offers": [
        {"id": o.id, "title": o.title, "tier": o.tier.value, "category": o.category.value,
         "provider": o.provider.name, "min_age": o.min_age, "max_age": o.max_age, "locality": o.locality.name,
         "cost": o.cost_in_words}
        for o in offers
    ]}


def document_html(statement: Statement, language: str = "en", *, for_pdf: bool = False) -> str:
    statement_range = statement.range_snapshot if statement.range_snapshot is not None else build_range()
    return render_template("statements/document.html", statement=statement, language=language, sections=SECTIONS,
                           statement_range=statement_range, for_pdf=for_pdf)


def render_pdf(statement: Statement, language: str = "en") -> bytes:
    from weasyprint import HTML

    return HTML(string=document_html(statement, language, for_pdf=True)).write_pdf(pdf_variant="pdf/ua-1")
