"""Forms for accounts, children, searching, booking and assessments."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
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
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from .i18n import LANGUAGES
from .models import ASSESSMENT_SOURCES, NEEDS, SUPPORT_LEVELS, AssessmentSource, SupportLevel
from .passwords import AcceptablePassword
from .timeutil import age_on, london_today


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value):
    """Drop invisible control characters (PostgreSQL refuses NUL in text) and surrounding spaces."""
    return _CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


class MultiCheckboxField(SelectMultipleField):
    widget = GovCheckboxesInput()
    not_a_choice = _l("Select from the options shown")

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = []
            raise ValueError(str(self.not_a_choice)) from None

    def pre_validate(self, form):
        if any(value not in {c[0] for c in self.choices} for value in self.data or []):
            raise ValidationError(str(self.not_a_choice))


class FamilyChildrenField(MultiCheckboxField):
    """The family's own children: anyone else's (a tampered form, an old page) is refused and said plainly."""

    not_a_choice = _l("You can only book for children on your account. Choose from the children listed")


class _SingleChoice:
    """Plain-English errors for a single choice, whatever value was posted."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_("Select one of the options")) from None

    def pre_validate(self, form):
        if self.data not in {c[0] for c in self.choices}:
            raise ValidationError(_("Select one of the options"))


class PlainRadioField(_SingleChoice, RadioField):
    widget = GovRadioInput()


class YesNoField(PlainRadioField):
    """Yes or no, for a true-or-false column: read from a record as "yes" or "no", so a form that leaves the question
    out (an older page) keeps the record's answer."""

    def process_data(self, value):
        super().process_data("yes" if value is True else "no" if value is False else value)

    def pre_validate(self, form):
        if self.data is not None:  # not answered (nothing chosen, or left out): "no", unless the record said yes
            super().pre_validate(form)


class PlainSelectField(_SingleChoice, SelectField):
    widget = GovSelect()


class DateInput(GovDateInput):
    """GOV.UK's date input with its Day, Month and Year labels in the page's language."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        for item, label in zip(params["items"], (_("Day"), _("Month"), _("Year"))):
            item["label"] = label
        return params


class PasswordInput(GovPasswordInput):
    """GOV.UK's password input with its show and hide button in the page's language."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.update({
            "showPasswordText": _("Show"), "hidePasswordText": _("Hide"),
            "showPasswordAriaLabelText": _("Show password"), "hidePasswordAriaLabelText": _("Hide password"),
            "passwordShownAnnouncementText": _("Your password is visible"),
            "passwordHiddenAnnouncementText": _("Your password is hidden"),
        })
        return params


class RealDateField(DateField):
    """A GOV.UK date input (day, month, year) that says plainly when the date does not exist."""

    widget = DateInput()

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
            raise ValueError(_("%(label)s must be a real date, like 27 3 2015", label=self.label.text)) from None


YES_NO = [("yes", _l("Yes")), ("no", _l("No"))]


def new_password_fields() -> tuple[PasswordField, PasswordField]:
    """A new password and the same typed again, as every form that creates an account asks for them (checked by
    portal.passwords). Unpack into a form's class body: ``password, confirm = new_password_fields()``."""
    password = PasswordField(
        _l("Create a password"), widget=PasswordInput(),
        description=_l("At least 10 characters. A few random words together are easy to remember and hard to guess."),
        validators=[InputRequired(message=_l("Create a password")), AcceptablePassword()])
    confirm = PasswordField(_l("Type your password again"), widget=PasswordInput(),
                            validators=[InputRequired(message=_l("Type your password again")),
                                        EqualTo("password", message=_l("The passwords do not match"))])
    return password, confirm


class RegisterForm(FlaskForm):
    account_type = PlainRadioField(
        _l("Who is this account for?"),
        choices=[("parent_carer", _l("I am a parent or carer of a disabled child or young person")),
                 ("young_person", _l("I am a young person aged 16 to 25 booking for myself"))],
        default="parent_carer",
        validators=[InputRequired(message=_l("Select who this account is for"))],
        widget=GovRadioInput(),
    )
    name = StringField(_l("Your full name"), validators=[InputRequired(message=_l("Enter your full name")), Length(max=120)],
                       widget=GovTextInput())
    email = EmailField(_l("Email address"), validators=[InputRequired(message=_l("Enter your email address")),
                                                    Email(message=_l("Enter an email address in the correct format, like name@example.com"))],
                       widget=GovTextInput(), description=_l("We will send booking confirmations here."))
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())


class AcceptInviteForm(FlaskForm):
    """Accepting an emailed invitation: a provider's colleague, or a young person to their own record."""

    name = StringField(_l("Your full name"),
                       validators=[InputRequired(message=_l("Enter your full name")), Length(max=120)],
                       widget=GovTextInput())
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Create account"), widget=GovSubmitInput())


