"""Who families can contact, as commissioners keep it up to date: the children's trust's phone, the short breaks
team's email, the SEND information, advice and support service (SENDIASS), the parent carer forum and the local
offer's web address.

The Short Breaks Statement gives these (each published version keeps them as they were that day). Commissioners
change them at /commissioning/contacts; each change is kept in the audit trail."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column
from wtforms import EmailField, StringField, SubmitField, URLField
from wtforms.validators import Email, InputRequired, Length, Regexp, ValidationError

from .access import role_required
from .extensions import db
from .i18n import N_
from .models import Role, User, record
from .timeutil import UTCDateTime, utcnow

COMMISSIONERS = (Role.COUNCIL, Role.TRUST, Role.ADMIN)


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # marked with N_, translated where shown
    kind: str  # "text", "phone", "email" or "web"
    missing: str  # the error when it is left empty (N_ too)


# In the order the form asks for them. Every one is needed before a statement can be published.
FIELDS = (
    Field("trust_phone", N_("The children's trust's phone number for families"), "phone",
          N_("Enter the children's trust's phone number")),
    Field("short_breaks_email", N_("The short breaks team's email address"), "email",
          N_("Enter the short breaks team's email address")),
    Field("sendiass_name", N_("SENDIASS's name"), "text", N_("Enter SENDIASS's name")),
    Field("sendiass_phone", N_("SENDIASS's phone number"), "phone", N_("Enter SENDIASS's phone number")),
    Field("sendiass_email", N_("SENDIASS's email address"), "email", N_("Enter SENDIASS's email address")),
    Field("sendiass_website", N_("SENDIASS's website"), "web", N_("Enter SENDIASS's website")),
    Field("forum_name", N_("The parent carer forum's name"), "text", N_("Enter the parent carer forum's name")),
    Field("forum_email", N_("The parent carer forum's email address"), "email",
          N_("Enter the parent carer forum's email address")),
    Field("forum_website", N_("The parent carer forum's website"), "web", N_("Enter the parent carer forum's website")),
    Field("local_offer_url", N_("The local offer's web address"), "web", N_("Enter the local offer's web address")),
)
KEYS = [field.key for field in FIELDS]


class ServiceContacts(db.Model):
    """The one row of contacts (no row yet: nothing entered)."""

    __tablename__ = "service_contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    trust_phone: Mapped[str] = mapped_column(String(40), default="")
    short_breaks_email: Mapped[str] = mapped_column(String(200), default="")
    sendiass_name: Mapped[str] = mapped_column(String(200), default="")
    sendiass_phone: Mapped[str] = mapped_column(String(40), default="")
    sendiass_email: Mapped[str] = mapped_column(String(200), default="")
    sendiass_website: Mapped[str] = mapped_column(String(300), default="")
    forum_name: Mapped[str] = mapped_column(String(200), default="")
    forum_email: Mapped[str] = mapped_column(String(200), default="")
    forum_website: Mapped[str] = mapped_column(String(300), default="")
    local_offer_url: Mapped[str] = mapped_column(String(300), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def current_contacts() -> dict[str, str]:
    """Every contact by key ("" where nothing has been entered yet)."""
    row = db.session.scalar(select(ServiceContacts).order_by(ServiceContacts.id).limit(1))
    return {key: (getattr(row, key) or "") if row is not None else "" for key in KEYS}


def missing_contacts(contacts: dict[str, str]) -> list[Field]:
    return [field for field in FIELDS if not (contacts.get(field.key) or "").strip()]


def change_contacts(values: dict[str, str], *, by: User) -> ServiceContacts:
    """Save the contacts and record what changed (the caller commits)."""
    row = db.session.scalar(select(ServiceContacts).order_by(ServiceContacts.id).limit(1))
    if row is None:
        row = ServiceContacts(**{key: "" for key in KEYS})
        db.session.add(row)
    before = {key: getattr(row, key) or "" for key in KEYS}
    for key in KEYS:
        setattr(row, key, (values.get(key) or "").strip())
    row.changed_by_id, row.changed_at = by.id, utcnow()
    db.session.flush()
    after = {key: getattr(row, key) for key in KEYS}
    changed = {key for key in KEYS if before[key] != after[key]}
    record("contacts_changed", row, by=by, before={k: before[k] for k in sorted(changed)},
           after={k: after[k] for k in sorted(changed)})
    return row


PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{5,30}$")


def _web_address(form, field) -> None:
    if field.data and not re.match(r"^https?://[^\s/]+\.[^\s]+$", field.data.strip()):
        raise ValidationError(_("Enter a web address starting with https://, like https://www.example.org"))


def _form_field(field: Field):
    label = _l(field.label)
    required = InputRequired(message=_l(field.missing))
    if field.kind == "phone":
        return StringField(label, widget=GovTextInput(), validators=[
            required, Length(max=40),
            Regexp(PHONE, message=_l("Enter a phone number, like 0121 496 0000"))])
    if field.kind == "email":
        return EmailField(label, widget=GovTextInput(), validators=[
            required, Length(max=200),
            Email(message=_l("Enter an email address in the correct format, like name@example.com"))])
    if field.kind == "web":
        return URLField(label, widget=GovTextInput(), validators=[required, Length(max=300), _web_address])
    return StringField(label, widget=GovTextInput(), validators=[required, Length(max=200)])


class ContactsForm(FlaskForm):
    submit = SubmitField(_l("Save contacts"), widget=GovSubmitInput())


for _field in FIELDS:
    setattr(ContactsForm, _field.key, _form_field(_field))


bp = Blueprint("contacts", __name__)


@bp.route("/commissioning/contacts", methods=["GET", "POST"])
@role_required(*COMMISSIONERS)
def edit():
    form = ContactsForm(data=current_contacts())
    if form.validate_on_submit():
        change_contacts({key: getattr(form, key).data for key in KEYS}, by=current_user)
        db.session.commit()
        flash(_("Contacts saved. The next statement you publish gives them."), "success")
        return redirect(url_for(".edit"))
    return render_template("contacts/edit.html", form=form, fields=FIELDS), 422 if form.errors else 200
