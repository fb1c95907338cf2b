"""What the statement area can do. So far: say what changed between two versions of the statement."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .document import SECTIONS
from .models import Statement


@dataclass
class Changes:
    sections: list[dict] = field(default_factory=list)  # {"title", "removed": [...], "added": [...]}
    offers_added: list[str] = field(default_factory=list)
    offers_removed: list[str] = field(default_factory=list)
    facts: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)

    @property
    def nothing(self) -> bool:
        return not (self.sections or self.offers_added or self.offers_removed or self.facts)


def _paragraphs(text: str | None) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").replace("\r\n", "\n").split("\n\n") if p.strip()]


def _offer_names(statement: Statement) -> set[str]:
    offers = (statement.range_snapshot or {}).get("offers", [])
    return {f'{o["title"]} ({o["provider"]})' for o in offers}


def changes_between(older: Statement, newer: Statement, language: str = "en") -> Changes:
    """The English text of each section, paragraph by paragraph; breaks added to or gone from the range; and
    the dates and names on the front page."""
    changes = Changes()
    for spec in SECTIONS:
        before, after = _paragraphs(older.text(spec.key, language)), _paragraphs(newer.text(spec.key, language))
        if before == after:
            continue
        removed, added = [], []
        for op, a1, a2, b1, b2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if op in ("replace", "delete"):
                removed += before[a1:a2]
            if op in ("replace", "insert"):
                added += after[b1:b2]
        changes.sections.append({"title": spec.title, "removed": removed, "added": added})
    old_offers, new_offers = _offer_names(older), _offer_names(newer)
    changes.offers_added = sorted(new_offers - old_offers, key=str.casefold)
    changes.offers_removed = sorted(old_offers - new_offers, key=str.casefold)
    for label, name in (("Title", "title"), ("Review date", "review_on"), ("Written by", "written_by"),
                        ("Approved by", "approved_by")):
        before, after = getattr(older, name), getattr(newer, name)
        if before != after:
            changes.facts.append((label, str(before or "Not set"), str(after or "Not set")))
    return changes
