"""The columns of an import file: each named by the API's field name (``serial_number``) or by the
Vietnamese header of the downloadable template ("Số sản xuất"), in any case, with or without diacritics."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from registry.core.errors import ServiceError
from registry.core.text import fold
from registry.items.fields import FIELDS
from registry.items.models import ItemKind

# The template's headers, in the order of its columns. They are the file's own words, not the reader's
# language: a file filled in Vietnamese reads the same to everyone who imports it.
HEADERS: dict[str, str] = {
    "type_code": "Mã loại phương tiện đo",
    "serial_number": "Số sản xuất",
    "manufacturer": "Nhà sản xuất",
    "model": "Ký hiệu",
    "measuring_range": "Phạm vi đo",
    "accuracy_class": "Cấp chính xác",
    "use": "Phạm vi sử dụng",
    "interval_months": "Chu kỳ hiệu chuẩn (tháng)",
    "site_address": "Địa chỉ nơi sử dụng",
    "site_admin_unit": "Mã đơn vị hành chính nơi sử dụng",
    "state": "Trạng thái",
    "funding": "Nguồn kinh phí",
    "purpose": "Mục đích sử dụng",
    "acquired_on": "Ngày trang bị",
    "notes": "Ghi chú",
}
REQUIRED = ("type_code", "serial_number")
assert set(HEADERS) == set(FIELDS[ItemKind.INSTRUMENT]), "every instrument field has a template column"

_BY_FOLDED = {fold(name): name for name in HEADERS} | {fold(header): name for name, header in HEADERS.items()}


def field_names(headers: list[str]) -> list[str | None]:
    """The field each column of ``headers`` fills (None for an empty header over an empty column).
    Refuses an unknown, repeated or missing column, naming it."""
    names: list[str | None] = []
    for header in headers:
        if not header.strip():
            names.append(None)
            continue
        name = _BY_FOLDED.get(fold(header))
        if name is None:
            raise ServiceError(
                {"file": _l("Unknown column “%(column)s”: use the template's headers.", column=header[:60])}
            )
        if name in names:
            raise ServiceError({"file": _l("The column “%(column)s” appears twice.", column=header[:60])})
        names.append(name)
    missing = [HEADERS[name] for name in REQUIRED if name not in names]
    if missing:
        raise ServiceError({"file": _l("The file has no column %(columns)s.", columns=", ".join(missing))})
    return names
