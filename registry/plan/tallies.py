"""An indicator's achieved value on a day, counted in SQL by its rule (:mod:`registry.plan.rules`): the
total, per year, per ownership class and per district, the share of its target, whether it keeps pace
with the time elapsed in its window, and the rows behind every number.

The window is evaluated at the earlier of the as-of date and the window's end: a 2021–2025 row asked on
2026-03-01 shows what 2021–2025 achieved; one asked on 2023-06-30 what had been achieved by then."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, String, and_, case, cast, extract, func, select

from registry.catalogue.models import AdminUnit
from registry.extensions import db
from registry.items.models import Item
from registry.organisations.models import Organisation
from registry.plan.models import Activity, Indicator, Participant
from registry.plan.rules import RULES


class Pace(enum.StrEnum):
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NOT_STARTED = "not_started"
    NO_TARGET = "no_target"


@dataclass
class Tally:
    indicator: Indicator
    as_of: date
    counted_to: date
    actual: int
    by_year: dict[int, int] = field(default_factory=dict)
    by_ownership: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, int] = field(default_factory=dict)

    @property
    def target(self) -> int | None:
        return self.indicator.target

    @property
    def percent(self) -> float | None:
        if not self.target:
            return None
        return round(self.actual * 100 / self.target, 1)

    @property
    def elapsed(self) -> float:
        """The share of the window gone by on the as-of date (0 before it starts, 1 after it ends)."""
        start, end = self.indicator.starts_on, self.indicator.ends_on
        if self.as_of < start:
            return 0.0
        return min(1.0, ((self.counted_to - start).days + 1) / ((end - start).days + 1))

    @property
    def pace(self) -> Pace:
        if not self.target:
            return Pace.NO_TARGET
        if self.actual >= self.target:
            return Pace.ACHIEVED
        if self.as_of < self.indicator.starts_on:
            return Pace.NOT_STARTED
        return Pace.ON_TRACK if self.actual >= self.target * self.elapsed else Pace.BEHIND

    @property
    def expected(self) -> float | None:
        """What keeping pace needs by now: the target times the share of the window elapsed."""
        return None if not self.target else round(self.target * self.elapsed, 1)

    def as_json(self) -> dict[str, Any]:
        """One row of ``GET /api/v1/indicators`` (DESIGN §5)."""
        return {
            "code": self.indicator.code,
            "title": self.indicator.title_vi,
            "unit": self.indicator.unit_vi,
            "phase": self.indicator.period,
            "target": self.target,
            "actual": self.actual,
            "percent": self.percent,
            "breakdown": {
                "ownership_class": self.by_ownership,
                "admin_unit": self.by_district,
                "year": {str(year): count for year, count in self.by_year.items()},
            },
        }


def counted_rows(indicator: Indicator, as_of: date) -> Select[Any]:
    """The rows the indicator counts on ``as_of``: its rule between the window's start and the earlier of
    ``as_of`` and the window's end."""
    end = min(as_of, indicator.ends_on)  # before the window starts, end < start: no row
    return RULES[indicator.rule](indicator.params, indicator.starts_on, end, indicator.plan.province_code)


def district_of(unit: type[AdminUnit] | Any, province_code: str) -> Any:
    """The 2021 district (or city) of an administrative unit: itself, or its parent for a commune; the
    province itself for units directly under it."""
    return case(
        (unit.parent_code.is_(None), unit.code),
        (unit.parent_code == province_code, unit.code),
        else_=unit.parent_code,
    )


def tally(indicator: Indicator, as_of: date) -> Tally:
    rows = counted_rows(indicator, as_of).subquery()
    actual = db.session.scalar(select(func.count()).select_from(rows)) or 0
    year = cast(extract("year", rows.c.day), String)
    by_year = {
        int(float(value)): count
        for value, count in db.session.execute(select(year, func.count()).group_by(year).order_by(year))
    }
    ownership = Organisation.ownership_class
    by_ownership: dict[str, int] = dict(
        db.session.execute(
            select(ownership, func.count())
            .select_from(rows)
            .join(Organisation, Organisation.id == rows.c.organisation_id)
            .group_by(ownership)
        ).all()
    )
    district = district_of(AdminUnit, indicator.plan.province_code)
    by_district: dict[str, int] = dict(
        db.session.execute(
            select(district, func.count())
            .select_from(rows)
            .join(AdminUnit, AdminUnit.id == rows.c.admin_unit_id)
            .group_by(district)
        ).all()
    )
    return Tally(
        indicator,
        as_of,
        min(as_of, indicator.ends_on),
        actual,
        by_year=by_year,
        by_ownership=by_ownership,
        by_district=by_district,
    )


@dataclass(frozen=True)
class CountedRow:
    day: date
    activity: Activity | None
    item: Item | None
    participant: Participant | None
    organisation: Organisation | None


def rows_of(
    indicator: Indicator,
    as_of: date,
    *,
    year: int | None = None,
    ownership_class: str | None = None,
    district: str | None = None,
    limit: int = 2000,
) -> list[CountedRow]:
    """The rows behind a number: all, or those of one year, one ownership class or one district."""
    rows = counted_rows(indicator, as_of).subquery()
    stmt = described(rows).outerjoin(AdminUnit, AdminUnit.id == rows.c.admin_unit_id)
    conditions = []
    if year is not None:
        conditions.append(extract("year", rows.c.day) == year)
    if ownership_class:
        conditions.append(Organisation.ownership_class == ownership_class)
    if district:
        conditions.append(district_of(AdminUnit, indicator.plan.province_code) == district)
    if conditions:
        stmt = stmt.where(and_(*conditions))
    return listed(stmt, rows, limit)


def described(rows: Any) -> Select[Any]:
    """Counted rows (any subquery with their columns: the live ones, or a submission's frozen ones) with
    what each names: its activity, item, participant and organisation."""
    return (
        select(rows.c.day, Activity, Item, Participant, Organisation)
        .select_from(rows)
        .outerjoin(Activity, Activity.id == rows.c.activity_id)
        .outerjoin(Item, Item.id == rows.c.item_id)
        .outerjoin(Participant, Participant.id == rows.c.participant_id)
        .outerjoin(Organisation, Organisation.id == rows.c.organisation_id)
    )


def listed(stmt: Select[Any], rows: Any, limit: int = 2000) -> list[CountedRow]:
    stmt = stmt.order_by(rows.c.day, rows.c.activity_id, rows.c.item_id, rows.c.participant_id).limit(limit)
    return [CountedRow(*row) for row in db.session.execute(stmt)]
