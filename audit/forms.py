"""The audit screen's filters: a GET form, so a filtered list can be bookmarked, shared and downloaded."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

from portal.forms import PlainSelectField, RealDateField

from .search import Filters

ANY_PROVIDER = 0


class TrailFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    child = StringField(_l("Child"), description=_l("Their name, or the number of their record"),
                        validators=[Optional(), Length(max=160)], widget=GovTextInput())
    person = StringField(_l("Person"), description=_l("The name or email address of who looked or made the change"),
                         validators=[Optional(), Length(max=254)], widget=GovTextInput())
    provider = PlainSelectField(_l("Provider"), description=_l("Entries by the provider’s staff or booking system"),
                                coerce=int, default=ANY_PROVIDER)
    from_day = RealDateField(_l("From"), format="%d %m %Y", validators=[Optional()])
    to_day = RealDateField(_l("To"), format="%d %m %Y", validators=[Optional()])
    submit = SubmitField(_l("Show entries"), widget=GovSubmitInput())

    def __init__(self, providers: list[tuple[int, str]], **kwargs):
        super().__init__(**kwargs)
        self.provider.choices = [(ANY_PROVIDER, _("Any provider"))] + providers

    def validate_to_day(self, field):
        if field.data and self.from_day.data and field.data < self.from_day.data:
            raise ValidationError(_("The ‘to’ date must be the same as or after the ‘from’ date"))

    def filters(self) -> Filters:
        return Filters(child=(self.child.data or "").strip(), person=(self.person.data or "").strip(),
                       provider_id=self.provider.data or None, from_day=self.from_day.data, to_day=self.to_day.data)

    def args(self) -> dict:
        """The filters as they were asked for (a date as its day, month and year), for the page links and the CSV."""
        return {field.name: field.raw_data for field in self
                if field.name != "submit" and any(str(value).strip() for value in field.raw_data or [])}
