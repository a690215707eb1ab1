"""Organisation forms: the shape of the input only. The service cleans and checks every value and names
a wrong one, as it does for the API."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from registry.core.forms import CheckboxesField, hint, max_length, version_field
from registry.organisations.models import Organisation

KIND_CHOICES = [
    SelectChoice("department", _l("Department")),
    SelectChoice("enterprise", _l("Enterprise")),
    SelectChoice("provider", _l("Service provider")),
]
SORT_CHOICES = [
    SelectChoice("name", _l("Name")),
    SelectChoice("code", _l("Code")),
    SelectChoice("newest", _l("Newest first")),
]


class ContactFields(FlaskForm):
    """How to find an organisation: what its managers may change themselves."""

    address = StringField(_l("Address"), render_kw=hint(max_length=500))
    # Choices come from the catalogue (set by the view); an unknown code is named by the service.
    admin_unit = SelectField(_l("Administrative unit"), choices=[], validate_choice=False)
    sectors = StringField(
        _l("Sectors"),
        description=_l("Separate them with commas, e.g. fuel retail, water supply."),
        render_kw=hint(max_length=2000),
    )


class ProfileFields(ContactFields):
    """What the organisation is: set by the Department."""

    name = StringField(_l("Name"), render_kw=hint(required=True, max_length=255))
    kinds = CheckboxesField(_l("Kinds"), choices=KIND_CHOICES, validate_choice=False)
    tax_code = StringField(
        _l("Tax code"),
        description=_l(
            "10 digits; 10 digits-3 digits for a branch; a household business may give the 12-digit "
            "personal ID of its owner, or nothing."
        ),
        render_kw=hint(max_length=20),
    )
    state_capital_pct = StringField(_l("State capital (%)"), render_kw=hint(max_length=20))
    foreign_capital_pct = StringField(_l("Foreign capital (%)"), render_kw=hint(max_length=20))
    public_unit = BooleanField(_l("Public unit (a hospital, a school…)"))


class Changed(FlaskForm):
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


class OrganisationForm(ProfileFields):
    code = StringField(_l("Code"), render_kw=hint(required=True, max_length=40))


class OrganisationEditForm(ProfileFields, Changed):
    pass


class ContactForm(ContactFields, Changed):
    pass


class OrganisationFilterForm(FlaskForm):
    """The list's filters: sent with GET, so without a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), max_length(200)])
    kind = SelectField(
        _l("Kind"), choices=[SelectChoice("", _l("All kinds")), *KIND_CHOICES], validate_choice=False
    )
    admin_unit = SelectField(_l("Administrative unit"), choices=[], validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=SORT_CHOICES, validate_choice=False)


def organisation_values(organisation: Organisation) -> dict[str, Any]:
    """An organisation as its forms show it."""
    return {
        "name": organisation.name,
        "kinds": organisation.kinds,
        "tax_code": organisation.tax_code or "",
        "address": organisation.address,
        "admin_unit": organisation.admin_unit.code if organisation.admin_unit else "",
        "sectors": ", ".join(organisation.sectors or []),
        "state_capital_pct": _percent(organisation.state_capital_pct),
        "foreign_capital_pct": _percent(organisation.foreign_capital_pct),
        "public_unit": organisation.public_unit,
        "version": organisation.version,
    }


def _percent(value: object) -> str:
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def profile_changes(form: ProfileFields) -> dict[str, Any]:
    """The service's values from a submitted profile form, as typed."""
    return {
        "name": form.name.data,
        "kinds": form.kinds.data or [],
        "tax_code": form.tax_code.data,
        "state_capital_pct": form.state_capital_pct.data,
        "foreign_capital_pct": form.foreign_capital_pct.data,
        "public_unit": bool(form.public_unit.data),
        **contact_changes(form),
    }


def contact_changes(form: ContactFields) -> dict[str, Any]:
    return {
        "address": form.address.data or "",
        "admin_unit": form.admin_unit.data or None,
        "sectors": form.sectors.data or "",
    }
