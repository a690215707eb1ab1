"""Checking the values of a legal rule: shared by the edit services and ``catalogue sync``, so that the
file cannot load what the forms would refuse."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from flask_babel import lazy_gettext as _l

from registry.catalogue.models import CONTROLS, InstrumentType, LegalRule
from registry.core.dates import clean_date
from registry.core.errors import FieldErrors, ServiceError
from registry.core.validation import clean_text
from registry.i18n import format_day

CONFIDENCES = ("source", "verify")
MAX_CYCLE_MONTHS = 240
MAX_NOTE_LENGTH = 2000

T = TypeVar("T")


def parse_controls(values: Iterable[str] | str | None, *, field: str = "controls") -> str:
    """The required controls as stored: a subset of PA, IV, PV, RV in that order, joined by "+"."""
    if values is None:
        return ""
    parts = values.split("+") if isinstance(values, str) else list(values)
    chosen: set[str] = set()
    for part in parts:
        code = str(part).strip().upper()
        if not code:
            continue
        if code not in CONTROLS:
            raise ServiceError(
                {field: _l("Unknown control %(code)s: use PA, IV, PV or RV.", code=str(part)[:20])}
            )
        chosen.add(code)
    return "+".join(code for code in CONTROLS if code in chosen)


def clean_cycle(value: object, *, field: str = "cycle_months") -> int | None:
    """Months, as a number or as typed; empty is none."""
    if isinstance(value, str):
        value = int(value.strip()) if value.strip().isdigit() and value.strip().isascii() else value.strip()
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CYCLE_MONTHS:
        raise ServiceError(
            {
                field: _l(
                    "Use a whole number of months from 1 to %(max)d, or leave it empty.",
                    max=MAX_CYCLE_MONTHS,
                )
            }
        )
    return value


def clean_confidence(value: str | None, *, field: str = "confidence") -> str:
    confidence = (value or "").strip().lower()
    if confidence not in CONFIDENCES:
        raise ServiceError({field: _l("Use source (confirmed) or verify (to be verified).")})
    return confidence


@dataclass(frozen=True)
class RuleValues:
    """A legal rule's values, checked."""

    controls: str
    cycle_months: int | None
    legal_basis: str
    effective_from: date
    effective_to: date | None
    confidence: str
    note: str


def clean_rule(
    *,
    controls: Iterable[str] | str | None,
    cycle_months: object,
    legal_basis: str | None,
    effective_from: object,
    effective_to: object,
    confidence: str | None,
    note: str | None,
    errors: FieldErrors | None = None,
) -> RuleValues:
    errors = errors or FieldErrors()
    clean_controls = errors.run(lambda: parse_controls(controls))
    cycle = errors.run(lambda: clean_cycle(cycle_months))
    basis = errors.run(lambda: clean_text(legal_basis, field="legal_basis", max_length=120))
    start = errors.run(clean_date, effective_from, field="effective_from")
    end = errors.run(clean_date, effective_to, field="effective_to", required=False)
    clean_confidence_value = errors.run(lambda: clean_confidence(confidence))
    clean_note = errors.run(
        lambda: clean_text(note, field="note", max_length=MAX_NOTE_LENGTH, required=False)
    )
    if start is not None and end is not None and end < start:
        errors.add("effective_to", _l("The end of the period cannot come before its start."))
    if clean_controls is not None and "cycle_months" not in errors.fields:
        if "PV" in clean_controls.split("+") and cycle is None:
            errors.add("cycle_months", _l("Periodic verification (PV) needs a cycle in months."))
        elif clean_controls and "PV" not in clean_controls.split("+") and cycle is not None:
            errors.add(
                "cycle_months",
                _l("A cycle applies only when periodic verification (PV) is required: leave it empty."),
            )
    errors.raise_if_any()
    assert basis is not None and start is not None and clean_confidence_value is not None
    return RuleValues(
        controls=clean_controls or "",
        cycle_months=cycle,
        legal_basis=basis,
        effective_from=start,
        effective_to=end,
        confidence=clean_confidence_value,
        note=clean_note or "",
    )


def overlap_error(other: LegalRule, start: date) -> ServiceError:
    field = "effective_from" if other.in_force_on(start) else "effective_to"
    if other.effective_to is None:
        message = _l(
            "This period overlaps the rule in force from %(start)s onwards: periods of one type must not "
            "overlap. End that period first.",
            start=format_day(other.effective_from),
        )
    else:
        message = _l(
            "This period overlaps the rule in force from %(start)s to %(end)s: periods of one type must "
            "not overlap.",
            start=format_day(other.effective_from),
            end=format_day(other.effective_to),
        )
    return ServiceError({field: message})


def overlapping_rule(
    instrument_type: InstrumentType, start: date, end: date | None, *, ignore: LegalRule | None = None
) -> LegalRule | None:
    """The first other rule of the type whose period shares a day with ``start``–``end``."""
    for other in instrument_type.rules:
        if other is ignore:
            continue
        if start <= (other.effective_to or date.max) and other.effective_from <= (end or date.max):
            return other
    return None
