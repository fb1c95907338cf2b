"""Forms for provider sign-up, organisation details, staff, API tokens and commissioners' decisions."""
from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    EmailField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from portal.forms import MultiCheckboxField, PlainRadioField, RealDateField, new_password_fields

from .models import Safeguard, Tier
from .organisations import OrganisationDetails

EMAIL_FORMAT = _l("Enter an email address in the correct format, like name@example.com")
KINDS = [
    (Tier.UNIVERSAL.value, _l("Universal: open to any disabled child, no referral needed")),
    (Tier.TARGETED.value, _l("Targeted: for children who meet published criteria, without an assessment")),
    (Tier.SPECIALIST.value, _l("Specialist: for children assessed by the children's trust")),
]


def _number(pattern: str, message: str):
    compiled = re.compile(pattern)

    def check(form, field):
        if field.data and not compiled.fullmatch(field.data.replace(" ", "").upper()):
            raise ValidationError(message)
    return check


class OrganisationForm(FlaskForm):
    name = StringField(_l("Organisation name"),
                       validators=[InputRequired(message=_l("Enter the name of your organisation")),
                                   Length(max=160, message=_l("The name can be up to 160 characters"))],
                       widget=GovTextInput())
    email = EmailField(_l("Organisation email address"), widget=GovTextInput(),
                       description=_l("Families and commissioners will use this to contact you."),
                       validators=[InputRequired(message=_l("Enter your organisation's email address")),
                                   Email(message=EMAIL_FORMAT), Length(max=254)])
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=40)], widget=GovTextInput())
    website = StringField(_l("Website (optional)"), validators=[Optional(), Length(max=254)], widget=GovTextInput())
    charity_number = StringField(
        _l("Registered charity number"), widget=GovTextInput(),
        description=_l("For example, 1012345. Leave blank if you are not a charity."),
        validators=[Optional(), _number(r"\d{6,8}(-\d{1,2})?", _l("Enter a charity number like 1012345"))])
    company_number = StringField(
        _l("Company number"), widget=GovTextInput(),
        description=_l("From Companies House, for example 01234567 or SC123456. Leave blank if you are not a company."),
        validators=[Optional(), _number(r"([A-Z]{2}\d{6}|\d{8})",
                                        _l("Enter a company number like 01234567 or SC123456"))])
    ofsted_number = StringField(
        _l("Ofsted registration number (if you have one)"), widget=GovTextInput(),
        description=_l("You need one if you look after children under 8 or run day care or overnight care."),
        validators=[Optional(), _number(r"(EY|SC|CE)?\d{6,7}", _l("Enter an Ofsted number like EY123456 or 1234567"))])
    insurance_expires_on = RealDateField(
        _l("Insurance end date"), format="%d %m %Y",
        description=_l("For example, 31 3 2027. We will remind you before it runs out."),
        validators=[InputRequired(message=_l("Enter the date your public liability insurance runs out"))])
    safeguarding_lead = StringField(
        _l("Name of your safeguarding lead"), widget=GovTextInput(),
        description=_l("The person families and staff go to with a concern about a child's safety."),
        validators=[InputRequired(message=_l("Enter the name of your safeguarding lead")), Length(max=120)])
    dbs_policy_confirmed = BooleanField(
        _l("Everyone who works with children for us has an enhanced DBS check, under our written DBS policy"),
        widget=GovCheckboxInput(),
        validators=[InputRequired(message=_l("Confirm that your staff and volunteers have DBS checks"))])

    def __init__(self, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today or date.today()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.charity_number.data or "").strip() and not (self.company_number.data or "").strip():
            self.charity_number.errors.append(_("Enter your registered charity number or your company number"))
            valid = False
        return valid

    def validate_insurance_expires_on(self, field):
        if field.data is not None and field.data <= self._today:
            raise ValidationError(_("Your insurance must still be in date. Renew it, then enter the new date it runs out"))

    def details(self) -> OrganisationDetails:
        return OrganisationDetails(
            name=self.name.data, email=self.email.data, phone=self.phone.data, website=self.website.data,
            charity_number=self.charity_number.data, company_number=self.company_number.data,
            ofsted_number=self.ofsted_number.data, insurance_expires_on=self.insurance_expires_on.data,
            safeguarding_lead=self.safeguarding_lead.data, dbs_policy_confirmed=bool(self.dbs_policy_confirmed.data),
        )


class EditOrganisationForm(OrganisationForm):
    submit = SubmitField(_l("Save changes"), widget=GovSubmitInput())


