"""The import pages' forms: their shape only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from registry.core.forms import hint, version_field


class UploadForm(FlaskForm):
    file = FileField(_l("File (XLSX or CSV)"), render_kw={"accept": ".xlsx,.csv", "required": True})
    # Shown to the Department's admin only: everyone else imports into their own organisation.
    organisation = StringField(
        _l("Organisation (code)"),
        render_kw=hint(max_length=40),
        description=_l("The organisation that owns the instruments."),
    )


class ConfirmForm(FlaskForm):
    version = version_field()