class InviteYoungPersonForm(FlaskForm):
    email = EmailField(_l("Their email address"),
                       description=_l("Their own email address, not yours. We will send them a link to set a password."),
                       validators=[InputRequired(message=_l("Enter their email address")),
                                   Email(message=_l("Enter an email address in the correct format, like name@example.com"))],
                       widget=GovTextInput())
    submit = SubmitField(_l("Send the invitation"), widget=GovSubmitInput())


class ConsentForm(FlaskForm):
    agree = BooleanField(_l("I agree that my parent or carer can keep seeing and managing my records and bookings"),
                         validators=[DataRequired(message=_l("Tick the box to say you agree"))],
                         widget=GovCheckboxInput())
    submit = SubmitField(_l("Give consent"), widget=GovSubmitInput())


class WithdrawConsentForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing consent? (optional)"), widget=GovTextArea(),
                           description=_l("You do not have to say. Your parent or carer will not see this."),
                           validators=[Optional(), Length(max=1000, message=_l("Reason must be 1,000 characters or fewer"))])
    submit = SubmitField(_l("Withdraw consent"), widget=GovSubmitInput())


class LegalBasisForm(FlaskForm):
    """Staff record why a parent may keep seeing a young adult's record."""

    basis = PlainRadioField(
        _l("What is the basis?"), widget=GovRadioInput(),
        choices=[("consent", _l("The young person gave their consent in person")),
                 ("deputyship", _l("Court of Protection deputyship")),
                 ("appointee", _l("Appointee"))],
        validators=[InputRequired(message=_l("Select the basis"))])
    reference = StringField(_l("Reference"), widget=GovTextInput(),
                            description=_l("The court order's or the appointment's reference. For consent given in "
                                           "person: when, where and to whom."),
                            validators=[InputRequired(message=_l("Enter the reference")),
                                        Length(max=200, message=_l("Reference must be 200 characters or fewer"))])
    reason = TextAreaField(_l("Notes (optional)"), widget=GovTextArea(),
                           validators=[Optional(), Length(max=1000, message=_l("Notes must be 1,000 characters or fewer"))])
    submit = SubmitField(_l("Record the basis"), widget=GovSubmitInput())


class LanguageForm(FlaskForm):
    """The language of the portal's pages and emails for this account (each named in its own script)."""

    language = PlainRadioField(_l("Language"), choices=[(code, lang.name) for code, lang in LANGUAGES.items()],
                               validators=[InputRequired(message=_l("Select a language"))], widget=GovRadioInput())
    submit = SubmitField(_l("Save language"), widget=GovSubmitInput())


class SignInForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(message=_l("Enter your email address"))],
                       widget=GovTextInput())
    password = PasswordField(_l("Password"), validators=[InputRequired(message=_l("Enter your password"))],
                             widget=PasswordInput())
    submit = SubmitField(_l("Sign in"), widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[InputRequired(message=_l("Enter your email address")),
                                                    Email(message=_l("Enter an email address in the correct format, like name@example.com"))],
                       widget=GovTextInput())
    submit = SubmitField(_l("Send me a reset link"), widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[InputRequired(message=_l("Enter a new password")),
                    AcceptablePassword()],
        widget=PasswordInput(),
    )
    confirm = PasswordField(_l("Type your new password again"),
                            validators=[InputRequired(message=_l("Type your new password again")),
                                        EqualTo("password", message=_l("The passwords do not match"))],
                            widget=PasswordInput())
    submit = SubmitField(_l("Change password"), widget=GovSubmitInput())


