"""The dashboard's yearly trend charts: each past year's value is the nightly count's last of that year, or,
before nightly counts began, a recount of the rows to that year's end; this year's is the live tally. The
charts are drawn by a static script from data attributes (no inline script), over a table of the same
figures for screen readers and browsers without scripts."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.plan import activities, services
from registry.plan.models import Indicator, IndicatorSnapshot
from registry.plan.trends import Source, trends
from tests.helpers import SYSTEM, logged_in

AS_OF = date(2026, 11, 30)


def _indicator(code: str, period: str) -> Indicator:
    found = db.session.scalar(select(Indicator).where(Indicator.code == code, Indicator.period == period))
    assert found is not None
    return found


def _rows_and_snapshots() -> None:
    for year in (2022, 2023, 2024, 2026):
        activities.create_activity(SYSTEM, kind="article", held_on=date(year, 5, 1), title=f"Tin {year}")
    first = _indicator("I", "2021-2025")
    for day, actual in ((date(2023, 6, 30), 4), (date(2023, 12, 31), 5), (date(2026, 12, 1), 99)):
        db.session.add(IndicatorSnapshot(indicator_id=first.id, taken_on=day, actual=actual))
    db.session.flush()


def test_each_year_comes_from_its_last_snapshot_or_else_from_the_rows():
    _rows_and_snapshots()
    plan = services.get_plan(SYSTEM, "kontum-2021")
    found = {
        trend.indicator.code: trend for trend in trends(plan, services.tallies(SYSTEM, plan, AS_OF), AS_OF)
    }
    first, second = _indicator("I", "2021-2025"), _indicator("I", "2026-2030")
    assert [(p.year, p.actual, p.target, p.source, p.since) for p in found["I"].points] == [
        (2021, 0, first.target, Source.ROWS, first.starts_on),
        (2022, 1, first.target, Source.ROWS, first.starts_on),
        # 2023: the year's last nightly count, not the recount (2).
        (2023, 5, first.target, Source.SNAPSHOT, first.starts_on),
        (2024, 3, first.target, Source.ROWS, first.starts_on),
        (2025, 3, first.target, Source.ROWS, first.starts_on),
        (2026, 1, second.target, Source.TODAY, second.starts_on),  # the second phase starts again from zero
    ]
    # Cumulative windows overlap (by-2025 and by-2030 both start in 2021): each year shows the earlier one.
    obj = found["OBJ-1"]
    assert {p.since for p in obj.points} == {date(2021, 1, 1)}  # one line, never starting again
    assert [p.target for p in obj.points] == [_indicator("OBJ-1", "by-2025").target] * 5 + [
        _indicator("OBJ-1", "by-2030").target
    ]


def test_before_the_plan_starts_there_is_no_trend():
    plan = services.get_plan(SYSTEM, "kontum-2021")
    day = date(2020, 6, 1)
    assert trends(plan, services.tallies(SYSTEM, plan, day), day) == []


@pytest.fixture
def department(client: Any, auth: Any, department_officer: Any) -> Any:
    return logged_in(client, auth, department_officer)


def test_the_dashboard_draws_each_trend_from_a_data_attribute_over_a_table(department):
    _rows_and_snapshots()
    db.session.commit()
    page = department.get(f"/plan/?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    figure = re.search(r'<figure class="trend[^>]*data-trend="([^"]+)"[^>]*data-code="I"', page)
    assert figure is not None
    assert json.loads(html.unescape(figure.group(1)))["actual"] == [0, 1, 5, 3, 3, 1]
    table = page[figure.end() : page.index("</figure>", figure.end())]
    assert '<th scope="row">2023</th><td class="text-end">5</td>' in table and "nightly count" in table
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all('src="/static/' in attributes for attributes in scripts)
    assert '<script src="/static/vendor/chart.js-4.6.1/chart.umd.min.js"></script>' in page
    for path in ("/static/vendor/chart.js-4.6.1/chart.umd.min.js", "/static/js/plan-trends.js"):
        response = department.get(path)
        assert response.status_code == 200
        response.close()
