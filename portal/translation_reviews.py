"""How each language's translation was made, and whether a qualified translator has checked it yet.

Every page in a language other than English says so in its footer, so that a family knows how far to trust
the wording. Commissioners see and change the setting for each language (/commissioning/languages); each
change is kept in the audit trail."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from sqlalchemy import Boolean, Date, Enum, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from .access import role_required
from .extensions import db
from .i18n import LANGUAGES, N_, current_language
from .models import Role, User, record
from .timeutil import UTCDateTime, london_today, utcnow

COMMISSIONERS = (Role.COUNCIL, Role.TRUST, Role.ADMIN)


class HowMade(enum.Enum):
    MACHINE = "machine"
    TRANSLATOR = "translator"
    COMMUNITY = "community"

    @property
    def label(self) -> str:
        return _(HOW_MADE[self])


HOW_MADE = {
    HowMade.MACHINE: N_("Machine translation (a computer language model), made by the portal's developers"),
    HowMade.TRANSLATOR: N_("A qualified translator"),
    HowMade.COMMUNITY: N_("Volunteers from the community who speak the language"),
}


class TranslationReview(db.Model):
    """One row for each language other than English; a language with no row is machine-made and unchecked."""

    __tablename__ = "translation_reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(16), unique=True)
    how_made: Mapped[HowMade] = mapped_column(Enum(HowMade, native_enum=False, length=20), default=HowMade.MACHINE)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def review_of(code: str) -> TranslationReview:
    """The setting for a language: its row, or an unsaved machine-made, unchecked one."""
    found = db.session.scalar(select(TranslationReview).where(TranslationReview.language == code))
    return found or TranslationReview(language=code, how_made=HowMade.MACHINE, reviewed=False)


def change_review(code: str, *, how_made: HowMade, reviewed: bool, reviewed_by: str | None,
                  reviewed_on: date | None, by: User) -> TranslationReview:
    review = review_of(code)
    before = {"how_made": review.how_made.value, "reviewed": review.reviewed}
    review.how_made, review.reviewed = how_made, reviewed
    review.reviewed_by, review.reviewed_on = (reviewed_by, reviewed_on) if reviewed else (None, None)
    review.changed_by_id, review.changed_at = by.id, utcnow()
    db.session.add(review)
    db.session.flush()
    record("translation_review_changed", review, by=by, before=before,
           after={"how_made": how_made.value, "reviewed": reviewed, "reviewed_by": review.reviewed_by,
                  "reviewed_on": reviewed_on.isoformat() if reviewed and reviewed_on else None})
    return review


def footer_note() -> dict | None:
    """What the footer of a page in this language says about its translation (nothing for English)."""
    language = current_language()
    if language.code == "en":
        return None
    review = review_of(language.code)
    return {"how_made": review.how_made.label, "reviewed": review.reviewed, "reviewed_on": review.reviewed_on}


class ReviewForm(FlaskForm):
    how_made = RadioField(_l("How was this translation made?"), widget=GovRadioInput(),
                          choices=[(kind.value, _l(HOW_MADE[kind])) for kind in HowMade],
                          validators=[InputRequired(message=_l("Select how the translation was made"))])
    reviewed = RadioField(_l("Has a qualified translator checked it?"), widget=GovRadioInput(),
                          choices=[("yes", _l("Yes")), ("no", _l("No, not yet"))],
                          validators=[InputRequired(message=_l("Select whether a qualified translator has checked it"))])
    reviewed_by = StringField(_l("Who checked it (optional)"), widget=GovTextInput(),
                              validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


bp = Blueprint("translation_reviews", __name__)


@bp.get("/commissioning/languages")
@role_required(*COMMISSIONERS)
def index():
    rows = [(language, review_of(code)) for code, language in LANGUAGES.items() if code != "en"]
    return render_template("languages/index.html", rows=rows)


@bp.route("/commissioning/languages/<code>", methods=["GET", "POST"])
@role_required(*COMMISSIONERS)
def edit(code: str):
    if code not in LANGUAGES or code == "en":
        return render_template("errors/404.html"), 404
    language, review = LANGUAGES[code], review_of(code)
    form = ReviewForm(data={"how_made": review.how_made.value, "reviewed": "yes" if review.reviewed else "no",
                            "reviewed_by": review.reviewed_by})
    if form.validate_on_submit():
        reviewed = form.reviewed.data == "yes"
        change_review(code, how_made=HowMade(form.how_made.data), reviewed=reviewed,
                      reviewed_by=form.reviewed_by.data or None,
                      reviewed_on=(review.reviewed_on or london_today()) if reviewed else None, by=current_user)
        db.session.commit()
        flash(_("Saved how the %(language)s translation was made.", language=_(language.english_name)), "success")
        return redirect(url_for(".index"))
    return render_template("languages/edit.html", form=form, language=language), 422 if form.errors else 200
