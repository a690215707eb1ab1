"""The plan's reports from the tallies, in Vietnamese: the appendix's table as a workbook (STT, Nội dung,
Đơn vị chủ trì, Thời gian thực hiện, Chỉ tiêu, Kết quả, Tỷ lệ), and the annual implementation report the
Department sends the Provincial People's Committee (the plan's section V.1): the same table and one
paragraph per indicator written from the figures, for the Department to edit."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from operator import itemgetter

from docx import Document

from registry.auth.policy import Actor
from registry.core.export import Column, xlsx_bytes
from registry.plan.models import Plan
from registry.plan.services import tallies
from registry.plan.tallies import Pace, Tally

HEADERS = ("STT", "Nội dung", "Đơn vị chủ trì", "Thời gian thực hiện", "Chỉ tiêu", "Kết quả", "Tỷ lệ")
OWNERSHIP_VI = {
    "state_capital": "doanh nghiệp có vốn nhà nước",
    "private": "khu vực kinh tế tư nhân",
    "fdi": "doanh nghiệp có vốn đầu tư nước ngoài",
    "public_unit": "đơn vị sự nghiệp công lập",
}
PACE_VI = {
    Pace.ACHIEVED: "đã đạt chỉ tiêu",
    Pace.ON_TRACK: "đúng tiến độ",
    Pace.BEHIND: "chậm so với tiến độ",
    Pace.NOT_STARTED: "chưa đến giai đoạn thực hiện",
    Pace.NO_TARGET: "không đặt chỉ tiêu định lượng",
}


def period_vi(label: str) -> str:
    return f"Đến năm {label[3:]}" if label.startswith("by-") else label.replace("-", " - ")


def percent_vi(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def table_rows(rows: list[Tally]) -> list[tuple[object, ...]]:
    """The appendix's table: one line per indicator and period."""
    return [
        (
            number,
            f"{row.indicator.section} – {row.indicator.title_vi}",
            row.indicator.lead_unit,
            period_vi(row.indicator.period),
            row.target if row.target is not None else "",
            row.actual,
            percent_vi(row.percent),
        )
        for number, row in enumerate(rows, start=1)
    ]


def xlsx_report(plan: Plan, rows: list[Tally], as_of: date) -> bytes:
    columns = [
        Column(header, itemgetter(index), width)
        for index, (header, width) in enumerate(zip(HEADERS, (6, 70, 28, 18, 10, 10, 10), strict=True))
    ]
    return xlsx_bytes(columns, table_rows(rows), title=f"Chỉ tiêu {as_of.isoformat()}")


def paragraph(row: Tally) -> str:
    """One indicator's figures in words."""
    indicator = row.indicator
    text = (
        f"{indicator.section} – {indicator.title_vi} ({period_vi(indicator.period)}): "
        f"đạt {row.actual} {indicator.unit_vi}"
    )
    if row.target:
        text += f" trên chỉ tiêu {row.target} ({percent_vi(row.percent)}), {PACE_VI[row.pace]}"
    else:
        text += f", {PACE_VI[row.pace]}"
    if row.by_year:
        text += "; theo năm: " + ", ".join(
            f"năm {year}: {count}" for year, count in sorted(row.by_year.items())
        )
    if row.by_ownership:
        parts = (f"{OWNERSHIP_VI.get(key, key)}: {count}" for key, count in sorted(row.by_ownership.items()))
        text += "; theo loại hình: " + ", ".join(parts)
    return text + "."


def docx_report(plan: Plan, rows: list[Tally], as_of: date) -> bytes:
    document = Document()
    document.add_heading(f"BÁO CÁO tình hình thực hiện Kế hoạch năm {as_of.year}", level=1)
    document.add_paragraph(
        f"{plan.name} ({plan.reference}). Số liệu tính đến ngày {as_of.strftime('%d/%m/%Y')}."
    )
    document.add_heading("1. Kết quả thực hiện các chỉ tiêu", level=2)
    table = document.add_table(rows=1, cols=len(HEADERS), style="Table Grid")
    for cell, header in zip(table.rows[0].cells, HEADERS, strict=True):
        cell.paragraphs[0].add_run(header)
    for line in table_rows(rows):
        for cell, value in zip(table.add_row().cells, line, strict=True):
            cell.paragraphs[0].add_run(str(value))
    document.add_heading("2. Đánh giá từng chỉ tiêu", level=2)
    for row in rows:
        document.add_paragraph(paragraph(row))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def json_report(plan: Plan, rows: list[Tally], as_of: date) -> bytes:
    body = {"plan": plan.code, "as_of": as_of.isoformat(), "indicators": [row.as_json() for row in rows]}
    return json.dumps(body, ensure_ascii=False, indent=2).encode()


FORMATS: dict[str, tuple[Callable[[Plan, list[Tally], date], bytes], str]] = {
    "json": (json_report, "application/json"),
    "xlsx": (xlsx_report, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": (docx_report, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def report(actor: Actor, plan: Plan, as_of: date, fmt: str) -> tuple[bytes, str, str]:
    """The report's bytes, its media type and its file name."""
    writer, media_type = FORMATS[fmt]
    return (
        writer(plan, tallies(actor, plan, as_of), as_of),
        media_type,
        f"{plan.code}-{as_of.isoformat()}.{fmt}",
    )
