from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField

from registry.core.forms import max_length, required


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[required(), max_length(254)])
    password = PasswordField(_l("Password"), validators=[required(), max_length(256)])
    next = HiddenField()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[required(), max_length(256)])
    new_password = PasswordField(_l("New password"), validators=[required(), max_length(256)])


class LogoutForm(FlaskForm):
    pass


class LanguageForm(FlaskForm):
    lang = SelectField(choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")])
    next = HiddenField()
