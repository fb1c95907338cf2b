"""Forms for resource panel decisions: allocating a personal budget, and increasing, reducing or ending one."""
from __future__ import annotations

import re
from datetime import date, timedelta

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
from wtforms import HiddenField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    StopValidation,
    ValidationError,
)

from portal.formatting import pounds
from portal.forms import PlainRadioField, RealDateField
from portal.timeutil import london_today

from .models import BudgetKind, DecisionKind

# Within a database integer with room to spare, and far above any one child's short breaks for a year.
MAX_AMOUNT_PENCE = 100_000_000
_AMOUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]{1,2})?")


def pence_from_pounds(text: str) -> int:
    """'£1,240' -> 124000, '1240.50' -> 124050, '1240.5' -> 124050. Raises ValueError for anything else."""
    cleaned = text.strip().replace(" ", "").removeprefix("£")
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(text)
    whole, _point, part = cleaned.replace(",", "").partition(".")
    return int(whole) * 100 + int(part.ljust(2, "0") or "0")


class PoundsField(StringField):
    """An amount typed in pounds, like '£1,240' or '1240.50', held as integer pence."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not valuelist[0].strip():
            return
        try:
            self.data = pence_from_pounds(valuelist[0])
        except ValueError:
            raise ValueError(_("Enter the amount in pounds, like £1,240 or 1240.50")) from None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        # As the field reads it back ('1,240.00'), in every language: not the page's way of writing money.
        return "" if self.data is None else typed_pounds(self.data)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()
        if self.data is not None and self.data <= 0:
            raise StopValidation(_("Enter an amount more than £0"))
        if self.data is not None and self.data > MAX_AMOUNT_PENCE:
            raise StopValidation(_("Enter an amount of %(amount)s or less",
                                   amount=pounds(MAX_AMOUNT_PENCE).replace(".00", "")))


def typed_pounds(pence: int) -> str:
    """'1,240.00': an amount as someone types it into a pounds field (what ``pence_from_pounds`` reads)."""
    whole, part = divmod(abs(pence), 100)
    return f"{'-' if pence < 0 else ''}{whole:,}.{part:02d}"


def _stripped(text: str | None) -> str | None:
    return text.strip() if isinstance(text, str) else text


def _required_date(message: str):
    def check(form, field):
        if field.data is None and not field.process_errors:
            raise StopValidation(message)
    return check


class NewBudgetForm(FlaskForm):
    amount = PoundsField(_l("Amount the panel agreed"), description=_l("In pounds, for example £1,240 or 1240.50"))
    kind = PlainRadioField(
        _l("How will the budget be held?"),
        choices=[(BudgetKind.MANAGED.value,
                  _l("Managed budget: the trust holds it, and the family books breaks with it")),
                 (BudgetKind.DIRECT_PAYMENT.value,
                  _l("Direct payment: paid to the family, who pay providers themselves"))],
        validators=[InputRequired(message=_l("Select how the budget will be held"))], widget=GovRadioInput())
    starts_on = RealDateField(_l("Start date"), format="%d %m %Y",
                              validators=[_required_date(_l("Enter the date the budget starts"))])
    ends_on = RealDateField(_l("End date"), format="%d %m %Y",
                            description=_l("A budget runs within one financial year, "
                                           "so it ends on or before 31 March."),
                            validators=[_required_date(_l("Enter the date the budget ends"))])
    review_on = RealDateField(_l("Review date"), format="%d %m %Y",
                              description=_l("Review how the budget is used within 3 months, then every year."),
                              validators=[_required_date(_l("Enter the date the budget will be reviewed"))])
    reasons = TextAreaField(_l("The panel’s reasons"), description=_l("The family will see these reasons."),
                            filters=[_stripped], validators=[DataRequired(message=_l("Give the panel’s reasons")),
                                                             Length(max=4000)], widget=GovTextArea())
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self._today = today

    def validate_amount(self, field):
        if field.data is None:
            raise ValidationError(_("Enter the amount the panel agreed"))

    def validate_starts_on(self, field):
        if field.data is not None and abs(field.data - self._today) > timedelta(days=366):
            raise ValidationError(_("The start date must be within a year of today"))

    def validate_ends_on(self, field):
        if None not in (field.data, self.starts_on.data) and field.data < self.starts_on.data:
            raise ValidationError(_("The end date must be on or after the start date"))

    def validate_review_on(self, field):
        if None in (field.data, self.starts_on.data):
            return
        if field.data < self.starts_on.data:
            raise ValidationError(_("The review date must be on or after the start date"))
        if field.data > self.starts_on.data + timedelta(days=366):
            raise ValidationError(_("The review date must be within a year of the start date"))


class JointBudgetForm(NewBudgetForm):
    """One decision of the children's trust and adult social care together, across an 18th birthday."""

    amount = PoundsField(_l("Amount agreed until the 18th birthday"),
                         description=_l("Paid by the children’s trust. In pounds, for example £1,240 or 1240.50"))
    after_amount = PoundsField(_l("Amount agreed from the 18th birthday"),
                               description=_l("Paid by adult social care. In pounds, for example £1,240 or 1240.50"))
    agreed_by = SelectField(_l("Who agreed this decision for the other body?"), choices=[], coerce=str,
                            validators=[InputRequired(message=_l("Choose who agreed this decision for the other "
                                                                 "body"))], widget=GovSelect())
    submit = SubmitField(_l("Record the joint decision"), widget=GovSubmitInput())

    def validate_amount(self, field):
        if field.data is None:
            raise ValidationError(_("Enter the amount agreed until the 18th birthday"))

    def validate_after_amount(self, field):
        if field.data is None:
            raise ValidationError(_("Enter the amount agreed from the 18th birthday"))


