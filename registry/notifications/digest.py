"""The Department's daily digest (and its inspection list): overdue and never-verified Group 2 instruments
in legal use, counted by administrative unit (the 2021 districts are kept: abolished units keep their rows)
and instrument type, each count linked to the instrument list filtered to exactly those instruments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for
from flask_babel import get_locale
from sqlalchemy import func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from registry.catalogue.models import AdminUnit, InstrumentType
from registry.extensions import db
from registry.items.group2 import group2_on
from registry.items.models import Item, ItemKind, ItemState
from registry.items.status import Status, status_expression

DIGEST_STATUSES = (Status.OVERDUE, Status.NEVER)


@dataclass(frozen=True)
class DigestRow:
    admin_unit_code: str
    admin_unit_name: str
    type_code: str
    type_name: str
    status: Status
    count: int

    def url(self) -> str:
        return url_for(
            "items.instruments",
            status=self.status.value,
            type_code=self.type_code,
            admin_unit=self.admin_unit_code or None,
        )


def overdue_group2(today: date, district: str | None = None) -> list[ColumnElement[bool]]:
    """The instruments the digest counts (and the Department's inspection list lists): Group 2 in legal
    use, in service, overdue or never verified on ``today``; at a site in ``district`` (an administrative
    unit's code: the unit itself or any unit within it) when given."""
    conditions = [
        Item.kind == ItemKind.INSTRUMENT.value,
        Item.state == ItemState.IN_SERVICE.value,
        group2_on(today),
        # Implied by the status (overdue: ended before today; never: no validity), but on the validity's
        # index, which the CASE of the status is not.
        or_(Item.valid_until < today, Item.valid_until.is_(None)),
        status_expression(today).in_([s.value for s in DIGEST_STATUSES]),
    ]
    if district:
        units = select(AdminUnit.id).where(or_(AdminUnit.code == district, AdminUnit.parent_code == district))
        conditions.append(Item.site_admin_unit_id.in_(units))
    return conditions


def digest_rows(today: date, district: str | None = None) -> list[DigestRow]:
    status = status_expression(today)
    stmt = (
        select(
            AdminUnit.code,
            AdminUnit.name,
            InstrumentType.code,
            InstrumentType.name_vi,
            InstrumentType.name_en,
            status,
            func.count(),
        )
        .select_from(Item)
        .join(InstrumentType, InstrumentType.id == Item.type_id)
        .outerjoin(AdminUnit, AdminUnit.id == Item.site_admin_unit_id)
        .where(*overdue_group2(today, district))
        .group_by(
            AdminUnit.code,
            AdminUnit.name,
            InstrumentType.code,
            InstrumentType.name_vi,
            InstrumentType.name_en,
            status,
        )
    )
    locale = get_locale()
    english = locale is not None and locale.language == "en"
    rows = [
        DigestRow(
            unit_code or "", unit_name or "", code, name_en if english else name_vi, Status(state), count
        )
        for unit_code, unit_name, code, name_vi, name_en, state, count in db.session.execute(stmt)
    ]
    return sorted(rows, key=lambda row: (row.admin_unit_name, row.type_name, row.status.value))
