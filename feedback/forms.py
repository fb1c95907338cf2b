"""Forms for feedback: the family's (standard and easy-read share one), the provider's reply, hiding a comment."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import MultiCheckboxField, PlainRadioField, plain_text

from .services import CARER_OUTCOMES, CHILD_OUTCOMES, RATINGS

COMMENT_LENGTH = 1000
REPLY_LENGTH = 1000


class RatingField(PlainRadioField):
    def pre_validate(self, form):
        if self.data not in {c[0] for c in self.choices}:
            raise ValidationError(_("Choose how the break went"))


class FeedbackForm(FlaskForm):
    rating = RatingField(_l("How did the break go?"), coerce=int)
    child_outcomes = MultiCheckboxField(_l("What did your child get from it?"),
                                        description=_l("Choose all that apply."))
    carer_outcomes = MultiCheckboxField(_l("What did it give you, as a parent carer?"),
                                        description=_l("Choose all that apply."))
    comment = TextAreaField(
        _l("Anything else you want to say? (optional)"),
        description=_l("Other families may read this on the break’s page, without your name. Please do not write "
                       "anyone’s name."),
        validators=[Optional(), Length(max=COMMENT_LENGTH, message=_l("Your comment must be 1,000 characters or "
                                                                      "fewer"))],
        filters=[plain_text], widget=GovCharacterCount())
    submit = SubmitField(_l("Send"), widget=GovSubmitInput())

    def __init__(self, *args, young_person: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rating.choices = [(k, _(v)) for k, v in RATINGS.items()]
        self.child_outcomes.choices = [(k, _(v)) for k, v in CHILD_OUTCOMES.items()]
        self.carer_outcomes.choices = [(k, _(v)) for k, v in CARER_OUTCOMES.items()]
        if young_person:
            self.child_outcomes.label.text = _("What did you get from it?")
            del self.carer_outcomes


class ReplyForm(FlaskForm):
    reply = TextAreaField(
        _l("Your reply"),
        description=_l("Anyone can read it on the break’s page, under the family’s comment. Do not name the child "
                       "or their family, or say anything that would tell others who they are."),
        validators=[DataRequired(message=_l("Write your reply")),
                    Length(max=REPLY_LENGTH, message=_l("Your reply must be 1,000 characters or fewer"))],
        filters=[plain_text], widget=GovCharacterCount())
    submit = SubmitField(_l("Publish the reply"), widget=GovSubmitInput())


class HideForm(FlaskForm):
    reason = TextAreaField(
        _l("Why are you hiding this comment?"),
        description=_l("The provider sees this reason. The rating still counts."),
        validators=[DataRequired(message=_l("Say why you are hiding this comment")),
                    Length(max=500, message=_l("The reason must be 500 characters or fewer"))],
        filters=[plain_text], widget=GovCharacterCount())
    submit = SubmitField(_l("Hide the comment"), widget=GovSubmitInput())
