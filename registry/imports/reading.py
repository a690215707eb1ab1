"""Reading an import file into rows of text, refusing a file that cannot be read safely: not UTF-8, not
really an XLSX workbook, a ZIP bomb, a formula, merged cells, a huge cell, too many rows, no rows.

A file is judged by its name's extension. A cell's value becomes the text a form would send: a number
its digits, a date its ISO form; an empty cell is not given at all. The sheet read is the first one (the
template keeps its lists on a hidden second sheet).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import format_number
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from registry.core.errors import ServiceError

MAX_CELL_LENGTH = 5000
# What a workbook may unpack to, and how much smaller than that it may be packed: a real sheet of
# 100,000 rows unpacks to a few hundred megabytes at ratios below 100; a ZIP bomb to gigabytes at
# ratios in the thousands.
MAX_UNPACKED_BYTES = 600 * 1024 * 1024
MAX_RATIO = 200
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


@dataclass(frozen=True)
class Sheet:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, the header being row 1; cells)


def refuse(message: object) -> ServiceError:
    return ServiceError({"file": message})


def _limit() -> int:
    return int(current_app.config["IMPORT_MAX_ROWS"])


def _too_many() -> ServiceError:
    limit = format_number(_limit())
    return refuse(_l("The file has more than %(n)s rows: split it into smaller files.", n=limit))


def read_sheet(filename: str, content: bytes) -> Sheet:
    name = filename.lower()
    if name.endswith(".csv"):
        sheet = _read_csv(content)
    elif name.endswith(".xlsx"):
        sheet = _read_xlsx(content)
    else:
        raise refuse(_l("Use an XLSX or CSV file."))
    if not any(header.strip() for header in sheet.headers):
        raise refuse(_l("The file is empty: the first row must hold the column headers."))
    if not sheet.rows:
        raise refuse(_l("The file has no rows under its headers."))
    return sheet


def _check_cells(row_number: int, cells: list[str]) -> None:
    for column, cell in enumerate(cells, start=1):
        if len(cell) > MAX_CELL_LENGTH:
            raise refuse(
                _l(
                    "Row %(row)d, column %(column)d holds more than %(n)d characters.",
                    row=row_number,
                    column=column,
                    n=MAX_CELL_LENGTH,
                )
            )


def _keep(rows: list[tuple[int, list[str]]], row_number: int, cells: list[str]) -> None:
    _check_cells(row_number, cells)
    if any(cell.strip() for cell in cells):
        if len(rows) >= _limit():
            raise _too_many()
        rows.append((row_number, cells))


# --- CSV ------------------------------------------------------------------------------------------------


def _read_csv(content: bytes) -> Sheet:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise refuse(
            _l("The file is not UTF-8 text: save it from the spreadsheet as “CSV UTF-8” and try again.")
        ) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        headers = next(reader, [])
        _check_cells(1, headers)
        for cells in reader:
            _keep(rows, reader.line_num, cells)
    except csv.Error:
        raise refuse(
            _l("The file cannot be read as CSV (a cell is too large, or holds a NUL byte).")
        ) from None
    return Sheet(headers, rows)


# --- XLSX -----------------------------------------------------------------------------------------------


def _check_archive(content: bytes) -> None:
    """Judge the ZIP from its directory alone, before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError):
        raise refuse(_l("The file is not an XLSX workbook: save it from the spreadsheet as XLSX.")) from None
    with archive:
        members = archive.infolist()
        names = {member.filename for member in members}
        if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
            raise refuse(_l("The file is not an XLSX workbook: save it from the spreadsheet as XLSX."))
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES or any(
            member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(member.compress_size, 1)
            for member in members
        ):
            raise refuse(_l("The workbook unpacks to far more than it holds (a ZIP bomb?): it was not read."))
        for member in members:
            if _WORKSHEET.match(member.filename) and _has_merged_cells(archive, member):
                raise refuse(
                    _l("The workbook has merged cells: unmerge them so that every row has its values.")
                )


def _has_merged_cells(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1024 * 1024):
            if b"mergeCell " in tail + chunk or b"mergeCell>" in tail + chunk:
                return True
            tail = chunk[-16:]
    return False


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value)


def _read_xlsx(content: bytes) -> Sheet:
    _check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook: each means "cannot be read"
        raise refuse(_l("The file is not an XLSX workbook: save it from the spreadsheet as XLSX.")) from None
    try:
        if not workbook.worksheets:
            raise refuse(_l("The file is empty: the first row must hold the column headers."))
        headers: list[str] = []
        rows: list[tuple[int, list[str]]] = []
        for row_number, cells in enumerate(workbook.worksheets[0].iter_rows(), start=1):
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    raise refuse(
                        _l(
                            "Cell %(cell)s holds a formula: paste its value instead.",
                            cell=getattr(cell, "coordinate", f"#{row_number}"),
                        )
                    )
            values = [_text(getattr(cell, "value", None)) for cell in cells]
            if row_number == 1:
                _check_cells(1, values)
                headers = values
            else:
                _keep(rows, row_number, values)
    finally:
        workbook.close()
    return Sheet(headers, rows)
