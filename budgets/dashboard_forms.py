"""Forms for the commissioner's money pages: setting an envelope, choosing a remittance month."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from portal.forms import PlainRadioField, PlainSelectField

MAX_POUNDS = 1_000_000_000
# "1632000", "1,632,000", "£1,632,000.50": ASCII digits only ("١٢" is a digit to Python, not to a budget).
POUNDS = re.compile(r"£?\s*([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]{1,2}))?")


def parse_pounds(text: str) -> int:
    """An amount of money typed in pounds, as integer pence. Raises ValueError with a plain-language message (in
    the page's language: the form shows it)."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        raise ValueError(_("Enter the budget for the year in pounds"))
    if text.startswith("-") or text.startswith("£-"):
        raise ValueError(_("Enter an amount of £0 or more"))
    if re.fullmatch(r"£?[0-9,]*\.[0-9]{3,}", text):
        raise ValueError(_("Enter the amount in pounds and pence, with no more than 2 numbers after the point"))
    match = POUNDS.fullmatch(text)
    if match is None:
        raise ValueError(_("Enter the budget in pounds, like £1,632,000 or 1632000.50"))
    whole, pence = match.group(1).replace(",", ""), (match.group(2) or "0").ljust(2, "0")
    if Decimal(whole) >= MAX_POUNDS:
        raise ValueError(_("Enter an amount less than £1,000,000,000"))
    return int(whole) * 100 + int(pence)


def typed_pounds(pence: int) -> str:
    """'£1,632,000.00': an amount as the field shows it back for changing, in every language (what
    ``parse_pounds`` reads), not the page's way of writing money."""
    whole, part = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}£{whole:,}.{part:02d}"


# What to say when a warning is left empty or is not a percentage: whole sentences for each warning.
PERCENT_MESSAGES = {
    "first": (_l("Enter the first warning as a percentage, like 75"),
              _l("Enter the first warning as a whole number from 1 to 100")),
    "second": (_l("Enter the second warning as a percentage, like 75"),
               _l("Enter the second warning as a whole number from 1 to 100")),
}


def parse_percent(text: str, which: str) -> int:
    """A warning level typed as a percentage ("75", "75%"); ``which`` warning it is: "first" or "second"."""
    empty, not_a_percentage = PERCENT_MESSAGES[which]
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        raise ValueError(str(empty))
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 1 <= int(text) <= 100:
        raise ValueError(str(not_a_percentage))
    return int(text)


class PoundsField(StringField):
    """Pounds as typed (shown back as typed); ``pence`` holds the parsed amount once validated."""

    widget = GovTextInput()
    pence: int | None = None

    def pre_validate(self, form):
        try:
            self.pence = parse_pounds(self.data)
        except ValueError as problem:
            self.pence = None
            raise ValidationError(str(problem)) from None


class PercentField(StringField):
    widget = GovTextInput()
    percent: int | None = None

    def __init__(self, label, which: str, **kwargs):
        super().__init__(label, **kwargs)
        self.which = which  # "first" or "second": which warning, for its error messages

    def pre_validate(self, form):
        try:
            self.percent = parse_percent(self.data, self.which)
        except ValueError as problem:
            self.percent = None
            raise ValidationError(str(problem)) from None


class EnvelopeForm(FlaskForm):
    body = PlainRadioField(_l("Whose budget"), choices=[("council", _l("The council (universal and targeted breaks)")),
                                                        ("trust", _l("The children's trust (specialist breaks)")),
                                                        ("adults", _l("Adult social care (specialist breaks from 18)"))],
                           widget=GovRadioInput())
    year = PlainRadioField(_l("Financial year"), choices=[], widget=GovRadioInput())
    amount = PoundsField(_l("Budget for the year"), description=_l("In pounds, for example £1,632,000 or 1632000.50"))
    warn_first = PercentField(_l("First warning when this much is used"), "first", default="75",
                              description=_l("A percentage of the budget, committed and spent together. Usually 75."))
    warn_second = PercentField(_l("Second warning when this much is used"), "second", default="90",
                               description=_l("Higher than the first warning. Usually 90."))
    reason = TextAreaField(_l("Why is the budget being set or changed?"), widget=GovTextArea(),
                           validators=[InputRequired(message=_l("Say why the budget is being set or changed")),
                                       Length(max=2000, message=_l("Keep the reason to 2,000 characters or fewer"))],
                           description=_l("This is kept in the audit trail with your name and the time."))
    submit = SubmitField(_l("Set the budget"), widget=GovSubmitInput())

    def validate_warn_second(self, field):
        if self.warn_first.percent is not None and field.percent is not None \
                and not self.warn_first.percent < field.percent:
            raise ValidationError(_("The second warning must be higher than the first"))

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError(_("Say why the budget is being set or changed"))


class RemittanceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only downloads a file

    month = PlainSelectField(_l("Month"), choices=[], widget=GovSelect())
    submit = SubmitField(_l("Download the remittance (CSV)"), widget=GovSubmitInput())