class SignUpForm(OrganisationForm):
    kinds = MultiCheckboxField(_l("What kinds of short break will you offer?"), choices=KINDS,
                               description=_l("Select all that apply. The council approves providers of universal and "
                                              "targeted breaks; the children's trust approves providers of specialist "
                                              "breaks only."),
                               validators=[InputRequired(message=_l("Select the kinds of break you will offer"))])
    admin_name = StringField(_l("Your full name"),
                             validators=[InputRequired(message=_l("Enter your full name")), Length(max=120)],
                             widget=GovTextInput())
    admin_email = EmailField(_l("Your email address"), widget=GovTextInput(),
                             description=_l("You will sign in with this. You can invite colleagues once you have "
                                            "signed up."),
                             validators=[InputRequired(message=_l("Enter your email address")),
                                         Email(message=EMAIL_FORMAT), Length(max=254)])
    password, confirm = new_password_fields()
    submit = SubmitField(_l("Send for approval"), widget=GovSubmitInput())

    def tiers(self) -> set[Tier]:
        return {Tier(kind) for kind in self.kinds.data or []}


class InviteForm(FlaskForm):
    email = EmailField(_l("Your colleague's email address"), widget=GovTextInput(),
                       description=_l("We will email them a link to set up their account. The link works for 7 days."),
                       validators=[InputRequired(message=_l("Enter your colleague's email address")),
                                   Email(message=EMAIL_FORMAT), Length(max=254)])
    submit = SubmitField(_l("Send invitation"), widget=GovSubmitInput())


class AdminRightsForm(FlaskForm):
    make_admin = PlainRadioField(_l("Administrator"), choices=[("yes", _l("Make an administrator")),
                                                               ("no", _l("Take away administrator rights"))],
                                 validators=[InputRequired(message=_l("Select what to change"))])


class ApiTokenForm(FlaskForm):
    name = StringField(_l("What will use this token?"), widget=GovTextInput(),
                       description=_l("For example, 'Booking system'. This helps you tell your tokens apart."),
                       validators=[InputRequired(message=_l("Enter a name for the token")),
                                   Length(max=80, message=_l("The name can be up to 80 characters"))])
    submit = SubmitField(_l("Create token"), widget=GovSubmitInput())


PROVIDER_DECISIONS = {
    "approve": _l("Approve: the provider can publish offers"),
    "return": _l("Return: the provider must change its application"),
    "suspend": _l("Suspend: nobody can book its sessions"),
    "reinstate": _l("Reinstate: families can book again"),
}


class ProviderDecisionForm(FlaskForm):
    decision = PlainRadioField(_l("Your decision"), validators=[InputRequired(message=_l("Select your decision"))])
    reason = TextAreaField(_l("Reasons"), widget=GovTextArea(), validators=[Length(max=4000)],
                           description=_l("The provider will see these. They are kept with the decision."))

    def __init__(self, *args, decisions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [(d, PROVIDER_DECISIONS[d]) for d in decisions]

    def validate_reason(self, field):
        if self.decision.data in ("return", "suspend", "reinstate") and not (field.data or "").strip():
            raise ValidationError(_("Give the reasons for your decision"))


class NameDecisionForm(FlaskForm):
    name_decision = PlainRadioField(_l("Your decision on the new name"),
                                    choices=[("approve", _l("Approve: families will see the new name")),
                                             ("refuse", _l("Refuse: the provider keeps its current name"))],
                                    validators=[InputRequired(message=_l("Select your decision on the new name"))])
    name_reason = TextAreaField(_l("Reasons"), widget=GovTextArea(), validators=[Length(max=4000)],
                                description=_l("Needed if you refuse the new name. The provider will see them, and "
                                               "they are kept with the decision."))

    def validate_name_reason(self, field):
        if self.name_decision.data == "refuse" and not (field.data or "").strip():
            raise ValidationError(_("Give the reasons for refusing the new name"))


class SafeguardForm(FlaskForm):
    """A member of the approving body records that they verified one of the provider's safeguards."""

    safeguard = PlainRadioField(_l("Which safeguard did you verify?"),
                                validators=[InputRequired(message=_l("Select the safeguard you verified"))])
    evidence_ref = StringField(_l("Evidence you checked"), widget=GovTextInput(),
                               description=_l("For example, the DBS update service check reference, the insurance "
                                              "certificate number or Ofsted's register entry."),
                               validators=[InputRequired(message=_l("Enter the evidence you checked, such as a "
                                                                    "certificate or reference number")),
                                           Length(max=200, message=_l("The evidence must be 200 characters or "
                                                                      "fewer"))])
    reverify_on = RealDateField(_l("Check it again by (optional)"), format="%d %m %Y", validators=[Optional()],
                                description=_l("For example, 27 3 2028"))
    submit = SubmitField(_l("Record the check"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.safeguard.choices = [(s.value, s.label) for s in Safeguard]
