"""Permission rows of the plan (see tests/test_permissions.py).

- The indicator dashboard, the rows behind each number, the reports and ``GET /api/v1/indicators``: the
  Department (admin and officer); anyone else is told the plan does not exist (404).
- Targets: the Department's admin alone; the officer sees the plan but may not change them (403).
- Submitted reports: the Department's admin submits (freezes) one; the officer sees them and their frozen
  files but may not submit (403); anyone else is told they do not exist (404).
- Activities (pages and API): the Department records, changes and voids them; their participants are
  personal data, so another organisation's users are refused the list (403) and told an activity does
  not exist (404).

The plan is the same whichever organisation the matrix targets; the URL builders record an activity
naming the target organisation, so that a refusal can only come from the permission check.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from registry.extensions import db
from registry.organisations.models import Organisation
from registry.plan.activities import create_activity
from registry.plan.models import Indicator, Plan
from registry.plan.submissions import submit
from tests.helpers import SYSTEM
from tests.matrix.base import LOGIN, NONE, OTHER, OWN, Redirect, Row

PLAN = "kontum-2021"
DEPARTMENT: Row = (LOGIN, 200, 200, 404, 404, 404, 404)
RECORDERS: Row = (LOGIN, 200, 200, 403, 403, 403, 403)
ADMIN: Row = (LOGIN, 200, 403, 404, 404, 404, 404)
ACTIVITY_SAVED = Redirect("/plan/activities/{activity_id}")
API_ACTIVITIES = "plan_api.Activities"
API_ACTIVITY = "plan_api.ActivityById"
API_VOID = "plan_api.ActivityVoid"
API_INDICATORS = "indicators_api.Indicators"


def _saves(saved: Redirect) -> Row:
    return (LOGIN, saved, saved, 404, 404, 404, 404)


ROWS: dict[tuple[str, str, str], Row] = {
    ("plan.dashboard", "GET", NONE): DEPARTMENT,
    ("plan.activity_list", "GET", NONE): RECORDERS,
    ("plan.activity_new", "GET", NONE): RECORDERS,
    ("plan.activity_new", "POST", NONE): (
        LOGIN,
        *[Redirect("/plan/activities/", prefix=True)] * 2,
        *[403] * 4,
    ),
    (API_ACTIVITIES, "GET", NONE): (401, 200, 200, 403, 403, 403, 403),
    (API_ACTIVITIES, "POST", NONE): (401, 201, 201, 403, 403, 403, 403),
    (API_INDICATORS, "GET", NONE): (401, 200, 200, 404, 404, 404, 404),
}
for _target in (OWN, OTHER):
    ROWS |= {
        ("plan.counted", "GET", _target): DEPARTMENT,
        ("plan.download", "GET", _target): DEPARTMENT,
        ("plan.target", "GET", _target): ADMIN,
        ("plan.target", "POST", _target): (LOGIN, Redirect(f"/plan/?plan={PLAN}"), 403, 404, 404, 404, 404),
        ("plan.submission_list", "GET", _target): DEPARTMENT,
        ("plan.submission_list", "POST", _target): (
            LOGIN,
            Redirect(f"/plan/{PLAN}/submissions/", prefix=True),
            403,
            *[404] * 4,
        ),
        ("plan.submission_detail", "GET", _target): DEPARTMENT,
        ("plan.submission_rows", "GET", _target): DEPARTMENT,
        ("plan.submission_download", "GET", _target): DEPARTMENT,
        ("plan.activity_detail", "GET", _target): DEPARTMENT,
        ("plan.activity_edit", "GET", _target): DEPARTMENT,
        ("plan.activity_edit", "POST", _target): _saves(ACTIVITY_SAVED),
        ("plan.activity_void", "POST", _target): _saves(ACTIVITY_SAVED),
        (API_ACTIVITY, "PATCH", _target): (401, 200, 200, 404, 404, 404, 404),
        (API_VOID, "POST", _target): (401, 200, 200, 404, 404, 404, 404),
    }

NEW_ACTIVITY = {"kind": "article", "held_on": "2024-01-01", "title": "Tin bài về đo lường"}
FORM_BODIES = {
    ("plan.activity_new", "POST"): NEW_ACTIVITY,
    ("plan.activity_edit", "POST"): {**NEW_ACTIVITY, "title": "Tin bài đã sửa", "reason": "Sửa tiêu đề"},
    ("plan.activity_void", "POST"): {"reason": "Nhập trùng"},
    ("plan.target", "POST"): {"target": "7", "reason": "UBND tỉnh điều chỉnh chỉ tiêu"},
    ("plan.submission_list", "POST"): {"as_of": "2026-11-30", "note": "Gửi UBND tỉnh"},
}
JSON_BODIES = {
    (API_ACTIVITIES, "POST"): NEW_ACTIVITY,
    (API_ACTIVITY, "PATCH"): {"title": "Tin bài đã sửa", "reason": "Sửa tiêu đề"},
    (API_VOID, "POST"): {"reason": "Nhập trùng"},
}


def _indicator(organisation: Organisation) -> dict[str, Any]:
    plan = db.session.scalar(select(Plan).where(Plan.code == PLAN))
    assert plan is not None
    first = db.session.scalar(
        select(Indicator).where(Indicator.plan_id == plan.id).order_by(Indicator.position)
    )
    assert first is not None
    return {"plan_code": PLAN, "indicator_id": first.id}


def _submission(organisation: Organisation) -> dict[str, Any]:
    indicator = _indicator(organisation)
    plan = db.session.scalar(select(Plan).where(Plan.code == PLAN))
    assert plan is not None
    submission = submit(SYSTEM, plan, date(2026, 11, 30))
    return {**indicator, "submission_id": submission.id}


def _without_indicator(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "indicator_id"}


def _activity(organisation: Organisation) -> dict[str, Any]:
    activity = create_activity(
        SYSTEM,
        kind="map_survey",
        held_on=date(2024, 5, 1),
        title="Khảo sát",
        organisations=[organisation.code],
    )
    return {"activity_id": activity.id}


URL_VALUES = {
    "plan.counted": _indicator,
    "plan.target": _indicator,
    "plan.download": lambda organisation: {"plan_code": PLAN, "fmt": "json"},
    "plan.submission_list": lambda organisation: {"plan_code": PLAN},
    "plan.submission_detail": lambda organisation: _without_indicator(_submission(organisation)),
    "plan.submission_rows": _submission,
    "plan.submission_download": lambda organisation: {
        **_without_indicator(_submission(organisation)),
        "fmt": "json",
    },
    "plan.activity_detail": _activity,
    "plan.activity_edit": _activity,
    "plan.activity_void": _activity,
    API_ACTIVITY: _activity,
    API_VOID: _activity,
}
