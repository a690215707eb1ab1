"""Item forms: the shape of the input only. The rules (required interval, unique serial numbers, the
legal cycle…) are the services'; select fields accept any value and let the service name a wrong one."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)

from registry.catalogue.models import AdminUnit, InstrumentType
from registry.core.forms import (
    DayField,
    date_text,
    hint,
    max_length,
    required,
    version_field,
)
from registry.core.text import fold
from registry.extensions import db
from registry.items.labels import (
    FUNDING_LABELS,
    LEVEL_LABELS,
    PURPOSE_LABELS,
    STATE_LABELS,
    USE_LABELS,
    type_name,
)
from registry.items.models import Item, ItemKind
from registry.items.search import MAX_QUERY_LENGTH, SORT_KEYS
from registry.items.status import status_labels

# --- Fields with our own (translated) messages ----------------------------------------------------------


def _choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    return [SelectChoice(str(key.value), text) for key, text in labels.items()]


def type_choices(blank: Any = None) -> list[SelectChoice]:
    types = sorted(db.session.scalars(select(InstrumentType)), key=lambda t: fold(type_name(t)))
    choices = [SelectChoice(t.code, f"{type_name(t)} ({t.code})") for t in types]
    return ([SelectChoice("", str(blank))] if blank is not None else []) + choices


def admin_unit_choices(blank: Any) -> list[SelectChoice]:
    units = db.session.scalars(select(AdminUnit).order_by(AdminUnit.code))
    return [SelectChoice("", str(blank))] + [
        SelectChoice(unit.code, f"{unit.name} ({unit.code})") for unit in units
    ]


# --- Editing ---------------------------------------------------------------------------------------------


class OwnerFields(FlaskForm):
    owner = StringField(
        _l("Owner (organisation code)"),
        render_kw=hint(max_length=40),
        description=_l("Leave empty for your own organisation."),
    )


class InstrumentFields(FlaskForm):
    type_code = SelectField(_l("Instrument type"), validate_choice=False, render_kw=hint(required=True))
    serial_number = StringField(_l("Serial number"), render_kw=hint(required=True, max_length=80))
    manufacturer = StringField(_l("Manufacturer"), render_kw=hint(max_length=120))
    model = StringField(_l("Model"), render_kw=hint(max_length=120))
    measuring_range = StringField(_l("Measuring range"), render_kw=hint(max_length=120))
    accuracy_class = StringField(_l("Accuracy class"), render_kw=hint(max_length=40))
    use = SelectField(_l("Use"), choices=_choices(USE_LABELS), validate_choice=False)
    interval_months = StringField(
        _l("Interval (months)"),
        render_kw={"inputmode": "numeric"},
        description=_l(
            "Required for instruments in internal use (calibrated). For legal use it may only shorten "
            "the legal verification cycle."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.type_code.choices = type_choices(blank="")


class SiteFields(FlaskForm):
    site_address = StringField(_l("Site address"), render_kw=hint(max_length=500))
    site_admin_unit = SelectField(_l("Site administrative unit"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_admin_unit.choices = admin_unit_choices(blank=_l("— as the owner's —"))


class StandardFields(FlaskForm):
    name = StringField(_l("Name"), render_kw=hint(required=True, max_length=255))
    level = SelectField(_l("Level"), choices=_choices(LEVEL_LABELS), default="working", validate_choice=False)
    quantity = StringField(_l("Quantity"), render_kw=hint(required=True, max_length=60))
    serial_number = StringField(_l("Serial number"), render_kw=hint(max_length=80))
    manufacturer = StringField(_l("Manufacturer"), render_kw=hint(max_length=120))
    model = StringField(_l("Model"), render_kw=hint(max_length=120))
    range = StringField(_l("Measuring range"), render_kw=hint(max_length=120))
    uncertainty = StringField(_l("Uncertainty"), render_kw=hint(max_length=120))
    interval_months = StringField(
        _l("Calibration interval (months)"), render_kw={"inputmode": "numeric", **hint(required=True)}
    )
    traceable_to = StringField(
        _l("Traceable to"),
        render_kw=hint(max_length=255),
        description=_l("At the top of a chain: the external body that calibrates it."),
    )


class ReferenceMaterialFields(FlaskForm):
    name = StringField(_l("Name"), render_kw=hint(required=True, max_length=255))
    producer = StringField(_l("Producer"), render_kw=hint(max_length=200))
    producer_iso17034 = BooleanField(_l("Producer accredited to ISO 17034"))
    lot = StringField(_l("Lot"), render_kw=hint(max_length=80))
    certified_value = StringField(_l("Certified value"), render_kw=hint(max_length=80))
    uncertainty = StringField(_l("Uncertainty"), render_kw=hint(max_length=120))
    unit = StringField(_l("Unit"), render_kw=hint(max_length=40))
    certificate_number = StringField(_l("Certificate number"), render_kw=hint(max_length=80))
    expiry_date = date_text(_l("Expiry date"), required=True)


# Shared fields come last on every form (the order of definition is the order on the page).


class CommonFields(FlaskForm):
    state = SelectField(_l("State"), choices=_choices(STATE_LABELS), validate_choice=False)
    funding = SelectField(_l("Funding"), choices=_choices(FUNDING_LABELS), validate_choice=False)
    purpose = SelectField(
        _l("Purpose"), choices=_choices(PURPOSE_LABELS), default="other", validate_choice=False
    )
    acquired_on = date_text(_l("Acquired on"))
    notes = TextAreaField(_l("Notes"), render_kw=hint(max_length=2000))


class ChangeFields(FlaskForm):
    reason = TextAreaField(_l("Reason for the change"), render_kw=hint(required=True, max_length=2000))
    version = version_field()


class InstrumentCreateForm(OwnerFields, InstrumentFields, CommonFields, SiteFields):
    pass


class InstrumentEditForm(InstrumentFields, CommonFields, ChangeFields):
    pass


class StandardCreateForm(OwnerFields, StandardFields, CommonFields):
    pass


class StandardEditForm(StandardFields, CommonFields, ChangeFields):
    pass


class ReferenceMaterialCreateForm(OwnerFields, ReferenceMaterialFields, CommonFields):
    pass


class ReferenceMaterialEditForm(ReferenceMaterialFields, CommonFields, ChangeFields):
    pass


CREATE_FORMS: dict[ItemKind, type[FlaskForm]] = {
    ItemKind.INSTRUMENT: InstrumentCreateForm,
    ItemKind.STANDARD: StandardCreateForm,
    ItemKind.REFERENCE_MATERIAL: ReferenceMaterialCreateForm,
}
EDIT_FORMS: dict[ItemKind, type[FlaskForm]] = {
    ItemKind.INSTRUMENT: InstrumentEditForm,
    ItemKind.STANDARD: StandardEditForm,
    ItemKind.REFERENCE_MATERIAL: ReferenceMaterialEditForm,
}


def initial_values(item: Item) -> dict[str, Any]:
    """The item's values under the forms' field names."""
    values = {column.key: getattr(item, column.key) for column in Item.__mapper__.column_attrs}
    values["type_code"] = item.instrument_type.code if item.instrument_type else ""
    values["site_admin_unit"] = item.site_admin_unit.code if item.site_admin_unit else ""
    values["range"] = item.measuring_range
    return values


# --- Other acts ------------------------------------------------------------------------------------------


class TransferForm(ChangeFields):
    owner = StringField(_l("New owner (organisation code)"), render_kw=hint(required=True, max_length=40))


class RelocateForm(ChangeFields):
    site_address = StringField(_l("Site address"), render_kw=hint(max_length=500))
    site_admin_unit = SelectField(_l("Site administrative unit"), validate_choice=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.site_admin_unit.choices = admin_unit_choices(blank=_l("— none —"))


class RetireForm(ChangeFields):
    pass


# --- Lists and lookup (GET forms: nothing changes, no CSRF token) -------------------------------------


class ItemFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[max_length(MAX_QUERY_LENGTH)])
    owner = StringField(_l("Owner (organisation code)"), validators=[max_length(40)])
    type_code = SelectField(_l("Instrument type"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    admin_unit = SelectField(_l("Site administrative unit"), validate_choice=False)
    due_before = DayField(_l("Due before"))
    group2 = BooleanField(_l("Group 2 only"))
    sort = SelectField(_l("Sort by"), validate_choice=False)
    # Keyset pages: the cursor of the page after or before this one, or a jump to a due date.
    after = StringField()
    before = StringField()
    start = DayField(_l("Jump to due date"))

    def __init__(self, kind: ItemKind, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = _l("— all —")
        self.type_code.choices = type_choices(blank=everything)
        self.status.choices = [SelectChoice("", str(everything))] + [
            SelectChoice(status.value, str(text)) for status, text in status_labels(kind).items()
        ]
        self.admin_unit.choices = admin_unit_choices(blank=everything)
        self.sort.choices = [
            SelectChoice(f"{prefix}{key}", f"{SORT_LABELS[key]}{suffix}")
            for key in SORT_KEYS[kind]
            for prefix, suffix in (("", ""), ("-", " ↓"))
        ]


SORT_LABELS = {
    "valid_until": _l("Valid until"),
    "serial_number": _l("Serial number"),
    "type": _l("Instrument type"),
    "owner": _l("Owner"),
    "manufacturer": _l("Manufacturer"),
    "site": _l("Site"),
    "created": _l("Date registered"),
    "name": _l("Name"),
    "lot": _l("Lot"),
}


class LookupForm(FlaskForm):
    class Meta:
        csrf = False

    owner = StringField(_l("Owner (organisation code)"), validators=[required(), max_length(40)])
    serial_number = StringField(_l("Serial number"), validators=[required(), max_length(80)])
