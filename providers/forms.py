"""Forms for providers' sessions: one-off sessions, repeating series, places, cancelling, moving, uploads, registers."""
from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.forms import MultiCheckboxField, PlainRadioField, RealDateField, plain_text
from portal.timeutil import to_london

from .models import ATTENDANCE_LABELS, Attendance
from .sessions import london_moment

CLOCKS_GO_FORWARD = _l("The clocks go forward at that time on that day, so it does not exist in London. "
                       "Choose another time")

DAYS_OF_WEEK = [_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                _l("Sunday")]

_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?::00)?\s*(am|pm)?$")


@lru_cache(maxsize=4096)
def parse_clock(text: str) -> time | None:
    """A time of day as people write it: 16:00, 9:30, 4pm, 4:30pm, 16.00 (Excel adds :00 seconds)."""
    found = _CLOCK.match(text.strip().lower().replace(" ", ""))
    if not found:
        return None
    hour, minute, half = int(found[1]), int(found[2] or 0), found[3]
    if found[2] is None and half is None:
        return None  # "16" alone is too easy to misread
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def exists_in_london(day: date, clock: time) -> bool:
    """False for the wall-clock hour skipped when the clocks go forward."""
    return to_london(london_moment(day, clock)).time() == clock


_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@lru_cache(maxsize=4096)
def parse_day(text: str) -> date | None:
    """A date written DD/MM/YYYY (one-digit days and months too)."""
    found = _DAY.match(text.strip())
    if not found:
        return None
    try:
        return date(int(found[3]), int(found[2]), int(found[1]))
    except ValueError:
        return None


