"""Forms for writing the statement (its details and sections) and for the consultation (comments, replies)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.forms import PlainSelectField, RealDateField
from portal.timeutil import london_today

from .services import MAX_COMMENT_CHARACTERS, MAX_SECTION_CHARACTERS, SECTIONS


class DetailsForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Enter the statement’s title"),
                                             Length(max=200, message="The title can be at most 200 characters")],
                        widget=GovTextInput())
    review_on = RealDateField("Review date", format="%d %m %Y", validators=[Optional()],
                              description="When the statement will next be reviewed with families. For example, "
                                          "31 3 2028")
    written_by = StringField("Written by", validators=[Length(max=300, message="This can be at most 300 characters")],
                             widget=GovTextInput(), description="Names and roles, for example "
                                                                "“Sam Patel, short breaks commissioner”.")
    approved_by = StringField("Approved by",
                              validators=[Length(max=300, message="This can be at most 300 characters")],
                              widget=GovTextInput(), description="Who signed it off, for example "
                                                                 "“Cabinet Member for Children”.")
    approved_on = RealDateField("Date approved", format="%d %m %Y", validators=[Optional()],
                                description="Leave it empty until the statement has been approved. For example, "
                                            "27 3 2027")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_approved_on(self, field):
        if field.data and not (self.approved_by.data or "").strip():
            raise ValidationError("Say who approved the statement, or remove the date approved")
        if field.data and field.data > london_today():
            raise ValidationError("The date approved must be today or in the past. Leave it empty until the "
                                  "statement has been approved")


class SectionForm(FlaskForm):
    body = TextAreaField("Text", widget=GovTextArea(),
                         validators=[Length(max=MAX_SECTION_CHARACTERS,
                                            message=f"A section can be at most {MAX_SECTION_CHARACTERS:,} characters")],
                         description="Leave a blank line between paragraphs. Start each line of a list with “- ”.")
    submit = SubmitField("Save", widget=GovSubmitInput())


class CommentForm(FlaskForm):
    section = PlainSelectField("Which part of the statement is your comment about?",
                               choices=[("", "The whole statement")] + [(s.key, s.title) for s in SECTIONS],
                               default="")
    body = TextAreaField("Your comment", widget=GovTextArea(),
                         validators=[DataRequired(message="Enter your comment"),
                                     Length(max=MAX_COMMENT_CHARACTERS,
                                            message=f"Your comment can be at most {MAX_COMMENT_CHARACTERS:,} characters")],
                         description="Other families will see your comment and our reply, but not your name.")
    submit = SubmitField("Send your comment", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = TextAreaField("Your reply", widget=GovTextArea(),
                          validators=[DataRequired(message="Enter your reply"),
                                      Length(max=MAX_COMMENT_CHARACTERS,
                                             message=f"A reply can be at most {MAX_COMMENT_CHARACTERS:,} characters")],
                          description="Say what you changed, or why you did not. Families see this beside their comment.")
    submit = SubmitField("Save the reply", widget=GovSubmitInput())
