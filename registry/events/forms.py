"""Event forms: the shape of the input only; every rule is the services', which name the wrong field.
Labels and limits come from :mod:`registry.events.fields`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from registry.auth.forms import one_time_code, your_password
from registry.core.errors import ServiceError
from registry.core.forms import date_text, hint
from registry.events.decision import RULE_LABELS
from registry.events.fields import LABELS, OUTCOME_NAMES, TEXT_LIMITS
from registry.events.labels import KIND_LABELS, RESULT_LABELS
from registry.events.models import EventKind
from registry.events.points import MAX_NUMBER_LENGTH, MAX_POINTS, POINT_FIELDS
from registry.items.forms import ChangeFields
from registry.items.models import Item

POINT_ROWS = 5


def _text(name: str, **kwargs: Any) -> StringField:
    return StringField(LABELS[name], render_kw=hint(max_length=TEXT_LIMITS[name]), **kwargs)


class PointForm(Form):
    """One row of measurement points (numbers as text: the service reads "0,05" and "0.05")."""

    nominal = StringField(_l("Nominal value"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    as_found = StringField(_l("As found"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    as_left = StringField(_l("As left"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    error = StringField(_l("Error"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    mpe = StringField(_l("Maximum permissible error"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    uncertainty = StringField(_l("Uncertainty"), render_kw=hint(max_length=MAX_NUMBER_LENGTH))
    unit = StringField(_l("Unit"), render_kw=hint(max_length=20))


class OutcomeFields(FlaskForm):
    """What was found and the document issued: recorded, and changed by an amendment."""

    performed_on = date_text(LABELS["performed_on"], required=True)
    result = SelectField(LABELS["result"], validate_choice=False)
    certificate_number = _text("certificate_number")
    record_number = _text("record_number", description=_l("A failed verification's."))
    stamp_number = _text("stamp_number")
    verifier_card = _text(
        "verifier_card", description=_l("A Group 2 verification needs a verifier with a valid card.")
    )
    technician = _text("technician")
    valid_until = date_text(
        LABELS["valid_until"],
        description=_l(
            "Leave empty to compute it; give the date printed on the certificate (Hiệu lực đến ngày …) when "
            "it is earlier. Never later."
        ),
    )
    standards_used = SelectMultipleField(LABELS["standards_used"], validate_choice=False)
    override_reason = TextAreaField(
        LABELS["override_reason"], render_kw=hint(max_length=TEXT_LIMITS["override_reason"])
    )
    as_found_out_of_tolerance = BooleanField(
        LABELS["as_found_out_of_tolerance"],
        description=_l(
            "The item was outside its tolerance before any adjustment, even if it passes as left. Read from "
            "the measurement points too (|as found − nominal| > maximum permissible error)."
        ),
    )
    points = FieldList(FormField(PointForm), min_entries=POINT_ROWS, max_entries=MAX_POINTS)
    decision_rule = SelectField(
        LABELS["decision_rule"],
        validate_choice=False,
        description=_l(
            "How the measurement points are judged: simple acceptance unless the lab's rule guards the "
            "limits by the expanded uncertainty U (ILAC-G8:2019)."
        ),
    )
    result_reason = TextAreaField(
        LABELS["result_reason"],
        description=_l("Only when the stated result is not what the measurement points give by the rule."),
        render_kw=hint(max_length=TEXT_LIMITS["result_reason"]),
    )

    def set_choices(self, standards: list[Item]) -> None:
        self.result.choices = [
            SelectChoice(result.value, str(text)) for result, text in RESULT_LABELS.items()
        ]
        self.decision_rule.choices = [
            SelectChoice(rule.value, str(text)) for rule, text in RULE_LABELS.items()
        ]
        self.standards_used.choices = [
            SelectChoice(str(item.id), f"{item.name} ({item.serial_number or item.lot})")
            for item in standards
        ]

    def outcome(self) -> dict[str, Any]:
        """The fields of :data:`.fields.OUTCOME_FIELDS` as typed (the service drops empty measurement
        rows, and names a wrong one by its row number)."""
        values = {name: self[name].data for name in OUTCOME_NAMES if name != "measurement_points"}
        values["standards_used"] = values["standards_used"] or []
        values["measurement_points"] = [
            {name: row[name].data for name in POINT_FIELDS} for row in self.points
        ]
        return values

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
            # measurement_points.<row>.<field>, rows counted from 1
            _, _, rest = key.partition(".")
            row, _, name = rest.partition(".")
            message = str(error.fields.pop(key))
            if row.isdigit() and 0 < int(row) <= len(self.points) and name in POINT_FIELDS:
                cell = self.points[int(row) - 1][name]
                cell.errors = [*list(cell.errors), message]
            else:
                self.form_errors.append(message)
            if str(_l("Check the measurement points.")) not in self.form_errors:
                self.form_errors.append(str(_l("Check the measurement points.")))


class EventForm(OutcomeFields):
    owner = StringField(_l("Owner (organisation code)"), render_kw=hint(required=True, max_length=40))
    serial_number = StringField(_l("Serial number"), render_kw=hint(required=True, max_length=80))
    type_code = StringField(
        _l("Instrument type code"),
        description=_l("Only when the owner has several items with this serial number."),
        render_kw=hint(max_length=40),
    )
    kind = SelectField(_l("Kind of event"), validate_choice=False)
    provider = StringField(
        _l("Provider (organisation code)"),
        description=_l("The Department's admin names the lab it records for."),
        render_kw=hint(max_length=40),
    )
    reason = TextAreaField(
        _l("Reason"),
        description=_l("Required when the Department records on a lab's behalf."),
        render_kw=hint(max_length=2000),
    )

    def set_kinds(self, kinds: list[EventKind]) -> None:
        self.kind.choices = [SelectChoice(kind.value, str(KIND_LABELS[kind])) for kind in kinds]

    def values(self) -> dict[str, Any]:
        """What :func:`registry.events.recording.record_event` takes, as typed."""
        naming = {
            name: self[name].data for name in ("owner", "serial_number", "type_code", "kind", "provider")
        }
        return {**naming, "reason": self.reason.data, **self.outcome()}


class AmendForm(OutcomeFields, ChangeFields):
    pass


class VoidForm(ChangeFields):
    pass


class SignForm(FlaskForm):
    """A signature: the signer's password again, and the code of the authenticator app when the signer has
    one (what it means is the page's: performed or reviewed)."""

    password = your_password()
    code = one_time_code()


class RepairForm(ChangeFields):
    repaired_on = date_text(_l("Repaired or seal broken on"), required=True)
