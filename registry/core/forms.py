"""Glue between WTForms (the shape of input) and service errors (the rules)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.validators import DataRequired, Length

from registry.core.errors import ServiceError


def apply_service_error(form: FlaskForm, error: ServiceError) -> None:
    """Show each message of ``error`` under its field, or above the form when no field matches."""
    for name, message in error.fields.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors), str(message)]
        else:
            form.form_errors.append(str(message))


def required() -> DataRequired:
    """WTForms' DataRequired with our message (WTForms ships no Vietnamese catalogue)."""
    return DataRequired(message=_l("This field is required."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(n)d characters.", n=limit))
