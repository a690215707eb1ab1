"""Submitted reports are frozen: the Department's admin submits the report for a day, the registry keeps its
figures, files and counted rows as they were, later changes (an activity voided, another recorded) never
alter them, and the submission's page shows the live tally beside them with the rows that differ."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit.services import history
from registry.auth.models import Role
from registry.core.errors import ForbiddenError, ServiceError
from registry.extensions import db
from registry.plan import activities, services, submissions
from registry.plan.models import Activity, Indicator, Plan, Submission, submission_rows
from tests.factories import OrganisationFactory, user_with_role
from tests.helpers import SYSTEM, logged_in, post_form

AS_OF = date(2026, 11, 30)


def _plan() -> Plan:
    return services.get_plan(SYSTEM, "kontum-2021")


def _indicator(code: str, period: str) -> Indicator:
    found = db.session.scalar(select(Indicator).where(Indicator.code == code, Indicator.period == period))
    assert found is not None
    return found


def _articles() -> list[Activity]:
    return [
        activities.create_activity(SYSTEM, kind="article", held_on=date(2024, month, 1), title=f"Tin {month}")
        for month in (3, 4)
    ]


def _frozen_state(submission: Submission) -> tuple[Any, ...]:
    db.session.expire_all()
    row = db.session.get(Submission, submission.id)
    c = submission_rows.c
    rows = db.session.execute(
        select(c.indicator_id, c.day, c.activity_id, c.item_id, c.participant_id, c.organisation_id)
        .where(c.submission_id == submission.id)
        .order_by(c.id)
    ).all()
    return (row.report_json, row.report_xlsx, row.report_docx, row.as_of, row.submitted_by, rows)


def test_later_changes_never_alter_a_submission_and_the_comparison_names_the_rows(department_admin):
    first, second = _articles()
    training = activities.create_activity(
        SYSTEM,
        kind="training",
        held_on=date(2024, 7, 1),
        title="Tập huấn",
        participants=[{"name": "A"}, {"name": "B"}],
    )
    submission = submissions.submit(department_admin, _plan(), AS_OF.isoformat(), "Gửi UBND tỉnh")
    before = _frozen_state(submission)
    articles = _indicator("I", "2021-2025")
    assert submissions.figures(submission)[("I", "2021-2025")] == 2
    assert {row[2] for row in before[-1] if row[0] == articles.id} == {first.id, second.id}
    assert hashlib.sha256(before[1]).hexdigest() == submission.sha256_xlsx

    activities.void_activity(SYSTEM, first, reason="Nhập trùng")
    third = activities.create_activity(SYSTEM, kind="article", held_on=date(2025, 1, 5), title="Tin mới")
    activities.update_activity(
        SYSTEM, training, {"participants": "A"}, reason="B không dự", version=training.version
    )
    db.session.flush()

    assert _frozen_state(submission) == before
    differences = {(row.indicator.code, row.indicator.period): row for row in submissions.compare(submission)}
    article_row = differences[("I", "2021-2025")]
    assert (article_row.frozen, article_row.live, article_row.added, article_row.removed) == (2, 2, 1, 1)
    now, then = submissions.differing_rows(submission, articles)
    assert [row.activity.id for row in now] == [third.id]
    assert [row.activity.id for row in then] == [first.id]
    people = next(row for row in differences.values() if row.frozen == 2 and row.live == 1)
    # The edit wrote the participant list again: A is a new row, B is gone.
    assert (people.added, people.removed) == (1, 2)
    unchanged = differences[("II.4.a", "2021-2025")]
    assert not unchanged.changed


def test_the_database_refuses_to_change_or_delete_a_submission_or_its_rows(department_admin):
    _articles()
    submissions.submit(department_admin, _plan(), AS_OF)
    db.session.flush()
    for statement in (
        "UPDATE plan_submissions SET note = 'sửa'",
        "DELETE FROM plan_submissions",
        "UPDATE plan_submission_rows SET activity_id = NULL",
        "DELETE FROM plan_submission_rows",
    ):
        savepoint = db.session.begin_nested()
        with pytest.raises(sa.exc.DatabaseError, match="submitted reports are frozen"):
            db.session.execute(sa.text(statement))
        savepoint.rollback()


def test_only_the_departments_admin_submits_and_a_future_day_is_refused(department_officer, department_admin):
    with pytest.raises(ForbiddenError):
        submissions.submit(department_officer, _plan(), AS_OF)
    with pytest.raises(ServiceError) as refused:
        submissions.submit(department_admin, _plan(), "2999-01-01", "x\x00")
    assert set(refused.value.fields) == {"as_of", "note"}
    assert db.session.scalar(select(Submission.id)) is None


def test_submitting_is_audited_with_the_note(department_admin):
    submission = submissions.submit(department_admin, _plan(), AS_OF, "Báo cáo năm 2026")
    db.session.flush()
    [created] = history("plan_submissions", submission.id)
    assert created.reason == "Báo cáo năm 2026"
    assert created.new_values["sha256_docx"] == submission.sha256_docx
    assert "report_docx" not in created.new_values


@pytest.fixture
def admin_client(client: Any, auth: Any, department_admin: Any) -> Any:
    return logged_in(client, auth, department_admin)


def test_the_admin_submits_from_the_dashboard_and_downloads_the_files_as_they_were(admin_client, app):
    first, _second = _articles()
    db.session.commit()
    dashboard = f"/plan/?as_of={AS_OF.isoformat()}"
    assert 'data-testid="submit"' in admin_client.get(dashboard).get_data(as_text=True)
    response = post_form(
        admin_client,
        "/plan/kontum-2021/submissions/",
        {"as_of": AS_OF.isoformat(), "note": "Gửi Sở"},
        page=dashboard,
    )
    assert response.status_code == 302
    submission = db.session.scalars(select(Submission)).one()
    assert response.headers["Location"] == f"/plan/kontum-2021/submissions/{submission.id}"
    activities.void_activity(SYSTEM, first, reason="Nhập trùng")
    db.session.commit()

    page = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Gửi Sở" in page
    articles = _indicator("I", "2021-2025")
    link = f"/plan/kontum-2021/submissions/{submission.id}/indicators/{articles.id}"
    assert f'href="{link}" data-testid="changed-rows">0 counted since, 1 no longer</a>' in page
    rows = admin_client.get(link).get_data(as_text=True)
    assert 'data-testid="added-rows-none"' in rows
    assert f"/plan/activities/{first.id}" in rows.split('data-testid="removed-rows"')[1]

    for fmt in ("json", "xlsx", "docx"):
        download = admin_client.get(f"/plan/kontum-2021/submissions/{submission.id}/report.{fmt}")
        assert download.status_code == 200
        assert hashlib.sha256(download.get_data()).hexdigest() == getattr(submission, f"sha256_{fmt}")
    frozen = json.loads(admin_client.get(f"/plan/kontum-2021/submissions/{submission.id}/report.json").data)
    assert (
        next(r for r in frozen["indicators"] if r["code"] == "I" and r["phase"] == "2021-2025")["actual"] == 2
    )
    sheet = load_workbook(
        io.BytesIO(admin_client.get(f"/plan/kontum-2021/submissions/{submission.id}/report.xlsx").data)
    ).active
    assert [line[5] for line in sheet.iter_rows(min_row=2, values_only=True)] == [
        row["actual"] for row in frozen["indicators"]
    ]
    listing = admin_client.get("/plan/kontum-2021/submissions/").get_data(as_text=True)
    assert f"/plan/kontum-2021/submissions/{submission.id}" in listing


def test_the_officer_views_submissions_but_may_not_submit(client, auth, department_officer, department_admin):
    submission = submissions.submit(department_admin, _plan(), AS_OF)
    officer = logged_in(client, auth, department_officer)
    assert 'data-testid="submit"' not in officer.get("/plan/").get_data(as_text=True)
    assert officer.get(f"/plan/kontum-2021/submissions/{submission.id}").status_code == 200
    answer = post_form(officer, "/plan/kontum-2021/submissions/", {"as_of": "2026-11-30"}, page="/plan/")
    assert answer.status_code == 403
    assert db.session.scalar(select(sa.func.count(Submission.id))) == 1


def test_a_wrong_day_is_named_under_its_field(admin_client):
    response = post_form(
        admin_client, "/plan/kontum-2021/submissions/", {"as_of": "31/02/2026"}, page="/plan/"
    )
    assert response.status_code == 422
    assert 'data-field="as_of"' in response.get_data(as_text=True)


def test_another_organisation_is_told_a_submission_does_not_exist(client, auth, department_admin):
    submission = submissions.submit(department_admin, _plan(), AS_OF)
    manager = OrganisationFactory()
    outsider = logged_in(client, auth, user_with_role(Role.ENTERPRISE_MANAGER, manager))
    assert outsider.get(f"/plan/kontum-2021/submissions/{submission.id}").status_code == 404
    assert outsider.get(f"/plan/kontum-2021/submissions/{submission.id}/report.xlsx").status_code == 404
