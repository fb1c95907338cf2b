"""The translation catalogs: extract every marked string, bring each language's catalog up to date, compile
them, and check that each shipped language is complete (``flask --app portal translations check``, which
``.ci/run`` runs, and ``tests/test_i18n_catalogs.py``).

The same steps by hand are in the README ("Languages"); they are pybabel commands with these arguments."""
from __future__ import annotations

import io
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from .i18n import LANGUAGES, TRANSLATIONS

ROOT = TRANSLATIONS.parent
TEMPLATE = TRANSLATIONS / "messages.pot"
KEYWORDS = ["N_", "_l", "lazy_gettext", "lazy_ngettext:1,2"]  # on top of pybabel's own (_, gettext, ngettext...)
EXTRACT = ["extract", "-F", str(ROOT / "babel.cfg"), *[f"-k{k}" for k in KEYWORDS], "--no-location",
           "--sort-output", "--project", "Short Breaks Portal", "--copyright-holder", "Birmingham City Council",
           "--msgid-bugs-address", "short-breaks@example.gov.uk"]


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def shipped() -> list[str]:
    """The locale folder of every language the portal ships other than English."""
    return [language.locale for language in LANGUAGES.values() if language.code != "en"]


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def extract(to: Path = TEMPLATE) -> None:
    _pybabel(*EXTRACT, "-o", str(to), str(ROOT))


def update() -> None:
    """Extract, then add new messages to every language's catalog (as untranslated) and drop gone ones."""
    extract()
    for locale in shipped():
        if catalog_path(locale).exists():
            _pybabel("update", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", locale,
                     "--ignore-obsolete", "--no-fuzzy-matching")
        else:
            _pybabel("init", "-i", str(TEMPLATE), "-d", str(TRANSLATIONS), "-l", locale)


def compile_all() -> None:
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def _read(path: Path, locale: str | None = None):
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def problems() -> list[str]:
    """Everything that stops the catalogs being shipped, in plain words; empty when all is well."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        current = _ids(_read(fresh))
        committed = _ids(_read(TEMPLATE)) if TEMPLATE.exists() else set()
        if current != committed:
            found.append(f"translations/messages.pot is out of date ({len(current - committed)} new, "
                         f"{len(committed - current)} gone): run flask --app portal translations update")
        for locale in shipped():
            path = catalog_path(locale)
            if not path.exists():
                found.append(f"{locale}: no catalog at {path.relative_to(ROOT)}")
                continue
            catalog = _read(path, locale)
            ids = _ids(catalog)
            if ids != current:
                found.append(f"{locale}: catalog out of date ({len(current - ids)} missing, {len(ids - current)} gone)")
            untranslated = [m.id for m in catalog if m.id and not all(m.string if isinstance(m.string, tuple)
                                                                       else [m.string])]
            if untranslated:
                found.append(f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[0]!r}")
            fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
            if fuzzy:
                found.append(f"{locale}: {len(fuzzy)} fuzzy, e.g. {fuzzy[0]!r}")
            for message, errors in catalog.check():
                found.append(f"{locale}: {message.id!r}: {'; '.join(str(e) for e in errors)}")
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            mo = path.with_suffix(".mo")
            if not mo.exists() or mo.read_bytes() != compiled.getvalue():
                found.append(f"{locale}: messages.mo is not compiled from messages.po: run flask --app portal "
                             "translations compile")
    return found