CHANGES = {
    DecisionKind.INCREASE.value: _l("Increase the budget"),
    DecisionKind.REDUCE.value: _l("Reduce the budget"),
    DecisionKind.END.value: _l("End the budget"),
}


class ChangeBudgetForm(FlaskForm):
    change = PlainRadioField(_l("What did the panel decide?"), choices=list(CHANGES.items()),
                             validators=[InputRequired(message=_l("Select what the panel decided"))],
                             widget=GovRadioInput())
    amount = PoundsField(_l("By how much?"), description=_l(
        "In pounds, for example £250 or 250.50. "
        "Leave this empty to end the budget: whatever is not booked or spent goes back."))
    notice_on = RealDateField(_l("Date the family is given notice from"), format="%d %m %Y",
                              description=_l("Needed to reduce or end a budget. The family is told in writing "
                                             "with the reasons. For example, 27 3 2026"))
    reasons = TextAreaField(_l("The panel’s reasons"), description=_l("The family will see these reasons."),
                            filters=[_stripped], validators=[DataRequired(message=_l("Give the panel’s reasons")),
                                                             Length(max=4000)], widget=GovTextArea())
    # The latest decision on the budget when the page was opened, so a decision is never recorded twice.
    seen = HiddenField()
    submit = SubmitField(_l("Continue"), widget=GovSubmitInput())

    @property
    def kind(self) -> DecisionKind | None:
        return DecisionKind(self.change.data) if self.change.data in CHANGES else None

    def validate_amount(self, field):
        if self.kind is DecisionKind.INCREASE and field.data is None:
            raise ValidationError(_("Enter how much to increase the budget by"))
        if self.kind is DecisionKind.REDUCE and field.data is None:
            raise ValidationError(_("Enter how much to reduce the budget by"))

    def validate_notice_on(self, field):
        if field.data is not None or field.process_errors:
            return
        if self.kind is DecisionKind.REDUCE:
            raise ValidationError(_("Enter the date the family is given notice from: a budget cannot be reduced "
                                    "without notice"))
        if self.kind is DecisionKind.END:
            raise ValidationError(_("Enter the date the family is given notice from: a budget cannot be ended "
                                    "without notice"))


class RecoveryForm(FlaskForm):
    """Unspent direct payment money that has come back to the trust."""

    amount = PoundsField(_l("How much came back?"), description=_l("In pounds, for example £250 or 250.50"))
    received_on = RealDateField(_l("Date the money came back"), format="%d %m %Y",
                                description=_l("For example, 27 3 2027"))
    reference = StringField(_l("Finance reference"), description=_l("The reference finance gave the money received"),
                            filters=[_stripped], validators=[DataRequired(message=_l(
                                "Enter the finance reference for the money received")), Length(max=100)],
                            widget=GovTextInput())
    reasons = TextAreaField(_l("Reasons"), description=_l("For example, unspent at the end of the period. The family "
                                                          "will see these reasons."),
                            filters=[_stripped], validators=[DataRequired(message=_l(
                                "Give the reasons for the recovery")), Length(max=4000)], widget=GovTextArea())
    # The latest ledger entry on the direct payment when the page was opened, so a recovery is never recorded twice.
    seen = HiddenField()
    submit = SubmitField(_l("Record the recovery"), widget=GovSubmitInput())

    def validate_amount(self, field):
        if field.data is None:
            raise ValidationError(_("Enter how much came back"))

    def validate_received_on(self, field):
        if field.data is None and not field.process_errors:
            raise ValidationError(_("Enter the date the money came back"))
        if field.data is not None and field.data > london_today():
            raise ValidationError(_("The date the money came back must be today or in the past"))
