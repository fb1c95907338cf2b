"""Forms for accounts, children, searching, booking and assessments."""
from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovDateInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from .models import NEEDS, SupportLevel
from .timeutil import age_on


class MultiCheckboxField(SelectMultipleField):
    widget = GovCheckboxesInput()
    not_a_choice = "Select from the options shown"

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(self.not_a_choice) from None

    def pre_validate(self, form):
        if any(value not in {c[0] for c in self.choices} for value in self.data or []):
            raise ValidationError(self.not_a_choice)


class FamilyChildrenField(MultiCheckboxField):
    """The family's own children: anyone else's (a tampered form, an old page) is refused and said plainly."""

    not_a_choice = "You can only book for children on your account. Choose from the children listed"


class _SingleChoice:
    """Plain-English errors for a single choice, whatever value was posted."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Select one of the options") from None

    def pre_validate(self, form):
        if self.data not in {c[0] for c in self.choices}:
            raise ValidationError("Select one of the options")


class PlainRadioField(_SingleChoice, RadioField):
    widget = GovRadioInput()


class PlainSelectField(_SingleChoice, SelectField):
    widget = GovSelect()


class RealDateField(DateField):
    """A GOV.UK date input (day, month, year) that says plainly when the date does not exist."""

    widget = GovDateInput()

    def process_formdata(self, valuelist):
        # Always day, month and year, whatever was posted, so the three boxes can show it back.
        self.raw_data = valuelist = (list(valuelist) + ["", "", ""])[:3]
        if not any(v.strip() for v in valuelist):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(v.strip().zfill(2) for v in valuelist)])
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2015") from None


class RegisterForm(FlaskForm):
    account_type = PlainRadioField(
        "Who is this account for?",
        choices=[("parent_carer", "I am a parent or carer of a disabled child or young person"),
                 ("young_person", "I am a young person aged 16 to 25 booking for myself")],
        default="parent_carer",
        validators=[InputRequired(message="Select who this account is for")],
        widget=GovRadioInput(),
    )
    name = StringField("Your full name", validators=[InputRequired(message="Enter your full name"), Length(max=120)],
                       widget=GovTextInput())
    email = EmailField("Email address", validators=[InputRequired(message="Enter your email address"),
                                                    Email(message="Enter an email address in the correct format, like name@example.com")],
                       widget=GovTextInput(), description="We will send booking confirmations here.")
    password = PasswordField(
        "Create a password",
        validators=[InputRequired(message="Create a password"),
                    Length(min=10, max=200, message="Your password must be at least 10 characters long")],
        widget=GovPasswordInput(),
        description="At least 10 characters. A few random words together are easy to remember and hard to guess.",
    )
    confirm = PasswordField("Type your password again",
                            validators=[InputRequired(message="Type your password again"),
                                        EqualTo("password", message="The passwords do not match")],
                            widget=GovPasswordInput())
    submit = SubmitField("Create account", widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired(message="Enter your email address")],
                       widget=GovTextInput())
    password = PasswordField("Password", validators=[InputRequired(message="Enter your password")],
                             widget=GovPasswordInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = EmailField("Email address", validators=[InputRequired(message="Enter your email address"),
                                                    Email(message="Enter an email address in the correct format, like name@example.com")],
                       widget=GovTextInput())
    submit = SubmitField("Send me a reset link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        validators=[InputRequired(message="Enter a new password"),
                    Length(min=10, max=200, message="Your password must be at least 10 characters long")],
        widget=GovPasswordInput(),
    )
    confirm = PasswordField("Type your new password again",
                            validators=[InputRequired(message="Type your new password again"),
                                        EqualTo("password", message="The passwords do not match")],
                            widget=GovPasswordInput())
    submit = SubmitField("Change password", widget=GovSubmitInput())


class ChildForm(FlaskForm):
    first_name = StringField("First name", validators=[InputRequired(message="Enter their first name"), Length(max=80)],
                             widget=GovTextInput())
    last_name = StringField("Last name", validators=[InputRequired(message="Enter their last name"), Length(max=80)],
                            widget=GovTextInput())
    date_of_birth = RealDateField("Date of birth", format="%d %m %Y",
                                  validators=[InputRequired(message="Enter their date of birth")],
                                  description="For example, 27 3 2015")
    needs = MultiCheckboxField("What are their needs?", choices=list(NEEDS.items()),
                               description="Select all that apply. This helps us show breaks that suit them.")
    needs_notes = TextAreaField("Anything else providers should know about their needs (optional)",
                                validators=[Optional(), Length(max=2000)], widget=GovTextArea())
    has_ehc_plan = PlainRadioField("Do they have an education, health and care (EHC) plan?",
                              choices=[("yes", "Yes"), ("no", "No")],
                              validators=[InputRequired(message="Select yes if they have an EHC plan")],
                              widget=GovRadioInput())
    support_level = PlainRadioField("What support do they need at a break?",
                               choices=[(s.value, s.label) for s in SupportLevel],
                               default=SupportLevel.GROUP.value,
                               validators=[InputRequired(message="Select the support they need")],
                               widget=GovRadioInput())
    locality_id = PlainSelectField("Which area do you live in?", coerce=int, widget=GovSelect(),
                              validators=[InputRequired(message="Select the area you live in")])
    postcode = StringField("Postcode (optional)", validators=[Optional(), Length(max=10)], widget=GovTextInput())
    emergency_contact = StringField("Emergency contact name and phone number",
                                    validators=[InputRequired(message="Enter an emergency contact"), Length(max=200)],
                                    widget=GovTextInput(), description="Providers see this only when your child is booked with them.")
    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, *args, today: date | None = None, account_holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today or date.today()
        self._account_holder = account_holder

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        if field.data > self._today:
            raise ValidationError("Date of birth must be today or in the past")
        if field.data.year < self._today.year - 26:
            raise ValidationError("Short breaks are for children and young people aged up to 25")
        if self._account_holder and not 16 <= age_on(field.data, self._today) <= 25:
            raise ValidationError("You can hold your own account if you are aged 16 to 25. "
                                  "If you are younger, ask your parent or carer to book for you")

    def validate_needs(self, field):
        if any(code not in NEEDS for code in field.data or []):
            raise ValidationError("Select needs from the list")


class BookingForm(FlaskForm):
    children = FamilyChildrenField("Who is the place for?", coerce=int,
                                  validators=[InputRequired(message="Select who the place is for")])
    carer_places = PlainSelectField("Carer places", coerce=int, widget=GovSelect(), default=0,
                               description="Some breaks need a parent or carer to come too. A carer place is free.")
    funding = PlainRadioField("How will you pay?", widget=GovRadioInput(),
                         validators=[InputRequired(message="Select how you will pay")])
    declared = BooleanField("I confirm that the children I have chosen meet the criteria for this break",
                            widget=GovCheckboxInput())
    submit = SubmitField("Confirm booking", widget=GovSubmitInput())


class WaitingListForm(FlaskForm):
    children = FamilyChildrenField("Who would the places be for?", coerce=int,
                                  validators=[InputRequired(message="Select who the places are for")])
    carer_places = PlainSelectField("Carer places", coerce=int, widget=GovSelect(), default=0)
    declared = BooleanField("I confirm that the children I have chosen meet the criteria for this break",
                            widget=GovCheckboxInput())
    submit = SubmitField("Join the waiting list", widget=GovSubmitInput())


class AcceptOfferForm(FlaskForm):
    funding = PlainRadioField("How will you pay?", widget=GovRadioInput(),
                         validators=[InputRequired(message="Select how you will pay")])
    declared = BooleanField("I confirm that the children I have chosen meet the criteria for this break",
                            widget=GovCheckboxInput())
    submit = SubmitField("Accept the place", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button with CSRF protection, for an action with nothing to fill in (cancelling, leaving, publishing)."""


class AssessmentRequestForm(FlaskForm):
    child_id = PlainRadioField("Who is the assessment for?", coerce=int, widget=GovRadioInput(),
                          validators=[InputRequired(message="Select who the assessment is for")])
    message = TextAreaField("Tell us what help you are looking for",
                            validators=[InputRequired(message="Tell us what help you are looking for"), Length(max=4000)],
                            widget=GovTextArea())
    submit = SubmitField("Ask for an assessment", widget=GovSubmitInput())


class AssessmentDecisionForm(FlaskForm):
    status = PlainRadioField("Outcome of the assessment", choices=[("approved", "Specialist short breaks are needed"),
                                                               ("refused", "Specialist short breaks are not needed")],
                        widget=GovRadioInput(), validators=[InputRequired(message="Select the outcome")])
    reason = TextAreaField("Reasons", description="The family will see these reasons.",
                           validators=[InputRequired(message="Give the reasons for the decision"), Length(max=4000)],
                           widget=GovTextArea())
    review_on = RealDateField("Review date (optional)", format="%d %m %Y", validators=[Optional()])
    submit = SubmitField("Record the decision", widget=GovSubmitInput())
