"""The downloadable templates: an XLSX whose type column is a drop-down of the catalogue's types (listed
with their names on a second sheet), and a CSV of the headers alone."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from registry.catalogue.models import InstrumentType
from registry.extensions import db
from registry.imports.columns import HEADERS
from registry.items.models import Funding, ItemState, Purpose, Use

LISTS_SHEET = "Danh mục"
CHOICES = {"use": Use, "state": ItemState, "funding": Funding, "purpose": Purpose}


def template_csv() -> bytes:
    """The headers, UTF-8 with a byte-order mark (so that Excel shows Vietnamese correctly)."""
    return ("\ufeff" + ",".join(HEADERS.values()) + "\r\n").encode()


def template_xlsx(rows: int) -> bytes:
    """The template, its drop-down lists covering ``rows`` rows under the headers."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Phương tiện đo"
    sheet.append(list(HEADERS.values()))
    for index, header in enumerate(HEADERS.values(), start=1):
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(index)].width = max(14, len(header) + 2)
    sheet.freeze_panes = "A2"

    lists = workbook.create_sheet(LISTS_SHEET)
    lists.append(["Mã loại", "Tên loại phương tiện đo"])
    types = db.session.execute(
        select(InstrumentType.code, InstrumentType.name_vi).order_by(InstrumentType.code)
    )
    count = 0
    for code, name in types:
        lists.append([code, name])
        count += 1
    lists.column_dimensions["B"].width = 60
    lists.sheet_state = "hidden"

    names = list(HEADERS)
    last = rows + 1
    # A list longer than 255 characters must be a range of cells: the types are; the short lists are not.
    validations = {"type_code": f"{quote_sheetname(LISTS_SHEET)}!$A$2:$A${count + 1}"} | {
        name: '"' + ",".join(option.value for option in options) + '"' for name, options in CHOICES.items()
    }
    for name, formula in validations.items():
        validation = DataValidation(type="list", formula1=formula, allow_blank=name != "type_code")
        column = get_column_letter(names.index(name) + 1)
        validation.add(f"{column}2:{column}{last}")
        sheet.add_data_validation(validation)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
