"""Which of the portal's languages the statement is written in (``statements.models.LANGUAGES``).

The portal chooses the page's language (``portal.i18n``), and a page showing the statement is wholly in it: the
fixed words come from the catalogs, and each section is shown in that language when the commissioners have
written it in it, and in English otherwise (marked as not translated yet). The PDFs are made in each language
the statement is written in."""
from __future__ import annotations

from portal.i18n import TRANSLATIONS, current_language, in_language
from portal.i18n import language as portal_language

from .models import LANGUAGES

__all__ = ["TRANSLATIONS", "direction", "in_language", "language_asked_for", "page_language"]


def language_asked_for(value: str | None) -> str:
    """One of LANGUAGES: the one asked for if the statement is written in it, otherwise English."""
    return value if value in LANGUAGES else "en"


def page_language() -> str:
    """The page's language (portal.i18n): the statement shows its sections in it where they are written in it."""
    return current_language().code


def direction(language: str) -> str:
    return portal_language(language).direction
