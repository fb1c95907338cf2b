"""Every string a person sees is marked for translation, and every shipped language translates all of them.

The unmarked-string finder is tests/unmarked.py; the catalog checks are portal/catalogs.py (also run by
``flask --app portal translations check`` in .ci/run)."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from portal import catalogs
from portal.i18n import LANGUAGES
from tests import unmarked


def test_every_string_a_person_sees_is_marked_for_translation(app):
    found = unmarked.everything_unmarked(app.jinja_env)
    assert not found, f"{len(found)} strings are not marked for translation:\n" + "\n".join(map(str, found[:50]))


@pytest.mark.parametrize("source, caught", [
    ('<p>Book a place</p>', ["Book a place"]),
    ('<p>{{ _("Book a place") }}</p>', []),
    ('{% trans %}Book a place{% endtrans %}', []),
    ('<img alt="A child on a swing" src="x.png">', ["A child on a swing"]),
    ('{{ govukButton({"text": "Save", "classes": "govuk-button--secondary"}) }}', ["Save"]),
    ('{{ govukButton({"text": _("Save"), "classes": "govuk-button--secondary"}) }}', []),
    ('<a class="govuk-link" href="{{ url_for("auth.sign_in") }}">{{ _("Sign in") }}</a>', []),
    ('{% if request.endpoint == "auth.sign_in" %}x{% endif %}', []),
    ('<span class="{{ classes }} govuk-tag">{{ tag }}</span>', []),
])
def test_the_finder_catches_unmarked_template_text_and_nothing_else(app, tmp_path, source, caught):
    page = tmp_path / "probe.html"
    page.write_text(source)
    assert [u.text for u in unmarked.unmarked_in_template(app.jinja_env, page)] == caught


@pytest.mark.parametrize("source, caught", [
    ('flash("Your booking is cancelled.")', ["Your booking is cancelled."]),
    ('flash(_("Your booking is cancelled."))', []),
    ('raise DomainError(f"Only {left} left on this session.")', ["Only  left on this session."]),
    ('label = StringField("First name")', ["First name"]),
    ('label = StringField(_l("First name"))', []),
    ('NEEDS = {"autism": N_("Autism")}', []),
    ('NEEDS = {"autism": "Autism"}', ["Autism"]),
    ('log.info("Sent the reminder emails")', []),
    ('raise ValueError("bad pence value")', []),
    ('reason = "Cancelled by the family"  # i18n: not shown (stored in the audit trail)', []),
])
def test_the_finder_catches_unmarked_python_strings(tmp_path, source, caught):
    probe = tmp_path / "probe.py"
    probe.write_text(textwrap.dedent(source) + "\n")
    assert [u.text for u in unmarked.unmarked_in_python(probe)] == caught


def test_the_catalogs_are_up_to_date_and_every_shipped_language_is_complete():
    found = catalogs.problems()
    assert not found, "\n".join(found)


def test_six_languages_ship_and_three_read_right_to_left():
    assert list(LANGUAGES) == ["en", "ur", "pa-Arab", "bn", "ar", "pl"]
    assert {code for code, language in LANGUAGES.items() if language.rtl} == {"ur", "pa-Arab", "ar"}


def test_every_area_that_marks_strings_is_extracted():
    """A package whose Python marks strings for translation is listed in babel.cfg, or its strings never reach the
    catalogs and are shown in English in every language (as calendars', privacy's and audit's once were)."""
    root = Path(catalogs.__file__).resolve().parent.parent
    listed = set(re.findall(r"^\[python: (\w+)/\*\*\.py\]", (root / "babel.cfg").read_text(), re.MULTILINE))
    marks = re.compile(r"(?<![\w.])(_|_l|N_|gettext|lazy_gettext|ngettext)\(\s*['\"]")
    marking = {path.parent.name for path in root.glob("*/*.py")
               if path.parent.name not in ("tests", "benchmarks", "migrations") and marks.search(path.read_text())}
    assert marking - listed == set(), "add these packages to babel.cfg"
