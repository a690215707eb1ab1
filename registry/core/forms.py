"""Glue between WTForms (the shape of input) and service errors (the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm

from registry.core.errors import ServiceError


def apply_service_error(form: FlaskForm, error: ServiceError) -> None:
    """Show each message of ``error`` under its field, or above the form when no field matches."""
    for name, message in error.fields.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors), str(message)]
        else:
            form.form_errors.append(str(message))
