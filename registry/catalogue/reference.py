"""Reading the reference files shipped in ``registry/catalogue/data/``. Pure parsing, no database:
the data migration and ``catalogue sync`` both use it. Files are read as utf-8-sig: one saved by a
spreadsheet starts with a byte-order mark, which must not become part of the first column's name."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from registry.core.dates import iso_date

DATA_DIR = Path(__file__).resolve().parent / "data"
INSTRUMENT_TYPES_FILE = DATA_DIR / "group2-instrument-types.csv"
ADMIN_UNITS_FILE = DATA_DIR / "kon-tum-admin-units-2021.csv"

TYPE_FIELDS = ("name_vi", "name_en", "quantity", "list_row")
RULE_FIELDS = ("controls", "cycle_months", "legal_basis", "effective_to", "confidence", "note")
ADMIN_UNIT_FIELDS = (
    "name",
    "level",
    "parent_code",
    "valid_from",
    "valid_to",
    "successor",
    "confidence",
    "note",
)


def _date(value: str) -> str | None:
    """ISO date text, validated; None for an empty cell (dates stay text so rows are JSON-ready)."""
    value = value.strip()
    return iso_date(value).isoformat() if value else None


def read_instrument_types(path: Path = INSTRUMENT_TYPES_FILE) -> list[dict[str, Any]]:
    """One dict per type code, with its rules (one per row of the file) under ``rules``."""
    types: dict[str, dict[str, Any]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["code"].strip()
            entry = types.setdefault(
                code,
                {
                    "code": code,
                    "name_vi": row["name_vi"].strip(),
                    "name_en": row["name_en"].strip(),
                    "quantity": row["quantity"].strip(),
                    "list_row": row["list_row"].strip(),
                    "rules": [],
                },
            )
            cycle = row["cycle_months"].strip()
            entry["rules"].append(
                {
                    "controls": row["controls"].strip(),
                    "cycle_months": int(cycle) if cycle else None,
                    "legal_basis": row["legal_basis"].strip(),
                    "effective_from": _date(row["effective_from"]),
                    "effective_to": _date(row["effective_to"]),
                    "confidence": "verify" if row["confidence"].strip() == "verify" else "source",
                    "note": row["note"].strip(),
                }
            )
    return list(types.values())


def read_admin_units(path: Path = ADMIN_UNITS_FILE) -> list[dict[str, Any]]:
    units = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            level = row["kind"].strip()
            confidence_text = row["confidence"].strip()
            units.append(
                {
                    "code": row["code"].strip(),
                    "name": row["name_vi"].strip(),
                    "level": level,
                    "parent_code": None if level == "province" else "62",
                    "valid_from": _date(row["valid_from"]),
                    "valid_to": _date(row["valid_to"]),
                    "successor": row["successor"].strip(),
                    "confidence": "verify" if "verify" in confidence_text else "source",
                    "note": confidence_text,
                }
            )
    return units
