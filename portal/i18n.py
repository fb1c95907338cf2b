"""The languages the portal speaks: Flask-Babel, one gettext catalog per language in ``translations/``.

Every string a person sees is marked for translation: ``_()``/``{% trans %}`` in templates, ``gettext`` and
``lazy_gettext`` in Python, and ``N_()`` for words that live in data tables (tier names, needs, localities),
which are translated where they are shown. ``tests/test_i18n_catalogs.py`` fails on an unmarked string, on a
catalog that is out of date, and on a shipped language with a message left untranslated.

Which language a page is in: ``?lang=`` when a link or the switcher asks for one (it then sticks: in the
session, and on the account when signed in), then the account's language, then the session's, then the
browser's ``Accept-Language``, then English.

To add a language: translate ``translations/messages.pot`` into ``translations/<locale>/LC_MESSAGES/messages.po``
and add one line to ``LANGUAGES`` below (see the README)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from urllib.parse import urlencode

from flask import Flask, has_request_context, request, session
from flask_babel import Babel, force_locale, get_locale, get_translations
from flask_babel import gettext as _gettext
from flask_login import current_user
from jinja2.ext import _make_new_gettext, _make_new_ngettext  # Jinja's own wrappers for i18n callables
from markupsafe import Markup

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "mark now, translate where shown"
    """Marks a word kept in a data table for the catalogs; ``gettext(word)`` translates it where it is shown."""
    return message


@dataclass(frozen=True)
class Language:
    code: str  # what ?lang= and the account store, and the page's lang attribute
    name: str  # the language's name in its own script, as the switcher shows it
    english_name: str
    locale: str  # the Babel locale: its catalog's folder in translations/, its dates, numbers and money
    rtl: bool = False

    @property
    def direction(self) -> str:
        return "rtl" if self.rtl else "ltr"


# Each language's own name is shown as it is, in its own script; the English name is translated where shown.
LANGUAGES: dict[str, Language] = {language.code: language for language in (
    Language("en", "English", N_("English"), "en_GB"),  # i18n: not shown (its own name, the same in every language)
    Language("ur", "اردو", N_("Urdu"), "ur", rtl=True),
    Language("pa-Arab", "پنجابی", N_("Punjabi (Shahmukhi)"), "pa_Arab", rtl=True),
    Language("bn", "বাংলা", N_("Bengali"), "bn"),
    Language("ar", "العربية", N_("Arabic"), "ar", rtl=True),
    Language("pl", "Polski", N_("Polish"), "pl"),  # i18n: not shown (its own name, the same in every language)
)}
ENGLISH = LANGUAGES["en"]

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=ENGLISH.locale, default_translation_directories=str(TRANSLATIONS),
                   default_timezone="Europe/London", locale_selector=_select_locale)
    # {% trans %} blocks collapse their whitespace, so a paragraph can be wrapped in the template.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.before_request(_remember_language)
    app.add_template_filter(translated)
    app.add_template_global(current_language)
    app.add_template_global(LANGUAGES, "LANGUAGES")
    app.add_template_global(url_in_language)
    app.add_template_global(as_written)
    app.context_processor(_translations_for_this_page)


def _translations_for_this_page() -> dict:
    """Each page looks its catalog up once: templates' ``gettext``/``ngettext`` bound to this page's translations.

    Flask-Babel's own template callables find the catalog again for every string (a fifth of an offer page's
    time); these do the same translating, with Jinja's autoescaping and ``%(name)s`` formatting, without that."""
    translations = get_translations()
    return {"gettext": _make_new_gettext(translations.ugettext), "ngettext": _make_new_ngettext(translations.ungettext)}


def language(code: str | None) -> Language:
    """The language with this code if the portal speaks it, otherwise English."""
    return LANGUAGES.get(code or "", ENGLISH)


def _asked_for() -> str | None:
    code = request.args.get("lang")
    return code if code in LANGUAGES else None


def _chosen_code() -> str:
    if not has_request_context():
        return ENGLISH.code
    asked = _asked_for()
    if asked:
        return asked
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    best = request.accept_languages.best_match(list(LANGUAGES) + [code.split("-")[0] for code in LANGUAGES])
    if best == "pa":  # Punjabi asked for without a script: most Birmingham Punjabi speakers read Shahmukhi
        best = "pa-Arab"
    return best if best in LANGUAGES else ENGLISH.code


def _select_locale() -> str:
    return LANGUAGES[_chosen_code()].locale


def current_language() -> Language:
    """The language this page or email is in (follows ``in_language`` blocks too)."""
    locale = str(get_locale() or ENGLISH.locale)
    return next((lang for lang in LANGUAGES.values() if lang.locale == locale), ENGLISH)


def _remember_language() -> None:
    """A language chosen with ``?lang=`` sticks: in the session, and on the account when signed in."""
    asked = _asked_for()
    if not asked:
        return
    if session.get("lang") != asked:
        session["lang"] = asked
    if current_user.is_authenticated and current_user.language != asked:
        # Imported here: the account model's module imports this one's N_ marker.
        from .extensions import db

        current_user.language = asked
        db.session.commit()


def url_in_language(code: str) -> str:
    """This page's address with ``lang`` set: what the switcher links to."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return request.path + "?" + urlencode(args, doseq=True)


def as_written(text: str | None) -> Markup:
    """Text a provider or commissioner wrote (an offer's title), shown as written inside a translated sentence:
    marked English, so a screen reader reads it in an English voice, in its own direction."""
    return Markup('<span lang="en" dir="auto">{}</span>').format(text or "")


def translated(word: str | None) -> str:
    """A word from a data table (marked with ``N_``) in the page's language."""
    return _gettext(word) if word else ""


@contextmanager
def in_language(code: str | None):
    """Text, dates and money in this language until the block ends: an email to someone, a PDF in Urdu."""
    with force_locale(language(code).locale):
        yield
