"""The words for the items' coded values, in the user's language (pages, forms and exports)."""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from registry.catalogue.models import InstrumentType
from registry.items.models import Funding, ItemKind, ItemState, Purpose, Result, StandardLevel, Use

KIND_LABELS = {
    ItemKind.INSTRUMENT: _l("Measuring instrument"),
    ItemKind.STANDARD: _l("Measurement standard"),
    ItemKind.REFERENCE_MATERIAL: _l("Reference material"),
}
KIND_PLURALS = {
    ItemKind.INSTRUMENT: _l("Measuring instruments"),
    ItemKind.STANDARD: _l("Measurement standards"),
    ItemKind.REFERENCE_MATERIAL: _l("Reference materials"),
}
USE_LABELS = {
    Use.LEGAL: _l("Legal (trade, payment, safety, health, environment, inspection)"),
    Use.INTERNAL: _l("Internal (calibrated, Group 1)"),
}
RESULT_LABELS = {
    Result.PASS: _l("Pass"),
    Result.FAIL: _l("Fail"),
    Result.NOT_STATED: _l("No pass or fail stated"),
}
STATE_LABELS = {
    ItemState.IN_SERVICE: _l("In service"),
    ItemState.OUT_OF_SERVICE: _l("Out of service"),
    ItemState.RETIRED: _l("Retired"),
}
FUNDING_LABELS = {
    Funding.OWN: _l("Own funds"),
    Funding.STATE_BUDGET: _l("State budget"),
    Funding.SOCIALISED: _l("Socialised investment"),
}
PURPOSE_LABELS = {
    Purpose.STATE_INSPECTION: _l("State inspection"),
    Purpose.MEASUREMENT_ASSURANCE: _l("Measurement assurance"),
    Purpose.TESTING: _l("Testing"),
    Purpose.SERVICE: _l("Verification or calibration service"),
    Purpose.PRODUCTION: _l("Production"),
    Purpose.OTHER: _l("Other"),
}
LEVEL_LABELS = {
    StandardLevel.NATIONAL: _l("National standard"),
    StandardLevel.REFERENCE: _l("Reference standard"),
    StandardLevel.WORKING: _l("Working standard"),
}


def label(labels: dict[Any, Any], value: str | None) -> str:
    """The label of ``value`` in ``labels``, or the value itself when it has none."""
    if value is None:
        return ""
    for key, text in labels.items():
        if key == value:
            return str(text)
    return value


def type_name(instrument_type: InstrumentType | None) -> str:
    """The instrument type's name in the user's language."""
    if instrument_type is None:
        return ""
    locale = get_locale()
    if locale is not None and locale.language == "en":
        return instrument_type.name_en
    return instrument_type.name_vi
