"""The languages the statement is published in: Flask-Babel with the Urdu and Polish catalogs in translations/.

Only the statement is translated; the rest of the site is in English. The statement pages follow ``?lang=``,
and the document renderer switches language with ``in_language`` (so a PDF in Urdu can be made anywhere,
in a request or in a CLI command)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from flask import Flask, has_request_context, request
from flask_babel import Babel, force_locale

from .models import LANGUAGES, RIGHT_TO_LEFT

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"
# English dates and money are written the British way ("31 March 2026", "£1,234.50").
BABEL_LOCALES = {"en": "en_GB", "ur": "ur", "pl": "pl"}

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale="en_GB", default_translation_directories=str(TRANSLATIONS),
                   default_timezone="Europe/London", locale_selector=select_locale)


def language_asked_for(value: str | None) -> str:
    """One of LANGUAGES: the one asked for if we publish in it, otherwise English."""
    return value if value in LANGUAGES else "en"


def select_locale() -> str:
    if has_request_context() and request.blueprint == "statement":
        return BABEL_LOCALES[language_asked_for(request.args.get("lang"))]
    return BABEL_LOCALES["en"]


def direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT else "ltr"


@contextmanager
def in_language(language: str):
    """Fixed text, dates and money in ``language`` until the block ends."""
    with force_locale(BABEL_LOCALES[language_asked_for(language)]):
        yield
