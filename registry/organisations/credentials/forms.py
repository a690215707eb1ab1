"""Web forms of the provider credentials: the shape of the input only (the services check it)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from registry.core.forms import CheckboxesField, date_text, hint, version_field
from registry.organisations.credentials.parsing import SCHEMES
from registry.organisations.labels import SERVICE_LABELS, SUSPENSION_LABELS


def _lines(text: str | None, keys: tuple[str, ...]) -> list[dict[str, str]]:
    """Lines of ``a | b | c`` as ``[{keys[0]: a, keys[1]: b, …}]``; extra parts stay in the last value."""
    entries = []
    # Lines end at a line break only: str.splitlines() would also break at control characters (\x1c…)
    # and U+2028, which the service must see and refuse instead.
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if not line.strip(" \t\r"):
            continue
        parts = [part.strip(" \t\r") for part in line.split("|", len(keys) - 1)]
        entries.append(dict(zip(keys, parts + [""] * (len(keys) - len(parts)), strict=True)))
    return entries


def _as_lines(entries: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    return "\n".join(" | ".join(str(entry.get(key, "")) for key in keys).rstrip(" |") for entry in entries)


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


class ChangeFields(FlaskForm):
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


class RegistrationForm(FlaskForm):
    certificate_number = StringField(_l("Certificate number"), render_kw=hint(required=True, max_length=80))
    services = CheckboxesField(
        _l("Services"),
        choices=[SelectChoice(key, label) for key, label in SERVICE_LABELS.items()],
        validate_choice=False,
    )
    fields = TextAreaField(_l("Fields"), render_kw=hint(max_length=2000))
    issued_on = date_text(_l("Issued on"), required=True)
    revoked_on = date_text(_l("Revoked on"))

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
    body = StringField(_l("Accreditation body"), render_kw=hint(max_length=120))
    number = StringField(_l("Number"), render_kw=hint(required=True, max_length=80))
    scope = TextAreaField(
        _l("Scope"),
        render_kw=hint(max_length=20000),
        description=_l("One line per quantity: quantity | range | CMC, e.g. mass | 1 mg – 50 kg | 0.1 mg."),
    )
    valid_from = date_text(_l("Valid from"), required=True)
    valid_to = date_text(_l("Valid to"), required=True)
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
    decision_number = StringField(_l("Decision number"), render_kw=hint(required=True, max_length=80))
    # Choices come from the catalogue (set by the view); an unknown code is named by the service.
    type_codes = SelectMultipleField(
        _l("Instrument types"), choices=[], validate_choice=False, description=SEVERAL
    )
    scope = TextAreaField(
        _l("Ranges"),
        render_kw=hint(max_length=20000),
        description=_l("Optional, one line per type: TYPE_CODE | range, e.g. FUEL_DISPENSER | ≤ 200 L/min."),
    )
    valid_from = date_text(_l("Valid from"), required=True)
    valid_to = date_text(_l("Valid to"), required=True)

    def arguments(self) -> dict[str, Any]:
        return {
            "decision_number": self.decision_number.data or "",
            "type_codes": self.type_codes.data or [],
            "scope": _lines(self.scope.data, RANGE_KEYS),
            "valid_from": self.valid_from.data or None,
            "valid_to": self.valid_to.data or None,
        }

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "decision_number": credential.decision_number,
            "type_codes": credential.type_codes,
            "scope": _as_lines([entry for entry in credential.scope if entry.get("range")], RANGE_KEYS),
            "valid_from": _day(credential.valid_from),
            "valid_to": _day(credential.valid_to),
        }


class VerifierForm(FlaskForm):
    name = StringField(_l("Name"), render_kw=hint(required=True, max_length=200))
    card_number = StringField(_l("Card number"), render_kw=hint(required=True, max_length=60))
    type_codes = SelectMultipleField(
        _l("Instrument types"), choices=[], validate_choice=False, description=SEVERAL
    )
    valid_from = date_text(_l("Valid from (issued on)"), required=True)
    valid_to = date_text(_l("Valid to"), required=True)

    def arguments(self) -> dict[str, Any]:
        return {
            "name": self.name.data or "",
            "card_number": self.card_number.data or "",
            "type_codes": self.type_codes.data or [],
            "valid_from": self.valid_from.data or None,
            "valid_to": self.valid_to.data or None,
        }

    @staticmethod
    def values(credential: Any) -> dict[str, Any]:
        return {
            "name": credential.name,
            "card_number": credential.card_number,
            "type_codes": credential.type_codes,
            "valid_from": _day(credential.valid_from),
            "valid_to": _day(credential.valid_to),
        }


class ReviewForm(FlaskForm):
    """The Department's decision: the button pressed sends ``decision`` (confirm or reject)."""

    decision = StringField()
    reason = TextAreaField(_l("Reason"), render_kw=hint(max_length=2000))


class EditRegistrationForm(RegistrationForm, ChangeFields):
    pass


class EditAccreditationForm(AccreditationForm, ChangeFields):
    pass


class EditDesignationForm(DesignationForm, ChangeFields):
    pass


class EditVerifierForm(VerifierForm, ChangeFields):
    pass
