"""Forms for creating and changing offers, withdrawing them, and commissioners' decisions on them."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import Field, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import MultiCheckboxField, PlainRadioField, PlainSelectField
from portal.models import ACCESSIBILITY, NEEDS

from .models import (
    CATEGORY_LABELS,
    PAYMENT_ROUTE_LABELS,
    SUPPORT_OFFERED,
    TIER_LABELS,
    Category,
    PaymentRoute,
    Tier,
)
from .offers import MAX_CUTOFF_HOURS, OfferDetails

PRICE = re.compile(r"(\d{1,7})(?:\.(\d{1,2}))?")


class WholeNumberField(IntegerField):
    """A number box that says plainly when what was typed is not a whole number."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, not_a_number, **kwargs):
        """``not_a_number``: the whole message for what is not a whole number ("Youngest age must be...")."""
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        text = valuelist[0].strip()
        if not re.fullmatch(r"-?\d{1,6}", text):
            raise ValueError(self.not_a_number)
        self.data = int(text)


class PoundsField(Field):
    """An amount typed in pounds (2.50, £2.50, 2), held as whole pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace("£", "").replace(",", "")
        if not text:
            return
        match = PRICE.fullmatch(text)
        if match is None:
            raise ValueError(_("Enter the price in pounds and pence, like 2.50, or 0 if it is free"))
        pounds, pence = match.group(1), (match.group(2) or "0").ljust(2, "0")
        self.data = int(pounds) * 100 + int(pence)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data // 100}.{self.data % 100:02d}"


class OfferForm(FlaskForm):
    title = StringField(_l("Title"), widget=GovTextInput(),
                        description=_l("What families will search for, like 'Saturday sports club'."),
                        validators=[InputRequired(message=_l("Enter a title")),
                                    Length(max=160, message=_l("The title can be up to 160 characters"))])
    summary = StringField(_l("Summary"), widget=GovTextInput(), description=_l("One sentence shown in search results."),
                          validators=[InputRequired(message=_l("Enter a short summary")),
                                      Length(max=300, message=_l("The summary can be up to 300 characters"))])
    description = TextAreaField(_l("Description"), widget=GovTextArea(),
                                description=_l("What happens at the break, what to bring, and anything families "
                                               "should know."),
                                validators=[InputRequired(message=_l("Enter a description")), Length(max=20000)])
    tier = PlainRadioField(_l("Which kind of break is it?"),
                           choices=[(t.value, _l(TIER_LABELS[t])) for t in Tier],
                           validators=[InputRequired(message=_l("Select the kind of break"))])
    category = PlainSelectField(_l("Type of break"),
                                choices=[("", _l("Select a type"))] + [(c.value, _l(CATEGORY_LABELS[c])) for c in Category],
                                validators=[InputRequired(message=_l("Select the type of break"))])
    min_age = WholeNumberField(_l("Youngest age"), not_a_number=_l("Youngest age must be a whole number, like 8"),
                               validators=[InputRequired(message=_l("Enter the youngest age")),
                                           NumberRange(0, 25, message=_l("Ages must be from 0 to 25"))])
    max_age = WholeNumberField(_l("Oldest age"), not_a_number=_l("Oldest age must be a whole number, like 8"),
                               validators=[InputRequired(message=_l("Enter the oldest age")),
                                           NumberRange(0, 25, message=_l("Ages must be from 0 to 25"))])
    locality_id = PlainSelectField(_l("Area"), coerce=int, validators=[InputRequired(message=_l("Select the area"))])
    venue = StringField(_l("Venue"), widget=GovTextInput(),
                        description=_l("The name and address of the place, or 'At your home'."),
                        validators=[InputRequired(message=_l("Enter the venue")), Length(max=200)])
    eligibility = TextAreaField(
        _l("Who is it for?"), widget=GovTextArea(),
        description=_l("In plain English, the criteria a child must meet, for example 'Children aged 8 to 16 with "
                       "autism who find busy places hard'. Families who do not meet them can still ask for an "
                       "assessment."),
        validators=[InputRequired(message=_l("Enter who the break is for")), Length(max=5000)])
    how_to_get = TextAreaField(_l("How to get a place (optional)"), widget=GovTextArea(),
                               description=_l("Anything beyond booking online, like a visit before the first session."),
                               validators=[Optional(), Length(max=5000)])
    price = PoundsField(_l("Price per session for the family, in pounds"),
                        description=_l("Enter 0 if it is free for families."),
                        validators=[InputRequired(message=_l("Enter the price, or 0 if it is free"))])
    payment_route = PlainRadioField(_l("How is a place paid for?"),
                                    choices=[(r.value, _l(PAYMENT_ROUTE_LABELS[r])) for r in PaymentRoute],
                                    validators=[InputRequired(message=_l("Select how a place is paid for"))])
    family_contribution = PoundsField(
        _l("Family contribution to a council-funded place, in pounds (optional)"),
        description=_l("Only for places the council funds: what the family pays you towards each place. The council "
                       "pays the rest of the price."),
        validators=[Optional()])
    support_offered = MultiCheckboxField(_l("What support can you give?"),
                                         choices=[(code, _l(word)) for code, word in SUPPORT_OFFERED.items()],
                                         description=_l("Select all that apply."))
    needs = MultiCheckboxField(_l("Which needs can you support?"),
                               choices=[(code, _l(word)) for code, word in NEEDS.items()],
                               description=_l("Select all that apply. Families can search by these."))
    features = MultiCheckboxField(_l("Accessibility at the venue"),
                                  choices=[(code, _l(word)) for code, word in ACCESSIBILITY.items()],
                                  description=_l("Select all that apply."))
    # WTForms fills in %(min)s and %(max)s.
    cancel_cutoff_hours = WholeNumberField(
        _l("How many hours before a session can families cancel online?"), default=48,
        not_a_number=_l("How many hours before a session can families cancel online? must be a whole number, like 8"),
        validators=[InputRequired(message=_l("Enter the number of hours")),
                    NumberRange(0, MAX_CUTOFF_HOURS, message=_l("Enter a number of hours from %(min)s to %(max)s"))])
    booking_cutoff_hours = WholeNumberField(
        _l("How many hours before a session do bookings close?"), default=0,
        description=_l("Enter 0 to take bookings until it starts."),
        not_a_number=_l("How many hours before a session do bookings close? must be a whole number, like 8"),
        validators=[InputRequired(message=_l("Enter the number of hours")),
                    NumberRange(0, MAX_CUTOFF_HOURS, message=_l("Enter a number of hours from %(min)s to %(max)s"))])
    submit = SubmitField(_l("Save"), widget=GovSubmitInput())

    def validate_max_age(self, field):
        if field.data is not None and self.min_age.data is not None and field.data < self.min_age.data:
            raise ValidationError(_("The oldest age must be the same as or more than the youngest age"))

    def validate_locality_id(self, field):
        if not field.data:
            raise ValidationError(_("Select the area"))

    def validate_payment_route(self, field):
        if self.price.data is None or not field.data:
            return
        if field.data == PaymentRoute.FREE.value and self.price.data > 0:
            raise ValidationError(_("A free break cannot have a price. Set the price to 0, or choose how families pay"))
        if field.data == PaymentRoute.PAY_PROVIDER.value and self.price.data == 0:
            raise ValidationError(_("Families cannot pay you for a break that costs nothing. Enter the price, or choose Free"))

    def validate_family_contribution(self, field):
        if field.data and self.price.data is not None and field.data > self.price.data:
            raise ValidationError(_("The family contribution cannot be more than the price"))

    def details(self) -> OfferDetails:
        return OfferDetails(
            title=self.title.data, summary=self.summary.data, description=self.description.data,
            tier=Tier(self.tier.data), category=Category(self.category.data), min_age=self.min_age.data,
            max_age=self.max_age.data, locality_id=self.locality_id.data, venue=self.venue.data,
            eligibility=self.eligibility.data, how_to_get=self.how_to_get.data, price_pence=self.price.data,
            payment_route=PaymentRoute(self.payment_route.data), family_contribution_pence=self.family_contribution.data or 0,
            cancel_cutoff_hours=self.cancel_cutoff_hours.data,
            booking_cutoff_hours=self.booking_cutoff_hours.data, support_offered=list(self.support_offered.data or []),
            needs=list(self.needs.data or []), features=list(self.features.data or []),
        )

    def fill(self, details: OfferDetails) -> None:
        """Show an offer's details (as last asked for) in the form."""
        for name in ("title", "summary", "description", "min_age", "max_age", "locality_id", "venue", "eligibility",
                     "how_to_get", "cancel_cutoff_hours", "booking_cutoff_hours", "support_offered", "needs", "features"):
            getattr(self, name).data = getattr(details, name)
        self.tier.data = details.tier.value
        self.category.data = details.category.value
        self.payment_route.data = details.payment_route.value
        self.price.data = details.price_pence
        self.family_contribution.data = details.family_contribution_pence or None


class WithdrawOfferForm(FlaskForm):
    reason = TextAreaField(_l("Why are you withdrawing it? (optional)"), widget=GovTextArea(),
                           validators=[Optional(), Length(max=2000)])


OFFER_DECISIONS = {
    "approve": _l("Approve and publish"),
    "return": _l("Return to the provider with comments"),
}


class OfferDecisionForm(FlaskForm):
    decision = PlainRadioField(_l("Your decision"), choices=list(OFFER_DECISIONS.items()),
                               validators=[InputRequired(message=_l("Select your decision"))])
    comments = TextAreaField(_l("Comments"), widget=GovTextArea(), validators=[Length(max=4000)],
                             description=_l("Needed if you return it. The provider will see them."))

    def validate_comments(self, field):
        if self.decision.data == "return" and not (field.data or "").strip():
            raise ValidationError(_("Give your comments so the provider knows what to change"))
