"""Reading a plan's data files (``registry/plan/data/<code>.json`` and the indicator CSV it names). Pure
parsing, no database: the data migration and ``flask plan load`` both use it, so a second province's plan
is a second pair of files and never new code.

An indicator row's period label says its counting window: ``by-YYYY`` ends on 31 December of that year
(the cumulative objectives), ``YYYY-YYYY`` spans those years; a ``cumulative`` window starts on the plan's
first day whatever the label, a ``phase`` window on the label's first day."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from registry.core.dates import iso_date

DATA_DIR = Path(__file__).resolve().parent / "data"
KONTUM_FILE = DATA_DIR / "kontum-2021.json"

RULES = frozenset(
    {
        "count_items",
        "count_activities",
        "sum_participants",
        "count_activity_orgs",
        "distinct_orgs",
        "map_turns",
    }
)
WINDOWS = frozenset({"phase", "cumulative"})
LIST_PARAMS = frozenset({"kinds", "require_accreditation", "purpose"})
BY_YEAR = re.compile(r"by-([0-9]{4})\Z")
SPAN = re.compile(r"([0-9]{4})-([0-9]{4})\Z")


def parse_params(text: str) -> dict[str, Any]:
    """``key=value; key=a,b`` → a dict; the keys that hold lists always hold lists, flags are booleans."""
    params: dict[str, Any] = {}
    for part in text.split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if key in LIST_PARAMS:
            params[key] = [entry.strip() for entry in value.split(",") if entry.strip()]
        elif value.lower() in ("true", "false"):
            params[key] = value.lower() == "true"
        else:
            params[key] = value
    return params


def period_window(label: str, window: str, plan_start: date) -> tuple[date, date]:
    """The first and last day an indicator row counts, from its period label and window."""
    if match := BY_YEAR.match(label):
        start, end = plan_start, date(int(match.group(1)), 12, 31)
    elif match := SPAN.match(label):
        start, end = date(int(match.group(1)), 1, 1), date(int(match.group(2)), 12, 31)
    else:
        raise ValueError(f"unknown period label {label!r}: use by-YYYY or YYYY-YYYY")
    return (plan_start if window == "cumulative" else start), end


def _target(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


def read_plan(path: Path = KONTUM_FILE) -> dict[str, Any]:
    """The plan of ``path``: its own fields, ``phases`` and ``indicators`` (dates as ``date``), checked."""
    with path.open(encoding="utf-8-sig") as handle:
        data = json.load(handle)
    plan = {
        "code": data["code"],
        "name": data["name"],
        "reference": data.get("reference", ""),
        "province_code": data["province_code"],
        "starts_on": iso_date(data["starts_on"]),
        "ends_on": iso_date(data["ends_on"]),
    }
    phases = [
        {
            "code": phase["code"],
            "starts_on": iso_date(phase["starts_on"]),
            "ends_on": iso_date(phase["ends_on"]),
        }
        for phase in data["phases"]
    ]
    lead_unit = data.get("lead_unit", "")
    indicators = []
    with (path.parent / data["indicators"]).open(encoding="utf-8-sig", newline="") as handle:
        for position, row in enumerate(csv.DictReader(handle), start=1):
            rule, window = row["rule"].strip(), row["window"].strip()
            if rule not in RULES:
                raise ValueError(f"row {position + 1}: unknown rule {rule!r}")
            if window not in WINDOWS:
                raise ValueError(f"row {position + 1}: unknown window {window!r}")
            period = row["phase"].strip()
            starts_on, ends_on = period_window(period, window, plan["starts_on"])
            indicators.append(
                {
                    "position": position,
                    "code": row["code"].strip(),
                    "section": row.get("section", "").strip(),
                    "title_vi": row["title_vi"].strip(),
                    "title_en": row.get("title_en", "").strip(),
                    "unit_vi": row.get("unit_vi", "").strip(),
                    "period": period,
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "target": _target(row.get("target", "")),
                    "rule": rule,
                    "params": parse_params(row.get("params", "")),
                    "window": window,
                    "counting_rule": row.get("counting_rule", "").strip(),
                    "lead_unit": (row.get("lead_unit") or lead_unit).strip(),
                    "confidence": (row.get("confidence") or "source").strip(),
                }
            )
    return {**plan, "phases": phases, "indicators": indicators}
