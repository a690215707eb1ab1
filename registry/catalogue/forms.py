from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from registry.catalogue.labels import CONFIDENCE_LABELS, CONTROL_LABELS
from registry.catalogue.models import CONTROLS
from registry.core.forms import CheckboxesField, max_length, required


class WholeNumberField(IntegerField):
    """An optional whole number whose parse error is ours (WTForms ships no Vietnamese catalogue)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            self.data = None
            return
        try:
            self.data = int(text)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a whole number.")) from None


class DayField(DateField):
    """A date from ``<input type="date">`` (yyyy-mm-dd) or typed as dd/mm/yyyy; empty is None."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, format=["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = str(valuelist[0]).strip() if valuelist else ""
        self.data = None
        if not text:
            return
        for pattern in self.strptime_format:
            try:
                self.data = datetime.strptime(text, pattern).date()
                return
            except ValueError:
                continue
        raise ValueError(_l("Enter a date as dd/mm/yyyy."))


class CatalogueFilterForm(FlaskForm):
    """The list's filters, sent with GET (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[max_length(200)])
    quantity = SelectField(_l("Quantity"), choices=[], validate_choice=False)
    on = DayField(_l("Rules in force on"))


class InstrumentTypeForm(FlaskForm):
    name_vi = StringField(_l("Vietnamese name"), validators=[required(), max_length(255)])
    name_en = StringField(_l("English name"), validators=[required(), max_length(255)])
    quantity = StringField(_l("Quantity"), validators=[required(), max_length(60)])
    group2 = BooleanField(_l("Group 2 (legal control applies)"))
    reason = TextAreaField(_l("Reason for the change"), validators=[required(), max_length(2000)])
    version = IntegerField(widget=HiddenField.widget)


CONTROL_CHOICES = [SelectChoice(code, f"{code} – {CONTROL_LABELS[code]}") for code in CONTROLS]
CONFIDENCE_CHOICES = [SelectChoice(value, label) for value, label in CONFIDENCE_LABELS.items()]


class LegalRuleForm(FlaskForm):
    controls = CheckboxesField(_l("Required controls"), choices=CONTROL_CHOICES, validate_choice=False)
    cycle_months = WholeNumberField(_l("Periodic verification cycle (months)"))
    legal_basis = StringField(_l("Legal basis"), validators=[required(), max_length(120)])
    # Required, but said by the service: a required() here would add its message to a parse error.
    effective_from = DayField(_l("In force from"))
    effective_to = DayField(_l("In force until"))
    confidence = RadioField(
        _l("Confidence"), choices=CONFIDENCE_CHOICES, default="source", validate_choice=False
    )
    note = TextAreaField(_l("Note"), validators=[max_length(2000)])
    reason = TextAreaField(_l("Reason for the change"), validators=[required(), max_length(2000)])
    version = IntegerField(widget=HiddenField.widget)

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
