"""``catalogue sync``: apply later edits of the reference files without losing the Department's edits.

Each row loaded from a file keeps the file's values as last loaded in ``source``. A three-way merge of
(the file as last loaded, the row now, the file now) then decides each value: one nobody edited follows
the file; one the Department edited is kept and reported. New types, rule periods and units are added;
rows the file no longer has are reported, never deleted. A second run changes nothing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.audit import services as audit
from registry.auth import policy
from registry.auth.policy import Actor, Permission
from registry.catalogue import reference
from registry.catalogue.models import AdminUnit, InstrumentType, LegalRule, SyncedFromFile
from registry.catalogue.validation import clean_rule, overlapping_rule
from registry.core.dates import iso_date
from registry.core.errors import ServiceError
from registry.core.validation import clean_code, clean_text
from registry.extensions import db

DATE_FIELDS = frozenset({"effective_from", "effective_to", "valid_from", "valid_to"})


@dataclass(frozen=True)
class Change:
    """A value that followed the file."""

    label: str
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class KeptEdit:
    """A value the Department edited, kept although the file says otherwise. ``file_changed``: the file
    changed it too since it was last loaded (both sides moved: someone should look)."""

    label: str
    field: str
    value: Any
    file_value: Any
    file_changed: bool


@dataclass
class SyncReport:
    file: str
    created: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    kept_edits: list[KeptEdit] = field(default_factory=list)
    missing_from_file: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def updated(self) -> list[str]:
        """The labels of the rows changed, each once, in order."""
        return list(dict.fromkeys(change.label for change in self.changes))

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.changes)


def _stored(value: Any) -> Any:
    """A column's value as the file (and ``source``) writes it: dates as ISO text."""
    return value.isoformat() if isinstance(value, date) else value


def _python(name: str, value: Any) -> Any:
    return iso_date(value) if value is not None and name in DATE_FIELDS else value


def _merge(row: SyncedFromFile, label: str, values: dict[str, Any], report: SyncReport) -> None:
    """Three-way merge of one row. Without a ``source`` (a row the Department made, which the file now
    has too) every difference counts as the Department's edit."""
    last_loaded: dict[str, Any] = dict(row.source or {})
    for name, new in values.items():
        current = _stored(getattr(row, name))
        if current == new:
            continue
        if name in last_loaded and current == last_loaded[name]:
            setattr(row, name, _python(name, new))
            report.changes.append(Change(label, name, current, new))
        else:
            file_changed = name not in last_loaded or new != last_loaded[name]
            report.kept_edits.append(KeptEdit(label, name, current, new, file_changed))
    merged = {**last_loaded, **values}
    if merged != last_loaded:
        row.source = merged


def _file_error(path: Path, where: str, error: object) -> ServiceError:
    return ServiceError(
        {"file": _l("%(file)s, %(where)s: %(error)s", file=path.name, where=where, error=str(error))}
    )


def _read(path: Path, reader: Any) -> list[dict[str, Any]]:
    try:
        rows: list[dict[str, Any]] = reader(path)
    except FileNotFoundError:
        raise ServiceError({"file": _l("No file %(file)s.", file=str(path))}) from None
    except KeyError as error:
        raise _file_error(path, "header", _l("missing column %(column)s", column=str(error))) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise _file_error(path, "values", error) from None
    return rows


def _checked(path: Path, label: str, check: Any) -> Any:
    try:
        return check()
    except ServiceError as error:
        name, message = next(iter(error.fields.items()))
        raise _file_error(path, label, f"{name}: {message}") from None


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return a_start <= (b_end or date.max) and b_start <= (a_end or date.max)


def _check_type_entry(path: Path, entry: dict[str, Any]) -> None:
    """Refuse a file row the edit forms would refuse; store its text in NFC, as the forms do."""
    code = entry["code"]
    _checked(path, code or "?", lambda: clean_code(code))
    if code != code.upper():
        raise _file_error(path, code, _l("codes are written in upper case"))
    _check_texts(path, entry, (("name_vi", 255, True), ("name_en", 255, True), ("quantity", 60, True),
                               ("list_row", 20, False)))  # fmt: skip
    periods: list[tuple[str, date, date | None]] = []
    for rule in entry["rules"]:
        label = f"{code}@{rule['effective_from']}"
        values = _checked(
            path,
            label,
            lambda rule=rule: clean_rule(
                **{
                    **rule,
                    "effective_from": _python("effective_from", rule["effective_from"]),
                    "effective_to": _python("effective_to", rule["effective_to"]),
                }
            ),
        )
        for other_label, start, end in periods:
            if _overlaps(values.effective_from, values.effective_to, start, end):
                raise _file_error(path, label, _l("overlaps %(other)s", other=other_label))
        periods.append((label, values.effective_from, values.effective_to))
        rule.update(controls=values.controls, legal_basis=values.legal_basis, note=values.note)


def _rule_key(rule: LegalRule) -> str:
    """How the file names a rule: its type and start date, as last loaded (the Department may have
    moved the start since)."""
    key = (rule.source or {}).get("effective_from")
    return str(key) if key else rule.effective_from.isoformat()


