"""Forms for writing the statement (its details and sections) and for the consultation (comments, replies)."""
from __future__ import annotations

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.formatting import number
from portal.forms import PlainSelectField, RealDateField
from portal.timeutil import london_today

from .services import MAX_COMMENT_CHARACTERS, MAX_SECTION_CHARACTERS, SECTIONS

# The limits, written as numbers are in the reader's language ("20,000") when a message is shown.
SECTION_LIMIT = LazyString(number, MAX_SECTION_CHARACTERS)
COMMENT_LIMIT = LazyString(number, MAX_COMMENT_CHARACTERS)


class DetailsForm(FlaskForm):
    title = StringField(_l("Title"),
                        validators=[DataRequired(message=_l("Enter the statement’s title")),
                                    Length(max=200, message=_l("The title can be at most 200 characters"))],
                        widget=GovTextInput())
    review_on = RealDateField(_l("Review date"), format="%d %m %Y", validators=[Optional()],
                              description=_l("When the statement will next be reviewed with families. For example, "
                                             "31 3 2028"))
    written_by = StringField(_l("Written by"),
                             validators=[Length(max=300, message=_l("This can be at most 300 characters"))],
                             widget=GovTextInput(), description=_l("Names and roles, for example "
                                                                   "“Sam Patel, short breaks commissioner”."))
    approved_by = StringField(_l("Approved by"),
                              validators=[Length(max=300, message=_l("This can be at most 300 characters"))],
                              widget=GovTextInput(), description=_l("Who signed it off, for example "
                                                                    "“Cabinet Member for Children”."))
    approved_on = RealDateField(_l("Date approved"), format="%d %m %Y", validators=[Optional()],
                                description=_l("Leave it empty until the statement has been approved. For example, "
                                               "27 3 2027"))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def validate_approved_on(self, field):
        if field.data and not (self.approved_by.data or "").strip():
            raise ValidationError(_("Say who approved the statement, or remove the date approved"))
        if field.data and field.data > london_today():
            raise ValidationError(_("The date approved must be today or in the past. Leave it empty until the "
                                    "statement has been approved"))


class SectionForm(FlaskForm):
    body = TextAreaField(_l("Text"), widget=GovTextArea(),
                         validators=[Length(max=MAX_SECTION_CHARACTERS,
                                            message=_l("A section can be at most %(limit)s characters",
                                                       limit=SECTION_LIMIT))],
                         description=_l("Leave a blank line between paragraphs. Start each line of a list with "
                                        "“- ”."))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())


class CommentForm(FlaskForm):
    # The sections' titles are marked with N_ where they are listed (statements/document.py).
    section = PlainSelectField(_l("Which part of the statement is your comment about?"),
                               choices=[("", _l("The whole statement"))] + [(s.key, _l(s.title)) for s in SECTIONS],
                               default="")
    body = TextAreaField(_l("Your comment"), widget=GovTextArea(),
                         validators=[DataRequired(message=_l("Enter your comment")),
                                     Length(max=MAX_COMMENT_CHARACTERS,
                                            message=_l("Your comment can be at most %(limit)s characters",
                                                       limit=COMMENT_LIMIT))],
                         description=_l("Other families will see your comment and our reply, but not your name."))
    submit = SubmitField(_l("Send your comment"), widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Your reply"), widget=GovTextArea(),
                          validators=[DataRequired(message=_l("Enter your reply")),
                                      Length(max=MAX_COMMENT_CHARACTERS,
                                             message=_l("A reply can be at most %(limit)s characters",
                                                        limit=COMMENT_LIMIT))],
                          description=_l("Say what you changed, or why you did not. Families see this beside their "
                                         "comment."))
    submit = SubmitField(_l("Save the reply"), widget=GovSubmitInput())