class TimeOfDayField(StringField):
    """A London wall-clock time typed into a text box; GOV.UK has no time component."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, not_a_time, **kwargs):
        """``not_a_time``: the whole message for a time that cannot be read ("Start time must be a real time...")."""
        kwargs.setdefault("description", _l("Use the 24-hour clock, for example 16:00, or write 4pm"))
        super().__init__(label, validators, **kwargs)
        self.not_a_time = not_a_time
        self.clock: time | None = None

    def pre_validate(self, form):
        self.clock = None
        if self.data and self.data.strip():
            self.clock = parse_clock(self.data)
            if self.clock is None:
                raise ValidationError(self.not_a_time)


class WholeNumberField(IntegerField):
    """An integer box that says in plain English when what was typed is not a whole number."""

    widget = GovTextInput()

    def __init__(self, label=None, validators=None, *, not_a_number, **kwargs):
        """``not_a_number``: the whole message for what is not a whole number ("Places must be a whole number...")."""
        super().__init__(label, validators, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(self.not_a_number) from None


def _places_field():
    return WholeNumberField(_l("Places"), validators=[InputRequired(message=_l("Enter the number of places")),
                                                      NumberRange(min=1, max=500, message=_l("Places must be from 1 to 500"))],
                            not_a_number=_l("Places must be a whole number, like 12"),
                            description=_l("How many children can come."), render_kw={"inputmode": "numeric"})


def _staff_field():
    return WholeNumberField(
        _l("Staff (optional)"),
        validators=[Optional(), NumberRange(min=1, max=200, message=_l("Staff must be from 1 to 200"))],
        not_a_number=_l("Staff (optional) must be a whole number, like 12"),
        description=_l("How many staff will work at the session. A child who needs 1:1 support takes one member of "
                       "staff, 2:1 support two, 1:2 support half, and a child in a group a quarter. "
                       "Leave this blank if only the number of places limits bookings."),
        render_kw={"inputmode": "numeric"},
    )


class _TimesMixin:
    def validate_end_time(self, field):
        if self.start_time.clock and field.clock and field.clock <= self.start_time.clock \
                and not getattr(self, "ends_later", False):
            raise ValidationError(_("The end time must be after the start time"))


def _start_time_field():
    return TimeOfDayField(_l("Start time"), validators=[InputRequired(message=_l("Enter the start time"))],
                          not_a_time=_l("Start time must be a real time, like 16:00 or 4pm"))


def _end_time_field():
    return TimeOfDayField(_l("End time"), validators=[InputRequired(message=_l("Enter the end time"))],
                          not_a_time=_l("End time must be a real time, like 16:00 or 4pm"))


class SessionForm(_TimesMixin, FlaskForm):
    day = RealDateField(_l("Date"), format="%d %m %Y",
                        validators=[InputRequired(message=_l("Enter the date of the session"))],
                        description=_l("For example, 27 3 2026"))
    start_time = _start_time_field()
    end_time = _end_time_field()
    end_day = RealDateField(_l("End date (optional)"), format="%d %m %Y",
                            description=_l("Only if the session ends on a later day, for example an overnight stay"))
    places = _places_field()
    staff = _staff_field()
    submit = SubmitField(_l("Add the session"), widget=GovSubmitInput())

    @property
    def ends_later(self) -> bool:
        return self.end_day.data is not None and self.day.data is not None and self.end_day.data > self.day.data

    def validate_end_day(self, field):
        if field.data is not None and self.day.data is not None and field.data < self.day.data:
            raise ValidationError(_("The end date must be the same as or after the date of the session"))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid:
            for day, field in ((self.day.data, self.start_time), (self.end_day.data or self.day.data, self.end_time)):
                if not exists_in_london(day, field.clock):
                    field.errors = list(field.errors) + [CLOCKS_GO_FORWARD]
                    valid = False
        return valid


class SeriesForm(_TimesMixin, FlaskForm):
    first_day = RealDateField(_l("First date"), format="%d %m %Y",
                              validators=[InputRequired(message=_l("Enter the first date"))],
                              description=_l("For example, 6 1 2026"))
    last_day = RealDateField(_l("Last date"), format="%d %m %Y",
                             validators=[InputRequired(message=_l("Enter the last date"))],
                             description=_l("For example, 21 7 2026"))
    weekdays = MultiCheckboxField(_l("Which days of the week?"), coerce=int, choices=list(enumerate(DAYS_OF_WEEK)),
                                  validators=[InputRequired(message=_l("Select at least one day of the week"))])
    interval = PlainRadioField(_l("How often?"), choices=[("1", _l("Every week")), ("2", _l("Every fortnight"))],
                               default="1",
                               validators=[InputRequired(message=_l("Select every week or every fortnight"))])
    start_time = _start_time_field()
    end_time = _end_time_field()
    places = _places_field()
    staff = _staff_field()
    exceptions = TextAreaField(
        _l("Dates with no session (optional)"),
        description=_l("For example bank holidays or training days. Write one date on each line, like 25/12/2025."),
        validators=[Optional(), Length(max=4000, message=_l("List at most a few hundred dates"))],
        widget=GovTextArea(),
    )
    submit = SubmitField(_l("Add the sessions"), widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exception_days: list[date] = []

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_("The last date must be the same as or after the first date"))

    def validate_exceptions(self, field):
        days = []
        for line in (field.data or "").splitlines():
            if not line.strip():
                continue
            day = parse_day(line)
            if day is None:
                raise ValidationError(_("“%(written)s” is not a real date. Write dates like 25/12/2025",
                                        written=line.strip()[:20]))
            days.append(day)
        self.exception_days = sorted(set(days))


class PlacesForm(FlaskForm):
    places = _places_field()
    staff = _staff_field()
    reason = StringField(_l("Reason for the change (optional)"), validators=[Optional(), Length(max=500)],
                         filters=[plain_text], widget=GovTextInput())
    submit = SubmitField(_l("Save places"), widget=GovSubmitInput())


class CancelSessionForm(FlaskForm):
    reason = TextAreaField(_l("Why are you cancelling this session?"),
                           description=_l("We send this to every family who booked, so write it for them."),
                           validators=[DataRequired(message=_l("Give a reason for cancelling the session")),
                                       Length(max=1000, message=_l("The reason must be 1,000 characters or fewer"))],
                           filters=[plain_text], widget=GovTextArea())
    submit = SubmitField(_l("Cancel the session"), widget=GovSubmitInput())


class MessageFamiliesForm(FlaskForm):
    body = TextAreaField(_l("Your message"),
                         description=_l("We email it to every family with a place on this session, and they can read "
                                        "it with their booking. Do not include anything about one child."),
                         validators=[DataRequired(message=_l("Write the message to send to families")),
                                     Length(max=2000, message=_l("The message must be 2,000 characters or fewer"))],
                         filters=[plain_text], widget=GovTextArea())
    submit = SubmitField(_l("Send the message"), widget=GovSubmitInput())


class MoveSessionForm(SessionForm):
    reason = TextAreaField(_l("Why are you moving this session?"),
                           description=_l("We send this to every family who booked, so write it for them."),
                           validators=[DataRequired(message=_l("Give a reason for moving the session")),
                                       Length(max=1000, message=_l("The reason must be 1,000 characters or fewer"))],
                           filters=[plain_text], widget=GovTextArea())
    submit = SubmitField(_l("Move the session"), widget=GovSubmitInput())

    places = None
    staff = None


class UploadForm(FlaskForm):
    upload = FileField(_l("Upload a CSV file"), widget=GovFileInput())
    submit = SubmitField(_l("Check the file"), widget=GovSubmitInput())

    def validate_upload(self, field):
        if not getattr(field.data, "filename", None):
            raise ValidationError(_("Select a CSV file to upload"))


class ConfirmUploadForm(FlaskForm):
    """Carries the checked file, signed, between the preview and the import (no server memory)."""

    upload_token = HiddenField()


ATTENDANCE_CHOICES = [(a.value, _l(ATTENDANCE_LABELS[a])) for a in Attendance]


def register_form(lines) -> FlaskForm:
    """A form with one 'attended / did not attend' question per booked child (lines from registers.register_for)."""

    class RegisterForm(FlaskForm):
        submit = SubmitField(_l("Save the register"), widget=GovSubmitInput())

    for line in lines:
        setattr(RegisterForm, f"booking_{line.booking_id}",
                PlainRadioField(line.name, choices=ATTENDANCE_CHOICES, validators=[Optional(strip_whitespace=False)],
                                default=line.attendance.value if line.attendance else None))
    return RegisterForm()
