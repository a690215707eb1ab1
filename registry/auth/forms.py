from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField

from registry.core.forms import hint, max_length, required


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


def one_time_code(label: object = None) -> StringField:
    """A code from the authenticator app, or a recovery code (letters too, so no numeric keyboard)."""
    return StringField(
        label or _l("Code from your authenticator app"),
        render_kw={
            "autocomplete": "one-time-code",
            "autocapitalize": "characters",
            "spellcheck": "false",
            **hint(required=True, max_length=32),
        },
    )


class LoginCodeForm(FlaskForm):
    code = one_time_code(_l("Code"))


def your_password() -> PasswordField:
    return PasswordField(
        _l("Your password"), render_kw={"autocomplete": "current-password", **hint(required=True)}
    )


class TwoFactorStartForm(FlaskForm):
    password = your_password()


class TwoFactorConfirmForm(FlaskForm):
    code = one_time_code(_l("Code shown by the app"))


class RecoveryCodesForm(FlaskForm):
    code = one_time_code()


class NewPhoneForm(FlaskForm):
    password = your_password()
    code = one_time_code(_l("Code from the app in use"))


class TwoFactorOffForm(FlaskForm):
    password = your_password()
    code = one_time_code()
