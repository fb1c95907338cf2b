"""Finds English that leaked into a page or email in another language: any catalog message (its English msgid)
that appears in the text although the language translates it differently.

Text marked ``lang="en"`` (what providers and commissioners wrote, shown as written) is left out by the caller;
people's and places' names are not catalog messages, so they never count."""
from __future__ import annotations

import re
from functools import lru_cache

from babel.messages.pofile import read_po

from portal.catalogs import catalog_path
from portal.i18n import LANGUAGES

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%|<[^>]+>")
# Words the same in English and in these languages' pages on purpose (brand names, abbreviations).
SAME_EVERYWHERE = {"GOV.UK", "PDF", "CSV", "API", "Stripe", "SENDIASS", "EHC"}


@lru_cache(maxsize=None)
def _english_fragments(code: str) -> tuple[tuple[str, re.Pattern], ...]:
    """Each English fragment (a msgid cut at its placeholders) that this language translates differently."""
    language = LANGUAGES[code]
    with open(catalog_path(language.locale), "rb") as f:
        catalog = read_po(f, locale=language.locale)
    fragments: dict[str, re.Pattern] = {}
    # English the translators kept on purpose inside their own words (a proper name such as "Children's Trust"
    # or "Local Offer") is not a leak when it shows.
    kept = "\n".join(s for m in catalog if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,)))
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if set(ids) & set(strings):
            continue  # kept as it is on purpose (a name, an abbreviation)
        for msgid in ids:
            for piece in PLACEHOLDER.split(msgid):
                piece = piece.strip(" .,:;()–-\n")
                pattern = re.compile(r"(?<![A-Za-z])" + re.escape(piece) + r"(?![A-Za-z])")
                if (re.search(r"[A-Za-z]{2,}", piece) and piece not in SAME_EVERYWHERE and len(piece) > 2
                        and not pattern.search(kept)):
                    fragments[piece] = pattern
    return tuple(sorted(fragments.items(), key=lambda item: -len(item[0])))


def english_leaks(text: str, code: str) -> list[str]:
    """The English catalog messages found in ``text``, a page or email that should be in ``code``."""
    if code == "en":
        return []
    found = []
    for fragment, pattern in _english_fragments(code):
        if pattern.search(text):
            found.append(fragment)
            text = pattern.sub(" ", text)  # a long message found is not found again as its shorter parts
    return found

