from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from registry.catalogue.labels import CONFIDENCE_LABELS, CONTROL_LABELS
from registry.catalogue.models import CONTROLS
from registry.core.forms import CheckboxesField, DayField, date_text, hint, max_length, version_field


class CatalogueFilterForm(FlaskForm):
    """The list's filters, sent with GET (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[max_length(200)])
    quantity = SelectField(_l("Quantity"), choices=[], validate_choice=False)
    on = DayField(_l("Rules in force on"))


class InstrumentTypeForm(FlaskForm):
    """The shape of the input only: the service checks every value and names a wrong one."""

    name_vi = StringField(_l("Vietnamese name"), render_kw=hint(required=True, max_length=255))
    name_en = StringField(_l("English name"), render_kw=hint(required=True, max_length=255))
    quantity = StringField(_l("Quantity"), render_kw=hint(required=True, max_length=60))
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


CONTROL_CHOICES = [SelectChoice(code, f"{code} – {CONTROL_LABELS[code]}") for code in CONTROLS]
CONFIDENCE_CHOICES = [SelectChoice(value, label) for value, label in CONFIDENCE_LABELS.items()]


class LegalRuleForm(FlaskForm):
    """The shape of the input only: the service checks every value and names a wrong one."""

    controls = CheckboxesField(_l("Required controls"), choices=CONTROL_CHOICES, validate_choice=False)
    cycle_months = StringField(_l("Periodic verification cycle (months)"), render_kw={"inputmode": "numeric"})
    legal_basis = StringField(_l("Legal basis"), render_kw=hint(required=True, max_length=120))
    effective_from = date_text(_l("In force from"), required=True)
    effective_to = date_text(_l("In force until"))
    confidence = RadioField(
        _l("Confidence"), choices=CONFIDENCE_CHOICES, default="source", validate_choice=False
    )
    note = TextAreaField(_l("Note"), render_kw=hint(max_length=2000))
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()

    def values(self) -> dict[str, Any]:
        """The keyword arguments of the rule services."""
        return {
            "controls": self.controls.data or [],
            "cycle_months": self.cycle_months.data,
            "legal_basis": self.legal_basis.data,
            "effective_from": self.effective_from.data,
            "effective_to": self.effective_to.data,
            "confidence": self.confidence.data,
            "note": self.note.data or "",
            "reason": self.reason.data,
            "version": self.version.data,
        }