def sync_instrument_types(actor: Actor, path: Path = reference.INSTRUMENT_TYPES_FILE) -> SyncReport:
    """Apply the Group 2 types file to the catalogue; see the module's description."""
    entries = _read(path, reference.read_instrument_types)
    for entry in entries:
        _check_type_entry(path, entry)
    report = SyncReport(file=path.name)
    existing = {t.code: t for t in db.session.scalars(select(InstrumentType))}
    with _syncing(actor, path), db.session.no_autoflush:
        for entry in entries:
            code = entry["code"]
            type_values = {name: entry[name] for name in reference.TYPE_FIELDS}
            instrument_type = existing.get(code)
            if instrument_type is None:
                instrument_type = InstrumentType(code=code, source=type_values, **type_values)
                db.session.add(instrument_type)
                report.created.append(code)
            else:
                _merge(instrument_type, code, type_values, report)
            _sync_rules(instrument_type, entry["rules"], report)
    in_file = {entry["code"] for entry in entries}
    report.missing_from_file = sorted(
        [
            *report.missing_from_file,
            *(code for code, row in existing.items() if code not in in_file and row.source is not None),
        ]
    )
    return report


def _sync_rules(instrument_type: InstrumentType, entries: list[dict[str, Any]], report: SyncReport) -> None:
    code = instrument_type.code
    rules = {_rule_key(rule): rule for rule in instrument_type.rules}
    new_entries = []
    for entry in entries:
        rule = rules.get(entry["effective_from"])
        if rule is None:
            new_entries.append(entry)
        else:
            values = {name: entry[name] for name in reference.RULE_FIELDS}
            _merge(rule, f"{code}@{entry['effective_from']}", values, report)
    # New periods after the changes of the existing ones (a file that ends the current period and
    # starts a new one): a new period overlapping a kept one is reported, not added.
    for entry in new_entries:
        label = f"{code}@{entry['effective_from']}"
        values = {name: entry[name] for name in reference.RULE_FIELDS}
        start = _python("effective_from", entry["effective_from"])
        end = _python("effective_to", entry["effective_to"])
        other = overlapping_rule(instrument_type, start, end)
        if other is not None:
            report.skipped.append(f"{label} (overlaps {code}@{other.effective_from.isoformat()})")
            continue
        db.session.add(
            LegalRule(
                instrument_type=instrument_type,
                effective_from=start,
                source=values,
                **{name: _python(name, value) for name, value in values.items()},
            )
        )
        report.created.append(label)
    in_file = {entry["effective_from"] for entry in entries}
    report.missing_from_file += sorted(
        f"{code}@{key}" for key, rule in rules.items() if key not in in_file and rule.source is not None
    )


def _check_texts(path: Path, entry: dict[str, Any], specs: tuple[tuple[str, int, bool], ...]) -> None:
    """Each (name, maximum length, required) text of a file row, checked and stored as the forms do."""
    for name, limit, required in specs:
        entry[name] = _checked(
            path,
            entry["code"],
            lambda name=name, limit=limit, required=required: clean_text(
                entry[name], field=name, max_length=limit, required=required
            ),
        )


def _check_unit_entry(path: Path, entry: dict[str, Any]) -> None:
    code = entry["code"]
    _checked(path, code or "?", lambda: clean_code(code))
    _check_texts(path, entry, (("name", 120, True), ("level", 20, True), ("successor", 120, False),
                               ("note", 2000, False)))  # fmt: skip
    if entry["valid_from"] and entry["valid_to"] and entry["valid_to"] < entry["valid_from"]:
        raise _file_error(path, code, _l("valid_to comes before valid_from"))


def sync_admin_units(actor: Actor, path: Path = reference.ADMIN_UNITS_FILE) -> SyncReport:
    """Apply the administrative units file; see the module's description."""
    entries = _read(path, reference.read_admin_units)
    codes: set[str] = set()
    for entry in entries:
        _check_unit_entry(path, entry)
        if entry["code"] in codes:
            raise _file_error(path, entry["code"], _l("the same code is given twice"))
        codes.add(entry["code"])
    report = SyncReport(file=path.name)
    existing = {unit.code: unit for unit in db.session.scalars(select(AdminUnit))}
    with _syncing(actor, path), db.session.no_autoflush:
        for entry in entries:
            values = {name: entry[name] for name in reference.ADMIN_UNIT_FIELDS}
            unit = existing.get(entry["code"])
            if unit is None:
                db.session.add(
                    AdminUnit(
                        code=entry["code"],
                        source=values,
                        **{name: _python(name, value) for name, value in values.items()},
                    )
                )
                report.created.append(entry["code"])
            else:
                _merge(unit, entry["code"], values, report)
    report.missing_from_file = sorted(
        code for code, unit in existing.items() if code not in codes and unit.source is not None
    )
    return report


def _syncing(actor: Actor, path: Path) -> AbstractContextManager[str]:
    """The Department's admin (or the command line) applies a file; every change says so."""
    policy.require(actor, InstrumentType, Permission.CHANGE)
    return audit.reason(f"catalogue sync from {path.name}")
