"""The lookup form of /verify: its shape only (the service says what is missing)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField

from registry.core.forms import DayField, hint
from registry.items.forms import type_choices


class LookupForm(FlaskForm):
    """Sent by GET (a lookup changes nothing, and the link can be shared), so it has no CSRF token."""

    class Meta:
        csrf = False

    provider = StringField(_l("Lab's code"), render_kw=hint(required=True, max_length=40))
    number = StringField(_l("Certificate number"), render_kw=hint(max_length=80))
    stamp = StringField(_l("Stamp number"), render_kw=hint(max_length=80))


class CertificateFileForm(FlaskForm):
    file = FileField(_l("Certificate (PDF)"))


class LabelChoiceForm(FlaskForm):
    """Which certificates to list for labels: sent by GET (it changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    since = DayField(_l("Performed from"))
    until = DayField(_l("Performed until"))
    type_code = SelectField(_l("Instrument type"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type_code.choices = type_choices(blank=_l("— all —"))
