"""The lookup form of /verify: its shape only (the service says what is missing)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from registry.core.forms import hint


class LookupForm(FlaskForm):
    """Sent by GET (a lookup changes nothing, and the link can be shared), so it has no CSRF token."""

    class Meta:
        csrf = False

    provider = StringField(_l("Lab's code"), render_kw=hint(required=True, max_length=40))
    number = StringField(_l("Certificate number"), render_kw=hint(max_length=80))
    stamp = StringField(_l("Stamp number"), render_kw=hint(max_length=80))


class CertificateFileForm(FlaskForm):
    file = FileField(_l("Certificate (PDF)"))
