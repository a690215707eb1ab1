"""Event forms: the shape of the input only; every rule is the service's, which names the wrong field."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from registry.core.errors import ServiceError
from registry.core.forms import max_length, required
from registry.events.labels import KIND_LABELS, RESULT_LABELS
from registry.events.models import EventKind
from registry.events.points import MAX_POINTS, POINT_FIELDS
from registry.items.forms import ChangeFields, DayField
from registry.items.models import Item

POINT_ROWS = 5


class PointForm(Form):
    """One row of measurement points (numbers as text: the service reads "0,05" and "0.05")."""

    nominal = StringField(_l("Nominal value"), validators=[max_length(30)])
    as_found = StringField(_l("As found"), validators=[max_length(30)])
    as_left = StringField(_l("As left"), validators=[max_length(30)])
    error = StringField(_l("Error"), validators=[max_length(30)])
    mpe = StringField(_l("Maximum permissible error"), validators=[max_length(30)])
    uncertainty = StringField(_l("Uncertainty"), validators=[max_length(30)])
    unit = StringField(_l("Unit"), validators=[max_length(20)])


class OutcomeFields(FlaskForm):
    """What was found and the document issued: recorded, and changed by an amendment."""

    performed_on = DayField(_l("Performed on"))
    result = SelectField(_l("Result"), validate_choice=False)
    certificate_number = StringField(_l("Certificate number"), validators=[max_length(80)])
    record_number = StringField(
        _l("Record number (biên bản)"),
        validators=[max_length(80)],
        description=_l("A failed verification's."),
    )
    stamp_number = StringField(_l("Stamp number"), validators=[max_length(80)])
    verifier_card = StringField(
        _l("Verifier's card number"),
        validators=[max_length(40)],
        description=_l("A Group 2 verification needs a verifier with a valid card."),
    )
    technician = StringField(_l("Performed by"), validators=[max_length(200)])
    valid_until = DayField(
        _l("Valid until"),
        validators=[Optional()],
        description=_l("Leave empty to compute it; you may give an earlier date, never a later one."),
    )
    standards_used = SelectMultipleField(
        _l("Standards and reference materials used"), coerce=int, validate_choice=False
    )
    override_reason = TextAreaField(
        _l("Why an overdue or failed standard was used"), validators=[max_length(2000)]
    )
    points = FieldList(FormField(PointForm), min_entries=POINT_ROWS, max_entries=MAX_POINTS)

    def set_choices(self, standards: list[Item]) -> None:
        self.result.choices = [
            SelectChoice(result.value, str(text)) for result, text in RESULT_LABELS.items()
        ]
        self.standards_used.choices = [
            SelectChoice(item.id, f"{item.name} ({item.serial_number or item.lot})") for item in standards
        ]

    def measurement_points(self) -> list[dict[str, Any]]:
        """Every row as typed (the service drops empty ones, and names a wrong one by its row number)."""
        return [{name: row[name].data for name in POINT_FIELDS} for row in self.points]

    @contextmanager
    def point_errors(self) -> Iterator[None]:
        """Around the service call: its ``measurement_points.<row>.<field>`` messages go under their cells."""
        try:
            yield
        except ServiceError as error:
            self._take_point_errors(error)
            raise

    def _take_point_errors(self, error: ServiceError) -> None:
        for key in [key for key in error.fields if key.startswith("measurement_points.")]:
            _, row, name = [*key.split("."), ""][:3]
            message = str(error.fields.pop(key))
            if row.isdigit() and 0 < int(row) <= len(self.points) and name in POINT_FIELDS:
                cell = self.points[int(row) - 1][name]
                cell.errors = [*list(cell.errors), message]
            else:
                self.form_errors.append(message)
            if str(_l("Check the measurement points.")) not in self.form_errors:
                self.form_errors.append(str(_l("Check the measurement points.")))


class EventForm(OutcomeFields):
    owner = StringField(_l("Owner (organisation code)"), validators=[required(), max_length(40)])
    serial_number = StringField(_l("Serial number"), validators=[required(), max_length(80)])
    type_code = StringField(
        _l("Instrument type code"),
        validators=[max_length(40)],
        description=_l("Only when the owner has several items with this serial number."),
    )
    kind = SelectField(_l("Kind of event"), validate_choice=False)
    provider = StringField(
        _l("Provider (organisation code)"),
        validators=[max_length(40)],
        description=_l("The Department's admin names the lab it records for."),
    )
    reason = TextAreaField(
        _l("Reason"),
        validators=[max_length(2000)],
        description=_l("Required when the Department records on a lab's behalf."),
    )

    def set_kinds(self, kinds: list[EventKind]) -> None:
        self.kind.choices = [SelectChoice(kind.value, str(KIND_LABELS[kind])) for kind in kinds]


class AmendForm(OutcomeFields, ChangeFields):
    pass


class VoidForm(ChangeFields):
    pass


class RepairForm(ChangeFields):
    repaired_on = DayField(_l("Repaired or seal broken on"))
