"""Each indicator's achieved value year by year, for the dashboard's trend charts: at the end of each past
year, what the nightly ``indicator_snapshot`` job counted that year (its last count), or, for the years
before snapshots existed, what the rows counted now give up to that year's end; for the as-of date's year,
the live tally.

An indicator with two periods (2021–2025 and 2026–2030, or by-2025 and by-2030) is one chart: each year
shows the row whose window covers it (the earlier-ending one where cumulative windows overlap), with that
row's target."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, extract, func, select

from registry.extensions import db
from registry.plan.models import Indicator, IndicatorSnapshot, Plan
from registry.plan.tallies import Tally


class Source(enum.StrEnum):
    SNAPSHOT = "snapshot"  # the nightly count of that year
    ROWS = "rows"  # recounted from the rows as they stand now
    TODAY = "today"  # the live tally on the as-of date


@dataclass(frozen=True)
class Point:
    year: int
    actual: int
    target: int | None
    source: Source
    since: date  # where the row's window starts: a phase window counts again from zero, and its line with it


@dataclass
class Trend:
    indicator: Indicator  # the first row of the indicator (its code, title and unit)
    points: list[Point]

    def chart(self) -> dict[str, Any]:
        """What the chart script draws (read from a data attribute: no inline script)."""
        return {
            "years": [point.year for point in self.points],
            "actual": [point.actual for point in self.points],
            "target": [point.target for point in self.points],
            "since": [point.since.isoformat() for point in self.points],
        }


def snapshot_values(plan: Plan, as_of: date) -> dict[tuple[int, int], int]:
    """The last snapshot of each indicator in each year, up to ``as_of``: {(indicator id, year): value}."""
    year = extract("year", IndicatorSnapshot.taken_on)
    latest = (
        select(IndicatorSnapshot.indicator_id, func.max(IndicatorSnapshot.taken_on).label("taken_on"))
        .join(Indicator, Indicator.id == IndicatorSnapshot.indicator_id)
        .where(Indicator.plan_id == plan.id, IndicatorSnapshot.taken_on <= as_of)
        .group_by(IndicatorSnapshot.indicator_id, year)
        .subquery()
    )
    stmt = select(IndicatorSnapshot.indicator_id, IndicatorSnapshot.taken_on, IndicatorSnapshot.actual).join(
        latest,
        and_(
            IndicatorSnapshot.indicator_id == latest.c.indicator_id,
            IndicatorSnapshot.taken_on == latest.c.taken_on,
        ),
    )
    return {(indicator_id, day.year): actual for indicator_id, day, actual in db.session.execute(stmt)}


def _point(row: Tally, year: int, as_of: date, snapshots: dict[tuple[int, int], int]) -> Point:
    target, since = row.indicator.target, row.indicator.starts_on
    if year >= as_of.year:
        return Point(year, row.actual, target, Source.TODAY, since)
    if (row.indicator.id, year) in snapshots:
        return Point(year, snapshots[(row.indicator.id, year)], target, Source.SNAPSHOT, since)
    recounted = sum(count for counted_year, count in row.by_year.items() if counted_year <= year)
    return Point(year, recounted, target, Source.ROWS, since)


def trends(plan: Plan, rows: list[Tally], as_of: date) -> list[Trend]:
    """One trend per indicator code whose first window has begun by ``as_of``."""
    snapshots = snapshot_values(plan, as_of)
    by_code: dict[str, list[Tally]] = defaultdict(list)
    for row in rows:
        by_code[row.indicator.code].append(row)
    found = []
    for periods in by_code.values():
        first = min(row.indicator.starts_on.year for row in periods)
        last = min(as_of.year, max(row.indicator.ends_on.year for row in periods))
        points = []
        for year in range(first, last + 1):
            covering = [r for r in periods if r.indicator.starts_on.year <= year <= r.indicator.ends_on.year]
            if covering:
                row = min(covering, key=lambda r: r.indicator.ends_on)
                points.append(_point(row, year, as_of, snapshots))
        if points and as_of >= min(row.indicator.starts_on for row in periods):
            found.append(Trend(periods[0].indicator, points))
    return found
