"""Notification forms: the shape of the input only; the services check the stages and who may change what."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from registry.core.forms import hint


class StagesForm(FlaskForm):
    stages = StringField(
        _l("Reminder stages (days before the end date, separated by commas)"), render_kw=hint(max_length=60)
    )


class RecipientForm(FlaskForm):
    receives = HiddenField()


class ActionForm(FlaskForm):
    """A button that only needs its CSRF token (mark read, mark all read)."""
