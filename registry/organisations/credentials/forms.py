"""Web forms of the provider credentials: the shape of the input only (the services check it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import DateInput

from registry.core.forms import max_length, required
from registry.organisations.credentials.parsing import SCHEMES, scope_from_type_codes
from registry.organisations.forms import CheckboxesField
from registry.organisations.labels import SERVICE_LABELS, SUSPENSION_LABELS


def _date_field(label: Any, *, optional: bool = False) -> StringField:
    # A text field with the browser's date picker: the service parses it and names a bad date in the
    # user's language (WTForms' DateField has no Vietnamese message).
    return StringField(label, validators=[] if optional else [required()], widget=DateInput())


def _lines(text: str | None, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Lines of ``a | b | c`` as ``[{keys[0]: a, keys[1]: b, …}]``; extra parts stay in the last value."""
    entries = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|", len(keys) - 1)]
        entries.append(dict(zip(keys, parts + [""] * (len(keys) - len(parts)), strict=True)))
    return entries


def _as_lines(entries: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    return "\n".join(" | ".join(str(entry.get(key, "")) for key in keys).rstrip(" |") for entry in entries)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


class ChangeFields(FlaskForm):
    reason = TextAreaField(_l("Reason for the change"), validators=[required(), max_length(2000)])
    version = IntegerField(widget=HiddenField.widget)


class RegistrationForm(FlaskForm):
    certificate_number = StringField(_l("Certificate number"), validators=[required(), max_length(80)])
    services = CheckboxesField(
        _l("Services"),
        choices=[SelectChoice(key, label) for key, label in SERVICE_LABELS.items()],
        validate_choice=False,
    )
    fields = TextAreaField(_l("Fields"), validators=[max_length(2000)])
    issued_on = _date_field(_l("Issued on"))
    revoked_on = _date_field(_l("Revoked on"), optional=True)

    def arguments(self) -> dict[str, Any]:
        values = {
            "certificate_number": self.certificate_number.data or "",
            "services": self.services.data or [],
            "fields": self.fields.data or "",
            "issued_on": self.issued_on.data or None,
        }
        if "revoked_on" in self:
            values["revoked_on"] = self.revoked_on.data or None
        return values

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "certificate_number": credential.certificate_number,
            "services": credential.services,
            "fields": credential.fields,
            "issued_on": _day(credential.issued_on),
            "revoked_on": _day(credential.revoked_on),
        }


SCOPE_KEYS = ("quantity", "range", "cmc")
SEVERAL = _l("Hold Ctrl (⌘ on a Mac) to choose several.")
RANGE_KEYS = ("type_code", "range")


class AccreditationForm(FlaskForm):
    scheme = SelectField(
        _l("Scheme"), choices=[SelectChoice(scheme, scheme) for scheme in SCHEMES], validate_choice=False
    )
    body = StringField(_l("Accreditation body"), validators=[max_length(120)])
    number = StringField(_l("Number"), validators=[required(), max_length(80)])
    scope = TextAreaField(
        _l("Scope"),
        validators=[max_length(20000)],
        description=_l("One line per quantity: quantity | range | CMC, e.g. mass | 1 mg – 50 kg | 0.1 mg."),
    )
    valid_from = _date_field(_l("Valid from"))
    valid_to = _date_field(_l("Valid to"))
    suspension = SelectField(
        _l("Suspension"),
        choices=[SelectChoice(key, label) for key, label in SUSPENSION_LABELS.items()],
        validate_choice=False,
    )

    def arguments(self) -> dict[str, Any]:
        values = {
            "scheme": self.scheme.data or "",
            "body": self.body.data or "",
            "number": self.number.data or "",
            "scope": _lines(self.scope.data, SCOPE_KEYS),
            "valid_from": self.valid_from.data or None,
            "valid_to": self.valid_to.data or None,
        }
        if "suspension" in self:
            values["suspension"] = self.suspension.data or None
        return values

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "scheme": credential.scheme,
            "body": credential.body,
            "number": credential.number,
            "scope": _as_lines(credential.scope, SCOPE_KEYS),
            "valid_from": _day(credential.valid_from),
            "valid_to": _day(credential.valid_to),
            "suspension": credential.suspension or "",
        }


class DesignationForm(FlaskForm):
    decision_number = StringField(_l("Decision number"), validators=[required(), max_length(80)])
    # Choices come from the catalogue (set by the view); an unknown code is named by the service.
    type_codes = SelectMultipleField(
        _l("Instrument types"), choices=[], validate_choice=False, description=SEVERAL
    )
    ranges = TextAreaField(
        _l("Ranges"),
        validators=[max_length(20000)],
        description=_l("Optional, one line per type: TYPE_CODE | range, e.g. FUEL_DISPENSER | ≤ 200 L/min."),
    )
    valid_from = _date_field(_l("Valid from"))
    valid_to = _date_field(_l("Valid to"))

    def arguments(self) -> dict[str, Any]:
        return {
            "decision_number": self.decision_number.data or "",
            "scope": scope_from_type_codes(
                self.type_codes.data or [], _lines(self.ranges.data, ("type_code", "range"))
            ),
            "valid_from": self.valid_from.data or None,
            "valid_to": self.valid_to.data or None,
        }

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "decision_number": credential.decision_number,
            "type_codes": credential.type_codes,
            "ranges": _as_lines(
                [entry for entry in credential.scope if entry.get("range")], ("type_code", "range")
            ),
            "valid_from": _day(credential.valid_from),
            "valid_to": _day(credential.valid_to),
        }


class VerifierForm(FlaskForm):
    name = StringField(_l("Name"), validators=[required(), max_length(200)])
    card_number = StringField(_l("Card number"), validators=[required(), max_length(60)])
    type_codes = SelectMultipleField(
        _l("Instrument types"), choices=[], validate_choice=False, description=SEVERAL
    )
    valid_to = _date_field(_l("Valid to"))

    def arguments(self) -> dict[str, Any]:
        return {
            "name": self.name.data or "",
            "card_number": self.card_number.data or "",
            "type_codes": self.type_codes.data or [],
            "valid_to": self.valid_to.data or None,
        }

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "name": credential.name,
            "card_number": credential.card_number,
            "type_codes": credential.type_codes,
            "valid_to": _day(credential.valid_to),
        }


class ReviewForm(FlaskForm):
    """The Department's decision: the button pressed sends ``decision`` (confirm or reject)."""

    decision = StringField()
    reason = TextAreaField(_l("Reason"), validators=[max_length(2000)])


def edit_form(form_class: type[FlaskForm]) -> type[FlaskForm]:
    """``form_class`` with a reason and the version read."""
    return type(f"Edit{form_class.__name__}", (form_class, ChangeFields), {})


EDIT_FORMS = {
    form_class: edit_form(form_class)
    for form_class in (RegistrationForm, AccreditationForm, DesignationForm, VerifierForm)
}
