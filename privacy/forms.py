"""The forms that confirm deleting an account and removing a child: both ask for something typed or ticked, so a
stray click (or an empty post) erases nothing."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput
from wtforms import BooleanField, PasswordField, SubmitField
from wtforms.validators import DataRequired, InputRequired

from portal.forms import PasswordInput


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), widget=PasswordInput(),
                             description=_l("To check that it is you."),
                             validators=[InputRequired(message=_l("Enter your password"))])
    submit = SubmitField(_l("Delete your account"), widget=GovSubmitInput())


class RemoveChildForm(FlaskForm):
    sure = BooleanField(_l("I understand that this cannot be undone"), widget=GovCheckboxInput(),
                        validators=[DataRequired(message=_l("Tick the box to say you understand that this cannot be "
                                                            "undone"))])
    submit = SubmitField(_l("Remove their details"), widget=GovSubmitInput())
