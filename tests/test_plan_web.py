"""The plan's pages, API and reports: activities recorded, changed and voided through the web and the API
with the same answers; the dashboard's numbers linking to their rows; the XLSX and DOCX reports (from the
dashboard and from ``flask indicators``) reopened and checked against the JSON."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from registry.audit.services import history
from registry.extensions import db
from registry.plan import activities, services
from registry.plan.models import Activity, Indicator
from tests.factories import OrganisationFactory
from tests.helpers import SYSTEM, logged_in, post_form


@pytest.fixture
def department(client: Any, auth: Any, department_officer: Any) -> Any:
    return logged_in(client, auth, department_officer)


def _indicator(code: str, period: str) -> Indicator:
    found = db.session.scalar(select(Indicator).where(Indicator.code == code, Indicator.period == period))
    assert found is not None
    return found


def test_an_activity_recorded_on_the_web_counts_and_its_number_links_to_it(department):
    enterprise = OrganisationFactory(code="CTY-KHAOSAT")
    response = post_form(
        department,
        "/plan/activities/new",
        {
            "kind": "map_survey",
            "held_on": "14/03/2024",
            "title": "Khảo sát áp dụng Chương trình đảm bảo đo lường",
            "organisations": "cty-khaosat",
            "participants": "Nguyễn Văn A | Công ty X | giám đốc\nTrần Thị B",
        },
    )
    assert response.status_code == 302
    activity = db.session.scalars(select(Activity)).one()
    assert [o.code for o in activity.organisations] == [enterprise.code]
    assert [(p.name, p.organisation, p.role) for p in activity.participants] == [
        ("Nguyễn Văn A", "Công ty X", "giám đốc"),
        ("Trần Thị B", "", ""),
    ]
    page = department.get("/plan/?as_of=2026-11-30").get_data(as_text=True)
    indicator = _indicator("II.4.a", "2021-2025")
    link = f"/plan/kontum-2021/indicators/{indicator.id}?as_of=2026-11-30"
    assert f'href="{link}" data-testid="actual">1</a>' in page
    rows = department.get(link).get_data(as_text=True)
    assert "Khảo sát áp dụng Chương trình đảm bảo đo lường" in rows and enterprise.name in rows


def test_the_web_form_names_each_wrong_field(department):
    response = post_form(
        department,
        "/plan/activities/new",
        {
            "kind": "party",
            "held_on": "2999-01-01",
            "title": "",
            "organisations": "NO-SUCH-ORG",
            "link": "ftp://x",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in (
        "Choose a kind of activity from the list.",
        "This date cannot be in the future.",
        "No organisation has the code NO-SUCH-ORG.",
        "Enter a web address starting with http:// or https://.",
    ):
        assert message in page
    assert db.session.scalar(select(Activity.id)) is None


def test_editing_and_voiding_on_the_web_are_audited_and_change_the_tally(department):
    activity = activities.create_activity(SYSTEM, kind="article", held_on=date(2025, 12, 31), title="Tin bài")
    db.session.commit()
    response = post_form(
        department,
        f"/plan/activities/{activity.id}/edit",
        {"kind": "article", "held_on": "2026-01-01", "title": "Tin bài", "reason": "Sai ngày đăng"},
    )
    assert response.status_code == 302
    assert history("activities", activity.id)[-1].reason == "Sai ngày đăng"
    as_of = date(2026, 11, 30)
    figures = services.indicators_json(SYSTEM, "kontum-2021", as_of.isoformat())["indicators"]
    articles = {row["phase"]: row["actual"] for row in figures if row["code"] == "I"}
    assert articles == {"2021-2025": 0, "2026-2030": 1}
    response = post_form(
        department,
        f"/plan/activities/{activity.id}/void",
        {"reason": "Trùng"},
        page=f"/plan/activities/{activity.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).state == "void"
    assert "Voided: Trùng" in department.get(f"/plan/activities/{activity.id}").get_data(as_text=True)


def test_the_api_records_changes_and_voids_with_the_same_answers(api, department_officer):
    http = api(department_officer)
    OrganisationFactory(code="LAB-KT")
    db.session.commit()
    bad = http.post("/api/v1/activities", json={"kind": "party", "held_on": "2999-01-01", "title": ""})
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"kind", "held_on", "title"}
    created = http.post(
        "/api/v1/activities",
        json={
            "kind": "training",
            "held_on": "2024-07-25",
            "title": "Tập huấn",
            "organisations": ["LAB-KT"],
            "participants": [{"name": "Lê C", "organisation": "LAB-KT", "role": "kỹ thuật viên"}],
        },
    )
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["organisations"] == ["LAB-KT"] and body["participants"][0]["name"] == "Lê C"
    stale = http.patch(f"/api/v1/activities/{body['id']}", json={"title": "X", "reason": "r", "version": 99})
    assert stale.status_code == 409
    no_reason = http.patch(f"/api/v1/activities/{body['id']}", json={"title": "X"})
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["error"]["fields"]
    patched = http.patch(f"/api/v1/activities/{body['id']}", json={"title": "Tập huấn lại", "reason": "Sửa"})
    assert patched.get_json()["title"] == "Tập huấn lại"
    listed = http.get("/api/v1/activities?kind=training").get_json()
    assert [row["id"] for row in listed["items"]] == [body["id"]]
    indicators = http.get("/api/v1/indicators?plan=kontum-2021&as_of=2026-11-30").get_json()
    training = next(
        row for row in indicators["indicators"] if row["code"] == "II.2.c" and row["phase"] == "2021-2025"
    )
    assert training["actual"] == 1
    voided = http.post(f"/api/v1/activities/{body['id']}/void", json={"reason": "Nhập nhầm"})
    assert voided.status_code == 200 and voided.get_json()["state"] == "void"
    indicators = http.get("/api/v1/indicators?as_of=2026-11-30").get_json()
    training = next(
        row for row in indicators["indicators"] if row["code"] == "II.2.c" and row["phase"] == "2021-2025"
    )
    assert training["actual"] == 0
    assert http.get("/api/v1/indicators?as_of=31/02/2026").status_code == 422


def _demo_rows() -> None:
    activities.create_activity(SYSTEM, kind="article", held_on=date(2022, 3, 1), title="Tin 1")
    activities.create_activity(
        SYSTEM,
        kind="training",
        held_on=date(2024, 7, 1),
        title="Tập huấn",
        participants=[{"name": "A"}, {"name": "B"}],
    )
    db.session.commit()


def _check_against_json(xlsx: bytes, docx: bytes, expected: dict[str, Any]) -> None:
    sheet = load_workbook(io.BytesIO(xlsx)).active
    assert [cell.value for cell in sheet[1]] == [
        "STT",
        "Nội dung",
        "Đơn vị chủ trì",
        "Thời gian thực hiện",
        "Chỉ tiêu",
        "Kết quả",
        "Tỷ lệ",
    ]
    lines = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(lines) == len(expected["indicators"])
    for line, row in zip(lines, expected["indicators"], strict=True):
        assert line[1].endswith(row["title"])
        assert line[4] == row["target"] or (row["target"] is None and line[4] in (None, ""))
        assert line[5] == row["actual"]
    document = Document(io.BytesIO(docx))
    table = document.tables[0]
    assert [cell.text for cell in table.rows[0].cells][:2] == ["STT", "Nội dung"]
    assert [int(r.cells[5].text) for r in table.rows[1:]] == [row["actual"] for row in expected["indicators"]]
    paragraphs = [p.text for p in document.paragraphs]
    for row in expected["indicators"]:
        assert any(
            text.startswith(f"{_indicator(row['code'], row['phase']).section} – {row['title']}")
            and f"đạt {row['actual']} " in text
            for text in paragraphs
        )


def test_the_dashboard_downloads_match_the_json(department):
    _demo_rows()
    expected = json.loads(department.get("/plan/kontum-2021/report.json?as_of=2026-11-30").get_data())
    assert expected == services.indicators_json(SYSTEM, "kontum-2021", "2026-11-30")
    xlsx = department.get("/plan/kontum-2021/report.xlsx?as_of=2026-11-30")
    docx = department.get("/plan/kontum-2021/report.docx?as_of=2026-11-30")
    assert xlsx.headers["Content-Disposition"] == "attachment; filename=kontum-2021-2026-11-30.xlsx"
    _check_against_json(xlsx.get_data(), docx.get_data(), expected)


def test_the_command_line_reports_match_the_json(cli, tmp_path):
    _demo_rows()
    answer = cli.invoke(
        args=["indicators", "--plan", "kontum-2021", "--as-of", "2026-11-30", "--format", "json"]
    )
    assert answer.exit_code == 0, answer.output
    expected = json.loads(answer.output)
    assert (
        next(row for row in expected["indicators"] if row["code"] == "OBJ-2" and row["phase"] == "by-2025")[
            "actual"
        ]
        == 2
    )
    files = {}
    for fmt in ("xlsx", "docx"):
        path = tmp_path / f"report.{fmt}"
        result = cli.invoke(
            args=["indicators", "--as-of", "2026-11-30", "--format", fmt, "--output", str(path)]
        )
        assert result.exit_code == 0, result.output
        files[fmt] = path.read_bytes()
    _check_against_json(files["xlsx"], files["docx"], expected)
    refused = cli.invoke(args=["indicators", "--plan", "nowhere"])
    assert refused.exit_code != 0 and "No such plan." in refused.output


def test_the_activities_api_names_an_empty_or_unknown_kind_filter(department_admin_api):
    for kind in ("", "party"):
        answer = department_admin_api.get("/api/v1/activities", query_string={"kind": kind})
        assert answer.status_code == 422 and set(answer.get_json()["error"]["fields"]) == {"kind"}