class ChildForm(FlaskForm):
    first_name = StringField(_l("First name"), validators=[InputRequired(message=_l("Enter their first name")), Length(max=80)],
                             widget=GovTextInput())
    last_name = StringField(_l("Last name"), validators=[InputRequired(message=_l("Enter their last name")), Length(max=80)],
                            widget=GovTextInput())
    date_of_birth = RealDateField(_l("Date of birth"), format="%d %m %Y",
                                  validators=[InputRequired(message=_l("Enter their date of birth"))],
                                  description=_l("For example, 27 3 2015"))
    needs = MultiCheckboxField(_l("What are their needs?"), choices=[(code, _l(word)) for code, word in NEEDS.items()],
                               description=_l("Select all that apply. This helps us show breaks that suit them."))
    needs_notes = TextAreaField(_l("Anything else providers should know about their needs (optional)"),
                                validators=[Optional(), Length(max=2000)], widget=GovTextArea())
    has_ehc_plan = PlainRadioField(_l("Do they have an education, health and care (EHC) plan?"),
                              choices=YES_NO,
                              validators=[InputRequired(message=_l("Select yes if they have an EHC plan"))],
                              widget=GovRadioInput())
    support_level = PlainRadioField(_l("What support do they need at a break?"),
                               choices=[(s.value, _l(SUPPORT_LEVELS[s.value])) for s in SupportLevel],
                               default=SupportLevel.GROUP.value,
                               validators=[InputRequired(message=_l("Select the support they need"))],
                               widget=GovRadioInput())
    locality_id = PlainSelectField(_l("Which area do you live in?"), coerce=int, widget=GovSelect(),
                              validators=[InputRequired(message=_l("Select the area you live in"))])
    postcode = StringField(_l("Postcode (optional)"), validators=[Optional(), Length(max=10)], widget=GovTextInput())
    emergency_contact = StringField(_l("Emergency contact name and phone number"),
                                    validators=[InputRequired(message=_l("Enter an emergency contact")), Length(max=200)],
                                    widget=GovTextInput(), description=_l("Providers see this only when your child is booked with them."))
    home_language = StringField(_l("Which language does the family use at home? (optional)"),
                                validators=[Optional(), Length(max=80)], widget=GovTextInput(),
                                description=_l("For example, Urdu or British Sign Language"))
    # Optional: left out of a post (an older page), it stays "no".
    interpreter_needed = YesNoField(_l("Will you need an interpreter?"), choices=YES_NO, default="no",
                                    widget=GovRadioInput())
    # Optional: left out of a post (an older page), it stays as it was ("no" for a new child).
    register_consent = YesNoField(
        _l("Can the council list them on its register of disabled children?"), choices=YES_NO,
        widget=GovRadioInput(),
        description=_l("The council keeps a register of disabled children in its area to plan services. Every "
                       "child here is counted on it without their name. Say yes and the children’s trust can also "
                       "list their name, date of birth, area, needs and whether they have an EHC plan. You can "
                       "change your mind at any time."))
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def __init__(self, *args, today: date | None = None, account_holder: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today or date.today()
        self._account_holder = account_holder
        if account_holder:
            self.register_consent.label.text = _("Can the council list you on its register of disabled children?")

    def validate_date_of_birth(self, field):
        if field.data is None:
            return
        if field.data > self._today:
            raise ValidationError(_("Date of birth must be today or in the past"))
        if field.data.year < self._today.year - 26:
            raise ValidationError(_("Short breaks are for children and young people aged up to 25"))
        if self._account_holder and not 16 <= age_on(field.data, self._today) <= 25:
            raise ValidationError(_("You can hold your own account if you are aged 16 to 25. "
                                    "If you are younger, ask your parent or carer to book for you"))

    def validate_needs(self, field):
        if any(code not in NEEDS for code in field.data or []):
            raise ValidationError(_("Select needs from the list"))


class BookingForm(FlaskForm):
    children = FamilyChildrenField(_l("Who is the place for?"), coerce=int,
                                  validators=[InputRequired(message=_l("Select who the place is for"))])
    carer_places = PlainSelectField(_l("Carer places"), coerce=int, widget=GovSelect(), default=0,
                               description=_l("Some breaks need a parent or carer to come too. A carer place is free."))
    funding = PlainRadioField(_l("How will you pay?"), widget=GovRadioInput(),
                         validators=[InputRequired(message=_l("Select how you will pay"))])
    declared = BooleanField(_l("I confirm that the children I have chosen meet the criteria for this break"),
                            widget=GovCheckboxInput())
    submit = SubmitField(_l("Confirm booking"), widget=GovSubmitInput())


class WaitingListForm(FlaskForm):
    children = FamilyChildrenField(_l("Who would the places be for?"), coerce=int,
                                  validators=[InputRequired(message=_l("Select who the places are for"))])
    carer_places = PlainSelectField(_l("Carer places"), coerce=int, widget=GovSelect(), default=0)
    declared = BooleanField(_l("I confirm that the children I have chosen meet the criteria for this break"),
                            widget=GovCheckboxInput())
    submit = SubmitField(_l("Join the waiting list"), widget=GovSubmitInput())


class AcceptOfferForm(FlaskForm):
    funding = PlainRadioField(_l("How will you pay?"), widget=GovRadioInput(),
                         validators=[InputRequired(message=_l("Select how you will pay"))])
    declared = BooleanField(_l("I confirm that the children I have chosen meet the criteria for this break"),
                            widget=GovCheckboxInput())
    submit = SubmitField(_l("Accept the place"), widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button with CSRF protection, for an action with nothing to fill in (cancelling, leaving, publishing)."""


class AssessmentRequestForm(FlaskForm):
    child_id = PlainRadioField(_l("Who is the assessment for?"), coerce=int, widget=GovRadioInput(),
                          validators=[InputRequired(message=_l("Select who the assessment is for"))])
    message = TextAreaField(_l("Tell us what help you are looking for"),
                            validators=[InputRequired(message=_l("Tell us what help you are looking for")), Length(max=4000)],
                            widget=GovTextArea())
    submit = SubmitField(_l("Ask for an assessment"), widget=GovSubmitInput())


class AssessmentDecisionForm(FlaskForm):
    status = PlainRadioField(_l("Outcome of the assessment"), choices=[("approved", _l("Specialist short breaks are needed")),
                                                               ("refused", _l("Specialist short breaks are not needed"))],
                        widget=GovRadioInput(), validators=[InputRequired(message=_l("Select the outcome"))])
    reason = TextAreaField(_l("Reasons"), description=_l("The family will see these reasons."),
                           validators=[InputRequired(message=_l("Give the reasons for the decision")), Length(max=4000)],
                           widget=GovTextArea())
    review_on = RealDateField(_l("Review date"), format="%d %m %Y", validators=[Optional()],
                              description=_l("Needed when specialist short breaks are agreed. For example, 27 3 2028"))
    source = PlainRadioField(_l("How did this assessment come about?"),
                             choices=[(s.value, _l(ASSESSMENT_SOURCES[s])) for s in AssessmentSource],
                             validators=[InputRequired(message=_l("Select how the assessment came about"))])
    referred_by = StringField(_l("Who referred the child"), widget=GovTextInput(),
                              description=_l("Only for a referral: their name, role and organisation. The family "
                                             "will see this. For example, Dr A Khan, paediatrician, Birmingham "
                                             "Children’s Hospital"),
                              validators=[Length(max=200)])
    referred_on = RealDateField(_l("Date of the referral"), format="%d %m %Y", validators=[Optional()],
                                description=_l("Only for a referral. For example, 2 11 2026"))
    submit = SubmitField(_l("Record the decision"), widget=GovSubmitInput())

    def validate_referred_on(self, field):
        if field.data is not None and field.data > london_today():
            raise ValidationError(_("The date of the referral must be today or in the past"))

    def validate_review_on(self, field):
        if field.data is not None and field.data <= london_today():
            raise ValidationError(_("The review date must be in the future"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.status.data == "approved" and self.review_on.data is None and not self.review_on.errors:
            # An empty date stops the field's own checks (Optional): asked for here, where the outcome is known.
            self.review_on.errors = [*self.review_on.errors, _("Enter the date the decision will be reviewed")]
            ok = False
        if self.source.data == AssessmentSource.REFERRAL.value and not (self.referred_by.data or "").strip() \
                and not self.referred_by.errors:
            self.referred_by.errors = [*self.referred_by.errors, _("Enter who referred the child")]
            ok = False
        return ok


class ChildSearchForm(FlaskForm):
    """The trust's child search. Posted, not a GET form: a child's name, date of birth and postcode must not end up in
    web addresses (browser history, server and proxy logs)."""

    name = StringField(_l("Name"), description=_l("First name, last name or both"),
                       validators=[Optional(), Length(max=160)], widget=GovTextInput())
    born_on = RealDateField(_l("Date of birth"), format="%d %m %Y", validators=[Optional()],
                            description=_l("For example, 27 3 2015"))
    postcode = StringField(_l("Postcode"), description=_l("All of it, or the start (for example, B15)"),
                           validators=[Optional(), Length(max=10)], widget=GovTextInput())
    submit = SubmitField(_l("Search"), widget=GovSubmitInput())

    def validate_name(self, field):
        if field.data and 0 < len(field.data.strip()) < 2:
            raise ValidationError(_("Enter at least 2 letters of the name"))

    def validate_postcode(self, field):
        if field.data and 0 < len(re.sub(r"\s+", "", field.data)) < 2:
            raise ValidationError(_("Enter at least the first 2 characters of the postcode"))


class SecurityCodeForm(FlaskForm):
    """The six-digit code from an authenticator app, or (at sign-in) one of the person's recovery codes."""

    code = StringField(_l("Security code"), widget=GovTextInput(),
                       validators=[InputRequired(message=_l("Enter the 6-digit code from your authenticator app")),
                                   Length(max=40, message=_l("Enter the 6-digit code from your authenticator app"))])
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())


class ReasonForm(FlaskForm):
    """Why an administrator is doing something to someone else's account (kept in the audit trail)."""

    reason = TextAreaField(_l("Why are you doing this?"), widget=GovTextArea(),
                           description=_l("This is kept in the audit trail with your name."),
                           validators=[DataRequired(message=_l("Say why you are doing this")),
                                       Length(max=1000, message=_l("Reason must be 1,000 characters or fewer"))])
