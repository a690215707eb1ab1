"""Catalogue rules: syncing the reference files without losing the Department's edits, and lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit.services import set_reason
from registry.catalogue import reference
from registry.catalogue.models import AdminUnit, InstrumentType, LegalRule, SyncedFromFile
from registry.core.errors import ServiceError
from registry.extensions import db


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)
    missing_from_file: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "created": self.created,
            "updated": self.updated,
            "kept_edits": self.kept_edits,
            "missing_from_file": self.missing_from_file,
        }


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _to_python(row: SyncedFromFile, name: str, value: Any) -> Any:
    column_type = row.__table__.c[name].type  # type: ignore[attr-defined]
    if value is not None and column_type.python_type is date:
        return date.fromisoformat(value)
    return value


def _merge(row: SyncedFromFile, label: str, values: dict[str, Any], report: SyncReport) -> None:
    """Three-way merge of one row: the file as last loaded (``row.source``), the row now, the file now.
    A value nobody edited follows the file; a value the Department edited is kept, and reported."""
    last_loaded = dict(row.source or {})
    changed = False
    for name, new in values.items():
        current = _stored(getattr(row, name))
        if name in last_loaded and current != last_loaded[name]:
            if new != last_loaded[name]:
                report.kept_edits.append(f"{label}.{name}")
            continue
        if current != new:
            setattr(row, name, _to_python(row, name, new))
            changed = True
    row.source = {**last_loaded, **values}
    if changed:
        report.updated.append(label)


def sync_instrument_types(path: Path = reference.INSTRUMENT_TYPES_FILE) -> SyncReport:
    report = SyncReport()
    existing = {t.code: t for t in db.session.scalars(select(InstrumentType))}
    seen: set[str] = set()
    set_reason("catalogue sync from " + path.name)
    for entry in reference.read_instrument_types(path):
        code = entry["code"]
        seen.add(code)
        type_values = {name: entry[name] for name in reference.TYPE_FIELDS}
        instrument_type = existing.get(code)
        if instrument_type is None:
            instrument_type = InstrumentType(code=code, source=type_values, group2=True, **type_values)
            db.session.add(instrument_type)
            report.created.append(code)
        else:
            _merge(instrument_type, code, type_values, report)
        rules = {rule.effective_from.isoformat(): rule for rule in instrument_type.rules}
        for rule_entry in entry["rules"]:
            rule_values = {name: rule_entry[name] for name in reference.RULE_FIELDS}
            label = f"{code}@{rule_entry['effective_from']}"
            rule = rules.get(rule_entry["effective_from"])
            if rule is None:
                rule = LegalRule(
                    instrument_type=instrument_type,
                    effective_from=date.fromisoformat(rule_entry["effective_from"]),
                    source=rule_values,
                    **{name: _to_python_value(name, value) for name, value in rule_values.items()},
                )
                db.session.add(rule)
                report.created.append(label)
            else:
                _merge(rule, label, rule_values, report)
    report.missing_from_file = sorted(set(existing) - seen)
    db.session.flush()
    return report


def _to_python_value(name: str, value: Any) -> Any:
    return (
        date.fromisoformat(value)
        if value is not None and name in {"effective_to", "valid_from", "valid_to"}
        else value
    )


def sync_admin_units(path: Path = reference.ADMIN_UNITS_FILE) -> SyncReport:
    report = SyncReport()
    existing = {u.code: u for u in db.session.scalars(select(AdminUnit))}
    set_reason("catalogue sync from " + path.name)
    seen = set()
    for entry in reference.read_admin_units(path):
        values = {name: entry[name] for name in reference.ADMIN_UNIT_FIELDS}
        seen.add(entry["code"])
        unit = existing.get(entry["code"])
        if unit is None:
            db.session.add(
                AdminUnit(
                    code=entry["code"],
                    source=values,
                    **{name: _to_python_value(name, value) for name, value in values.items()},
                )
            )
            report.created.append(entry["code"])
        else:
            _merge(unit, entry["code"], values, report)
    report.missing_from_file = sorted(set(existing) - seen)
    db.session.flush()
    return report


def get_instrument_type(code: str, *, field_name: str = "type_code") -> InstrumentType:
    instrument_type = db.session.scalar(
        select(InstrumentType).where(InstrumentType.code == code.strip().upper())
    )
    if instrument_type is None:
        raise ServiceError({field_name: _l("Unknown instrument type %(code)s.", code=code)})
    return instrument_type
