"""The form for booking several sessions of a series in one go."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import BooleanField, SubmitField
from wtforms.validators import InputRequired

from portal.forms import FamilyChildrenField, MultiCheckboxField, PlainRadioField, PlainSelectField

ALL_OR_NOTHING, TAKE_WHAT_HAS_PLACES = "all", "available"


class SessionsField(MultiCheckboxField):
    not_a_choice = _l("Choose from the sessions listed")


class SeriesBookingForm(FlaskForm):
    sessions = SessionsField(_l("Which sessions?"), coerce=int,
                             validators=[InputRequired(message=_l("Select at least one session"))])
    children = FamilyChildrenField(_l("Who are the places for?"), coerce=int,
                                   validators=[InputRequired(message=_l("Select who the places are for"))])
    carer_places = PlainSelectField(_l("Carer places at each session"), coerce=int, widget=GovSelect(), default=0,
                                    description=_l("Some breaks need a parent or carer to come too. A carer place is "
                                                   "free."))
    funding = PlainRadioField(_l("How will you pay?"), widget=GovRadioInput(),
                              validators=[InputRequired(message=_l("Select how you will pay"))])
    declared = BooleanField(_l("I confirm that the children I have chosen meet the criteria for this break"),
                            widget=GovCheckboxInput())
    if_some_cannot = PlainRadioField(
        _l("If some of the sessions cannot be booked when you confirm"), widget=GovRadioInput(),
        default=ALL_OR_NOTHING,
        choices=[(ALL_OR_NOTHING, _l("Book none of them, so I can choose again")),
                 (TAKE_WHAT_HAS_PLACES, _l("Book the sessions that have places, and tell me which were not booked"))],
        validators=[InputRequired(message=_l("Select what to do if some sessions cannot be booked"))])
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())

    @property
    def take_what_has_places(self) -> bool:
        return self.if_some_cannot.data == TAKE_WHAT_HAS_PLACES

    def answers(self) -> dict:
        """The answers as a query string's values, for the check-your-answers page and the way back to change them."""
        return {"sessions": self.sessions.data, "children": self.children.data, "carer_places": self.carer_places.data,
                "funding": self.funding.data, "declared": "y" if self.declared.data else "",
                "if_some_cannot": self.if_some_cannot.data}
