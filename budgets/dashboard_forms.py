"""Forms for the commissioner's money pages: setting an envelope, choosing a remittance month."""
from __future__ import annotations

import re
from decimal import Decimal

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
    """An amount of money typed in pounds, as integer pence. Raises ValueError with a plain-English message."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        raise ValueError("Enter the budget for the year in pounds")
    if text.startswith("-") or text.startswith("£-"):
        raise ValueError("Enter an amount of £0 or more")
    if re.fullmatch(r"£?[0-9,]*\.[0-9]{3,}", text):
        raise ValueError("Enter the amount in pounds and pence, with no more than 2 numbers after the point")
    match = POUNDS.fullmatch(text)
    if match is None:
        raise ValueError("Enter the budget in pounds, like £1,632,000 or 1632000.50")
    whole, pence = match.group(1).replace(",", ""), (match.group(2) or "0").ljust(2, "0")
    if Decimal(whole) >= MAX_POUNDS:
        raise ValueError("Enter an amount less than £1,000,000,000")
    return int(whole) * 100 + int(pence)


def parse_percent(text: str, label: str) -> int:
    text = (text or "").strip().rstrip("%").strip()
    if not text:
        raise ValueError(f"Enter the {label} as a percentage, like 75")
    if not re.fullmatch(r"[0-9]{1,3}", text) or not 1 <= int(text) <= 100:
        raise ValueError(f"Enter the {label} as a whole number from 1 to 100")
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

    def __init__(self, label, what: str, **kwargs):
        super().__init__(label, **kwargs)
        self.what = what

    def pre_validate(self, form):
        try:
            self.percent = parse_percent(self.data, self.what)
        except ValueError as problem:
            self.percent = None
            raise ValidationError(str(problem)) from None


class EnvelopeForm(FlaskForm):
    body = PlainRadioField("Whose budget", choices=[("council", "The council (universal and targeted breaks)"),
                                                    ("trust", "The children's trust (specialist breaks)")],
                           widget=GovRadioInput())
    year = PlainRadioField("Financial year", choices=[], widget=GovRadioInput())
    amount = PoundsField("Budget for the year", description="In pounds, for example £1,632,000 or 1632000.50")
    warn_first = PercentField("First warning when this much is used", "first warning", default="75",
                              description="A percentage of the budget, committed and spent together. Usually 75.")
    warn_second = PercentField("Second warning when this much is used", "second warning", default="90",
                               description="Higher than the first warning. Usually 90.")
    reason = TextAreaField("Why is the budget being set or changed?", widget=GovTextArea(),
                           validators=[InputRequired(message="Say why the budget is being set or changed"),
                                       Length(max=2000, message="Keep the reason to 2,000 characters or fewer")],
                           description="This is kept in the audit trail with your name and the time.")
    submit = SubmitField("Set the budget", widget=GovSubmitInput())

    def validate_warn_second(self, field):
        if self.warn_first.percent is not None and field.percent is not None \
                and not self.warn_first.percent < field.percent:
            raise ValidationError("The second warning must be higher than the first")

    def validate_reason(self, field):
        if not (field.data or "").strip():
            raise ValidationError("Say why the budget is being set or changed")


class RemittanceForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only downloads a file

    month = PlainSelectField("Month", choices=[], widget=GovSelect())
    submit = SubmitField("Download the remittance (CSV)", widget=GovSubmitInput())
