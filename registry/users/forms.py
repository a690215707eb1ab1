from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField

from registry.auth.passwords import MAX_PASSWORD_LENGTH
from registry.core.forms import CheckboxesField, hint, max_length, required


def roles_field() -> CheckboxesField:
    # The choices are the roles the actor may grant, set by the view; the service checks them again.
    return CheckboxesField(_l("Roles"), choices=[], validate_choice=False)


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), render_kw={"autocomplete": "off", **hint(required=True, max_length=254)})
    name = StringField(_l("Full name"), render_kw=hint(max_length=200))
    role = roles_field()


class RolesForm(FlaskForm):
    role = roles_field()


class ActionForm(FlaskForm):
    """A button that changes an account (disable, re-enable, invite again): its CSRF token only."""


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), max_length(254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        render_kw={"autocomplete": "new-password", **hint(required=True, max_length=MAX_PASSWORD_LENGTH)},
    )
