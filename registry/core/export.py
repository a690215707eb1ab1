"""Download any list as CSV or XLSX: a list of :class:`Column` (a header, lazily translated, and how to
get the value from a row) and the rows.

CSV is UTF-8 with a byte-order mark (so that Excel shows Vietnamese correctly), dates in ISO 8601.
XLSX (openpyxl, write-only: constant memory) keeps dates as dates shown dd/mm/yyyy and numbers as
numbers. Text that a spreadsheet would run as a formula (=, +, -, @ …) is neutralised in both.
"""

from __future__ import annotations

import csv
import enum
import io
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")

# OWASP "CSV injection": cells starting with these are formulas to Excel and LibreOffice.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Column:
    header: Any  # a string or a lazy gettext string, rendered in the request's language
    value: Callable[[Any], Any]
    width: int = 18


def safe_text(text: str) -> str:
    """``text``, with a leading apostrophe if a spreadsheet would take it for a formula."""
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if value is None:
        return ""
    return value


def _csv_cell(value: Any) -> str:
    value = _plain(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    return safe_text(str(value))


def csv_chunks(columns: list[Column], rows: Iterable[Any]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def flush() -> str:
        chunk = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return chunk

    buffer.write("\ufeff")
    writer.writerow([str(column.header) for column in columns])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(column.value(row)) for column in columns])
        if count % 500 == 0:
            yield flush()
    yield flush()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Any) -> Cell:
    value = _plain(value)
    if isinstance(value, datetime):
        value = value.replace(tzinfo=None)
    if isinstance(value, str):
        value = _ILLEGAL_XLSX.sub("", value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        # openpyxl stores text starting with "=" as a formula: keep every text cell text.
        cell.data_type = "s"
    elif isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
    return cell


def xlsx_bytes(columns: list[Column], rows: Iterable[Any], *, title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Export")
    for index, column in enumerate(columns):
        sheet.column_dimensions[get_column_letter(index + 1)].width = column.width
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.header))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column.value(row)) for column in columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_response(fmt: str, filename: str, columns: list[Column], rows: Iterable[Any]) -> Response:
    """The download of ``rows`` in ``fmt`` (``csv`` or ``xlsx``) as ``filename.<fmt>``."""
    if fmt == "csv":
        response = Response("".join(csv_chunks(columns, rows)), mimetype=CSV_MIMETYPE)
    elif fmt == "xlsx":
        response = Response(xlsx_bytes(columns, rows, title=filename), mimetype=XLSX_MIMETYPE)
    else:
        raise ValueError(f"unknown export format {fmt!r}")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
