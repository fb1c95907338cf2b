"""The portal's own vocabularies, published as Open Referral taxonomies: the tiers of the graduated model, the
needs an offer supports, the accessibility features of its venue and the kinds of break. Names are the English
words the portal shows (the catalogs' message ids); ids are stable (see ids.py)."""
from __future__ import annotations

from dataclasses import dataclass

from portal.models import ACCESSIBILITY, NEEDS
from providers.models import CATEGORY_LABELS, TIER_LABELS, Offer, Tier

from .ids import vocabulary_id

VERSION = "1"

TIER, NEED, ACCESSIBILITY_FEATURE, CATEGORY = "tier", "need", "accessibility", "category"

TIER_DESCRIPTIONS = {
    Tier.UNIVERSAL: "Open to every disabled child and young person: no assessment and no referral.",  # i18n: not shown (machine-readable feed)
    Tier.TARGETED: "For children and young people who meet the break's published criteria, without a social care "  # i18n: not shown (machine-readable feed)
                   "assessment. A family who does not meet them can still ask for an assessment.",  # i18n: not shown (machine-readable feed)
    Tier.SPECIALIST: "Arranged after a social care assessment by the children's trust, and paid from the child's "  # i18n: not shown (machine-readable feed)
                     "personal budget or direct payment.",  # i18n: not shown (machine-readable feed)
}


@dataclass(frozen=True)
class Term:
    taxonomy_key: str
    code: str
    name: str
    description: str

    @property
    def id(self) -> str:
        return vocabulary_id(self.taxonomy_key, self.code)

    @property
    def taxonomy(self) -> Taxonomy:
        return TAXONOMIES[self.taxonomy_key]


@dataclass(frozen=True)
class Taxonomy:
    key: str
    name: str
    description: str
    terms: tuple[Term, ...]

    @property
    def id(self) -> str:
        return vocabulary_id(self.key)


def _taxonomy(key: str, name: str, description: str, words: dict, descriptions: dict | None = None) -> Taxonomy:
    terms = tuple(Term(key, getattr(code, "value", code), word, (descriptions or {}).get(code, word))
                  for code, word in words.items())
    return Taxonomy(key, name, description, terms)


TAXONOMIES: dict[str, Taxonomy] = {taxonomy.key: taxonomy for taxonomy in (
    _taxonomy(TIER, "Short break tiers",  # i18n: not shown (machine-readable feed)
              "The graduated model: universal, targeted and specialist short breaks, and how each is got.",  # i18n: not shown (machine-readable feed)
              TIER_LABELS, TIER_DESCRIPTIONS),
    _taxonomy(CATEGORY, "Kinds of short break",  # i18n: not shown (machine-readable feed)
              "What the break is: a club, a holiday scheme, care at home, an overnight stay.",  # i18n: not shown (machine-readable feed)
              CATEGORY_LABELS),
    _taxonomy(NEED, "Needs supported",  # i18n: not shown (machine-readable feed)
              "The needs a break's staff and activities are set up for.",  # i18n: not shown (machine-readable feed)
              NEEDS),
    _taxonomy(ACCESSIBILITY_FEATURE, "Accessibility features",  # i18n: not shown (machine-readable feed)
              "What the venue has for disabled children and young people and their carers.",  # i18n: not shown (machine-readable feed)
              ACCESSIBILITY),
)}
TERMS: tuple[Term, ...] = tuple(term for taxonomy in TAXONOMIES.values() for term in taxonomy.terms)
TAXONOMIES_BY_ID = {taxonomy.id: taxonomy for taxonomy in TAXONOMIES.values()}
TERMS_BY_ID = {term.id: term for term in TERMS}
_TERMS_BY_CODE = {(term.taxonomy_key, term.code): term for term in TERMS}


def term(taxonomy_key: str, code: str) -> Term:
    return _TERMS_BY_CODE[(taxonomy_key, code)]


def service_terms(offer: Offer) -> list[Term]:
    """What the service is: its tier, its kind and the needs it supports (accessibility belongs to the location)."""
    return ([term(TIER, offer.tier.value), term(CATEGORY, offer.category.value)]
            + [term(NEED, code) for code in offer.needs])


def accessibility_terms(offer: Offer) -> list[Term]:
    return [term(ACCESSIBILITY_FEATURE, code) for code in offer.features]
