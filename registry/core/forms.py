"""Glue between WTForms (the shape of input) and service errors (the rules)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget, TextInput

from registry.core.dates import ISO_DATE, clean_date, iso_date
from registry.core.errors import ServiceError
from registry.core.validation import clean_whole_number

T = TypeVar("T")


def submitted(form: FlaskForm, action: Callable[[], T]) -> T | None:
    """The one service call behind a posted form: ``action()``'s result when the form is posted, valid and
    accepted by the service; None otherwise — not posted, invalid, or refused (the service's messages then
    stand under their fields). The view flashes and redirects on a result and renders the form again on
    None, with :func:`form_status`."""
    if not form.validate_on_submit():
        return None
    try:
        return action()
    except ServiceError as error:
        apply_service_error(form, error)
        return None


def form_status(form: FlaskForm) -> int:
    """422 when the form shows errors (so the request's commit point rolls back), 200 otherwise."""
    return 422 if form.errors or form.form_errors else 200


def apply_service_error(form: FlaskForm, error: ServiceError) -> None:
    """Show each message of ``error`` under its field, or above the form when no field matches (a refusal
    naming no field, such as a permission, is shown above the form too)."""
    if not error.fields and error.message:
        form.form_errors.append(str(error.message))
    for name, message in error.fields.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*list(field.errors), str(message)]
        else:
            form.form_errors.append(str(message))


def hint(*, required: bool = False, max_length: int | None = None) -> dict[str, Any]:
    """What the browser is told about an input (it refuses an empty required field, and stops typing at
    the limit). The service checks the same rules and names them, in the same words for the form and the
    API: a form only gives the service what was typed."""
    attributes: dict[str, Any] = {}
    if required:
        attributes["required"] = True
    if max_length is not None:
        attributes["maxlength"] = max_length
    return attributes


class DayInput(TextInput):
    """A date typed as Vietnamese forms write it, dd/mm/yyyy, whatever the browser's own language: a
    browser date picker shows mm/dd/yyyy to anyone whose browser speaks American English."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("placeholder", "dd/mm/yyyy")
        kwargs.setdefault("inputmode", "numeric")
        kwargs.setdefault("autocomplete", "off")
        return super().__call__(field, **kwargs)


def day_text(value: Any) -> str:
    """What a date field shows: a date as dd/mm/yyyy, anything typed as it was typed."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, str) and ISO_DATE.match(value.strip()):
        try:
            return iso_date(value.strip()).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


class DateTextField(StringField):
    """A date as typed, for the service to read (dd/mm/yyyy, or ISO) and to name when it is wrong."""

    widget = DayInput()

    def _value(self) -> str:
        return day_text(self.data)


def date_text(label: Any, *, required: bool = False, **kwargs: Any) -> StringField:
    return DateTextField(label, render_kw=hint(required=required), **kwargs)


class CheckboxesField(SelectMultipleField):
    """Several choices, shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DayField(StringField):
    """A date a list is filtered or shown by (a GET form): ISO or dd/mm/yyyy, read by the one date parser
    (:func:`registry.core.dates.clean_date`); empty is no date."""

    widget = DayInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return  # not sent at all: keep the value the form was given
        self.data = None
        try:
            text = " ".join(str(value) for value in valuelist)
            self.data = clean_date(text, field=self.name, required=False)
        except ServiceError as error:
            raise ValueError(str(error.message)) from None

    def _value(self) -> str:
        if self.raw_data:  # refused: shown as typed
            return " ".join(str(value) for value in self.raw_data)
        return day_text(self.data)


class WholeNumberField(StringField):
    """A whole number typed (or kept in a hidden field): its ASCII digits only, read by the one rule
    (:func:`registry.core.validation.clean_whole_number`) and refused in the user's language — WTForms'
    IntegerField would take " 1", "+1", "1_0" or other scripts' digits, and answer in English."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        try:
            self.data = clean_whole_number(" ".join(str(value) for value in valuelist), field=self.name)
        except ServiceError as error:
            raise ValueError(str(error.message)) from None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)


def version_field() -> WholeNumberField:
    """The version of the row the form was filled from, sent back hidden (a stale one is a conflict)."""
    return WholeNumberField(widget=HiddenInput())


def required() -> DataRequired:
    """WTForms' DataRequired with our message (WTForms ships no Vietnamese catalogue)."""
    return DataRequired(message=_l("This field is required."))


def max_length(limit: int) -> Length:
    return Length(max=limit, message=_l("Use at most %(n)d characters.", n=limit))
