"""Forms for providers' sessions: one-off sessions, repeating series, places, cancelling, moving, uploads, registers."""
from __future__ import annotations

import re
from datetime import date, time
from functools import lru_cache

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

from portal.forms import MultiCheckboxField, PlainRadioField, RealDateField
from portal.timeutil import to_london

from .models import Attendance
from .sessions import london_moment

CLOCKS_GO_FORWARD = "The clocks go forward at that time on that day, so it does not exist in London. Choose another time"

DAYS_OF_WEEK = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

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


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value):
    """Drop invisible control characters (PostgreSQL refuses NUL in text) and surrounding spaces."""
    return _CONTROL_CHARACTERS.sub("", value).strip() if isinstance(value, str) else value


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

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("description", "Use the 24-hour clock, for example 16:00, or write 4pm")
        super().__init__(label, validators, **kwargs)
        self.clock: time | None = None

    def pre_validate(self, form):
        self.clock = None
        if self.data and self.data.strip():
            self.clock = parse_clock(self.data)
            if self.clock is None:
                raise ValidationError(f"{self.label.text} must be a real time, like 16:00 or 4pm")


class WholeNumberField(IntegerField):
    """An integer box that says in plain English when what was typed is not a whole number."""

    widget = GovTextInput()

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 12") from None


def _places_field():
    return WholeNumberField("Places", validators=[InputRequired(message="Enter the number of places"),
                                                  NumberRange(min=1, max=500, message="Places must be from 1 to 500")],
                            description="How many children can come.", render_kw={"inputmode": "numeric"})


def _staff_field():
    return WholeNumberField(
        "Staff (optional)",
        validators=[Optional(), NumberRange(min=1, max=200, message="Staff must be from 1 to 200")],
        description="How many staff will work at the session. A child who needs 1:1 support takes one member of "
                    "staff, 2:1 support two, 1:2 support half, and a child in a group a quarter. "
                    "Leave this blank if only the number of places limits bookings.",
        render_kw={"inputmode": "numeric"},
    )


class _TimesMixin:
    def validate_end_time(self, field):
        if self.start_time.clock and field.clock and field.clock <= self.start_time.clock \
                and not getattr(self, "ends_later", False):
            raise ValidationError("The end time must be after the start time")


class SessionForm(_TimesMixin, FlaskForm):
    day = RealDateField("Date", format="%d %m %Y", validators=[InputRequired(message="Enter the date of the session")],
                        description="For example, 27 3 2026")
    start_time = TimeOfDayField("Start time", validators=[InputRequired(message="Enter the start time")])
    end_time = TimeOfDayField("End time", validators=[InputRequired(message="Enter the end time")])
    end_day = RealDateField("End date (optional)", format="%d %m %Y",
                            description="Only if the session ends on a later day, for example an overnight stay")
    places = _places_field()
    staff = _staff_field()
    submit = SubmitField("Add the session", widget=GovSubmitInput())

    @property
    def ends_later(self) -> bool:
        return self.end_day.data is not None and self.day.data is not None and self.end_day.data > self.day.data

    def validate_end_day(self, field):
        if field.data is not None and self.day.data is not None and field.data < self.day.data:
            raise ValidationError("The end date must be the same as or after the date of the session")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid:
            for day, field in ((self.day.data, self.start_time), (self.end_day.data or self.day.data, self.end_time)):
                if not exists_in_london(day, field.clock):
                    field.errors = list(field.errors) + [CLOCKS_GO_FORWARD]
                    valid = False
        return valid


class SeriesForm(_TimesMixin, FlaskForm):
    first_day = RealDateField("First date", format="%d %m %Y",
                              validators=[InputRequired(message="Enter the first date")],
                              description="For example, 6 1 2026")
    last_day = RealDateField("Last date", format="%d %m %Y", validators=[InputRequired(message="Enter the last date")],
                             description="For example, 21 7 2026")
    weekdays = MultiCheckboxField("Which days of the week?", coerce=int, choices=list(enumerate(DAYS_OF_WEEK)),
                                  validators=[InputRequired(message="Select at least one day of the week")])
    interval = PlainRadioField("How often?", choices=[("1", "Every week"), ("2", "Every fortnight")], default="1",
                               validators=[InputRequired(message="Select every week or every fortnight")])
    start_time = TimeOfDayField("Start time", validators=[InputRequired(message="Enter the start time")])
    end_time = TimeOfDayField("End time", validators=[InputRequired(message="Enter the end time")])
    places = _places_field()
    staff = _staff_field()
    exceptions = TextAreaField(
        "Dates with no session (optional)",
        description="For example bank holidays or training days. Write one date on each line, like 25/12/2025.",
        validators=[Optional(), Length(max=4000, message="List at most a few hundred dates")],
        widget=GovTextArea(),
    )
    submit = SubmitField("Add the sessions", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.exception_days: list[date] = []

    def validate_last_day(self, field):
        if field.data and self.first_day.data and field.data < self.first_day.data:
            raise ValidationError("The last date must be the same as or after the first date")

    def validate_exceptions(self, field):
        days = []
        for line in (field.data or "").splitlines():
            if not line.strip():
                continue
            day = parse_day(line)
            if day is None:
                raise ValidationError(f"“{line.strip()[:20]}” is not a real date. Write dates like 25/12/2025")
            days.append(day)
        self.exception_days = sorted(set(days))


class PlacesForm(FlaskForm):
    places = _places_field()
    staff = _staff_field()
    reason = StringField("Reason for the change (optional)", validators=[Optional(), Length(max=500)],
                         filters=[plain_text], widget=GovTextInput())
    submit = SubmitField("Save places", widget=GovSubmitInput())


class CancelSessionForm(FlaskForm):
    reason = TextAreaField("Why are you cancelling this session?",
                           description="We send this to every family who booked, so write it for them.",
                           validators=[DataRequired(message="Give a reason for cancelling the session"),
                                       Length(max=1000, message="The reason must be 1,000 characters or fewer")],
                           filters=[plain_text], widget=GovTextArea())
    submit = SubmitField("Cancel the session", widget=GovSubmitInput())


class MoveSessionForm(SessionForm):
    reason = TextAreaField("Why are you moving this session?",
                           description="We send this to every family who booked, so write it for them.",
                           validators=[DataRequired(message="Give a reason for moving the session"),
                                       Length(max=1000, message="The reason must be 1,000 characters or fewer")],
                           filters=[plain_text], widget=GovTextArea())
    submit = SubmitField("Move the session", widget=GovSubmitInput())

    places = None
    staff = None


class UploadForm(FlaskForm):
    upload = FileField("Upload a CSV file", widget=GovFileInput())
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_upload(self, field):
        if not getattr(field.data, "filename", None):
            raise ValidationError("Select a CSV file to upload")


class ConfirmUploadForm(FlaskForm):
    """Carries the checked file, signed, between the preview and the import (no server memory)."""

    upload_token = HiddenField()


ATTENDANCE_CHOICES = [(a.value, a.label) for a in Attendance]


def register_form(lines) -> FlaskForm:
    """A form with one 'attended / did not attend' question per booked child (lines from registers.register_for)."""

    class RegisterForm(FlaskForm):
        submit = SubmitField("Save the register", widget=GovSubmitInput())

    for line in lines:
        setattr(RegisterForm, f"booking_{line.booking_id}",
                PlainRadioField(line.name, choices=ATTENDANCE_CHOICES, validators=[Optional(strip_whitespace=False)],
                                default=line.attendance.value if line.attendance else None))
    return RegisterForm()
