"""The forms staff use on a young person's transition page."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea
from wtforms import SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms import PlainRadioField, PlainSelectField, RealDateField
from portal.timeutil import london_today

from .models import PROGRESS_LABELS, Outcome, Progress, Stage

DATE_HINT = _l("For example, 27 3 2027")


def _not_in_future(form, field):
    if field.data is not None and field.data > london_today():
        raise ValidationError(_("The date must be today or in the past"))


class StageForm(FlaskForm):
    stage = PlainRadioField(_l("Which stage has the young person reached?"),
                            validators=[InputRequired(message=_l("Select the stage"))])
    done_on = RealDateField(_l("When was it done?"), format="%d %m %Y", description=DATE_HINT,
                            validators=[InputRequired(message=_l("Enter the date it was done")), _not_in_future])
    note = TextAreaField(_l("Notes"), description=_l("What was done, and anything the next team should know."),
                         validators=[InputRequired(message=_l("Enter a note about this stage")), Length(max=4000)],
                         widget=GovTextArea())
    submit = SubmitField(_l("Record the stage"), widget=GovSubmitInput())

    def __init__(self, stages: list[Stage], next_stage: Stage | None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stage.choices = [(stage.value, stage.label) for stage in stages]
        if not self.is_submitted() and next_stage is not None:
            self.stage.data = next_stage.value


# Each outcome's questions, whole, for translators.
PROGRESS_QUESTIONS = {
    Outcome.EMPLOYMENT: _l("Progress towards employment"),
    Outcome.INDEPENDENT_LIVING: _l("Progress towards independent living"),
    Outcome.COMMUNITY: _l("Progress with friends, relationships and community"),
    Outcome.HEALTH: _l("Progress towards good health"),
}
PROGRESS_MISSING = {
    Outcome.EMPLOYMENT: _l("Select the progress towards employment"),
    Outcome.INDEPENDENT_LIVING: _l("Select the progress towards independent living"),
    Outcome.COMMUNITY: _l("Select the progress with friends, relationships and community"),
    Outcome.HEALTH: _l("Select the progress towards good health"),
}
NOTE_LABELS = {
    Outcome.EMPLOYMENT: _l("Notes on employment"),
    Outcome.INDEPENDENT_LIVING: _l("Notes on independent living"),
    Outcome.COMMUNITY: _l("Notes on friends, relationships and community"),
    Outcome.HEALTH: _l("Notes on good health"),
}


class PfaReviewForm(FlaskForm):
    held_on = RealDateField(_l("When was the review held?"), format="%d %m %Y", description=DATE_HINT,
                            validators=[InputRequired(message=_l("Enter the date of the review")), _not_in_future])

    def progress(self) -> dict[Outcome, tuple[Progress, str]]:
        return {outcome: (Progress(self[f"{outcome.value}_progress"].data), self[f"{outcome.value}_note"].data or "")
                for outcome in Outcome}

    def outcome_fields(self):
        return [(outcome, self[f"{outcome.value}_progress"], self[f"{outcome.value}_note"]) for outcome in Outcome]


for _outcome in Outcome:
    setattr(PfaReviewForm, f"{_outcome.value}_progress", PlainRadioField(
        PROGRESS_QUESTIONS[_outcome], choices=[(level.value, _l(PROGRESS_LABELS[level])) for level in Progress],
        validators=[InputRequired(message=PROGRESS_MISSING[_outcome])]))
    setattr(PfaReviewForm, f"{_outcome.value}_note", TextAreaField(
        NOTE_LABELS[_outcome], validators=[Length(max=4000)], widget=GovTextArea()))
PfaReviewForm.submit = SubmitField(_l("Record the review"), widget=GovSubmitInput())


class OwnerForm(FlaskForm):
    owner = PlainSelectField(_l("Who owns this young person’s transition?"), coerce=int,
                             description=_l("A member of the children’s trust’s or adult social care’s staff. They "
                                            "are emailed when a stage is overdue."),
                             validators=[InputRequired(message=_l("Choose who owns it"))])
    submit = SubmitField(_l("Save the owner"), widget=GovSubmitInput())
